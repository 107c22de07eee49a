import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { clientInfo } from '../client-info';
import { Public } from '../decorators/public.decorator';
import { RefreshRequestDto, TokenRequestDto, TokenResponse } from '../dto/token.dto';
import { LoginService } from '../login.service';
import { TokenService } from './token.service';

@ApiTags('jwt')
@Controller('auth/token')
export class TokenController {
  constructor(
    private readonly logins: LoginService,
    private readonly tokens: TokenService,
  ) {}

  /** Mobile and API sign-in: no cookie, no CSRF token. */
  @Public()
  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: TokenResponse })
  async token(@Body() body: TokenRequestDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponse> {
    const user = await this.logins.authenticate(req, res);
    return this.tokens.issueForLogin(user, body.password, clientInfo(req, body.deviceName));
  }

  /** Spends the refresh token and answers a new pair. A spent token shown again ends the session (401 refresh_token_reused). */
  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenResponse })
  refresh(@Body() body: RefreshRequestDto, @Req() req: Request): Promise<TokenResponse> {
    return this.tokens.refresh(body.refreshToken, clientInfo(req));
  }
}
