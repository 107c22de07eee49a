import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EmailVerificationService } from '../email-links/email-verification.service';
import { RegisterDto } from '../users/dto/register.dto';
import { toUserResponse, UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import { AccountService } from './account.service';
import { AuthContext } from './auth-context';
import { CsrfResponse, LoginResponse, MeResponse } from './auth.responses';
import { meResponseBody } from './me-response';
import { CsrfService } from './csrf.service';
import { Client, CurrentAuth } from './decorators/current-user.decorator';
import { ClientInfo } from '../sessions/sessions.service';
import { Public } from './decorators/public.decorator';
import { RequireCsrf } from './decorators/require-csrf.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { LoginService } from './login.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly logins: LoginService,
    private readonly csrf: CsrfService,
    private readonly account: AccountService,
    private readonly verification: EmailVerificationService,
  ) {}

  @Public()
  @Post('register')
  @ApiCreatedResponse({ type: UserResponse, description: 'The new account (roles ["user"]); a verification link is emailed to its address' })
  async register(@Body() body: RegisterDto, @Client() client: ClientInfo): Promise<UserResponse> {
    const user = await this.users.register(body);
    this.verification.sendLink(user, client);
    return toUserResponse(user);
  }

  @Public()
  @Get('csrf')
  @ApiOkResponse({ type: CsrfResponse })
  csrfToken(@Req() req: Request, @Res({ passthrough: true }) res: Response): CsrfResponse {
    return { csrfToken: this.csrf.token(req, res) };
  }

  @Public()
  @RequireCsrf()
  @Post('login')
  @HttpCode(200)
  @ApiHeader({ name: 'X-CSRF-Token', required: true, description: 'From GET /auth/csrf (or the _csrf form field)' })
  @ApiOkResponse({ type: LoginResponse, description: 'Sets the sid session cookie' })
  async login(@Body() body: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<LoginResponse> {
    const user = await this.logins.authenticate(req, res);
    await this.logins.logIn(req, res, user, body.rememberMe === true, body.password);
    return { user: toUserResponse(user) };
  }

  @Post('logout')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'Ends the current session (cookie or bearer); a cookie session is destroyed and its cookie cleared' })
  async logout(@CurrentAuth() auth: AuthContext, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.logins.logOut(auth, req, res);
  }

  @Post('password')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'Password changed; every other session of the user is ended' })
  async changePassword(@CurrentAuth() auth: AuthContext, @Body() body: ChangePasswordDto, @Client() client: ClientInfo): Promise<void> {
    await this.account.changePassword(auth, body.currentPassword, body.newPassword, client);
  }

  @Get('me')
  @ApiCookieAuth()
  @ApiBearerAuth()
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentAuth() auth: AuthContext, @Res() res: Response): void {
    // The JSON made once per change (me-response.ts), sent as bytes: what res.json would send,
    // without serializing it and parsing its Content-Type again on every request.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(meResponseBody(auth));
  }
}
