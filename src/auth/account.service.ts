import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Session } from '../sessions/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AuthContext } from './auth-context';

/** What signed-in users do to their own account: their sessions and their password. */
@Injectable()
export class AccountService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  activeSessions(userId: string): Promise<Session[]> {
    return this.sessions.listActive(userId);
  }

  /** Ends one of the user's sessions; another user's (or an unknown) id is 404, whatever exists. */
  async endSession(userId: string, sessionId: string): Promise<void> {
    const session = await this.sessions.findById(sessionId);
    if (!session || session.userId !== userId || this.sessions.stateOf(session) !== 'active') {
      throw new AppError('not_found', 'No such session');
    }
    await this.sessions.revoke(session.id, 'user');
  }

  async endOtherSessions(auth: AuthContext): Promise<void> {
    await this.sessions.revokeAllForUser(auth.user.id, 'user', auth.session.id);
  }

  /** Checks the current password, sets the new one, and ends every other session of the user. */
  async changePassword(auth: AuthContext, currentPassword: string, newPassword: string): Promise<void> {
    await this.users.changePassword(auth.user, currentPassword, newPassword);
    await this.sessions.revokeAllForUser(auth.user.id, 'password_changed', auth.session.id);
  }

  /** Ends the session the request came with (logout): revoked for a token, deleted by express-session for a cookie. */
  async endCurrentTokenSession(auth: AuthContext): Promise<void> {
    await this.sessions.revoke(auth.session.id, 'logout');
  }
}
