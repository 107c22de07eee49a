import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator';
import { SigningKeysService } from './signing-keys.service';

@ApiTags('jwt')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  /** Public keys that verify access tokens (empty under HS256). */
  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ schema: { example: { keys: [{ kty: 'RSA', kid: 'rs256-…', alg: 'RS256', use: 'sig', n: '…', e: 'AQAB' }] } } })
  async jwks(): Promise<{ keys: object[] }> {
    return { keys: await this.keys.publicJwks() };
  }
}
