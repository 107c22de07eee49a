import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SessionResponse, toSessionResponse } from '../sessions/session.response';
import { AccountService } from './account.service';
import { AuthContext } from './auth-context';
import { Client, CurrentAuth } from './decorators/current-user.decorator';
import { ClientInfo } from '../sessions/sessions.service';

/** The caller's own sessions, of both kinds. */
@ApiTags('sessions')
@ApiCookieAuth()
@ApiBearerAuth()
@Controller('auth/sessions')
export class MySessionsController {
  constructor(private readonly account: AccountService) {}

  @Get()
  @ApiOkResponse({ type: [SessionResponse], description: 'Active sessions, newest first' })
  async list(@CurrentAuth() auth: AuthContext): Promise<SessionResponse[]> {
    const sessions = await this.account.activeSessions(auth.user.id);
    return sessions.map((session) => toSessionResponse(session, auth.session.id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The session is ended at once, whichever kind it is' })
  @ApiNotFoundResponse({ description: 'No such session of the caller' })
  async end(@CurrentAuth() auth: AuthContext, @Param('id') id: string, @Client() client: ClientInfo): Promise<void> {
    await this.account.endSession(auth, id, client);
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Every session of the caller except the current one is ended' })
  async endOthers(@CurrentAuth() auth: AuthContext, @Client() client: ClientInfo): Promise<void> {
    await this.account.endOtherSessions(auth, client);
  }
}
