import { createHash } from 'node:crypto';
import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
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
  @ApiResponse({ status: 304, description: 'Unchanged since the ETag given in If-None-Match' })
  async jwks(@Res({ passthrough: true }) res: Response): Promise<{ keys: object[] }> {
    const body = { keys: await this.keys.publicJwks() };
    // The app sends no ETags (configure-app.ts); this one lets a cache revalidate with a 304.
    res.setHeader('ETag', `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`);
    return body;
  }
}
