import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { Session } from '../sessions/session.entity';
import { ClientInfo, SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AuthContext } from './auth-context';
import { LoginThrottleService } from './brute-force/login-throttle.service';

/** What signed-in users do to their own account: their sessions and their password. */
@Injectable()
export class AccountService {
  private readonly logger = new Logger(AccountService.name);

  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
  ) {}

  activeSessions(userId: string): Promise<Session[]> {
    return this.sessions.listActive(userId);
  }

  /** Ends one of the user's sessions; another user's (or an unknown) id is 404, whatever exists. */
  async endSession(auth: AuthContext, sessionId: string, client: ClientInfo): Promise<void> {
    const session = await this.sessions.findById(sessionId);
    if (!session || session.userId !== auth.user.id || this.sessions.stateOf(session) !== 'active') {
      throw new AppError('not_found', 'No such session');
    }
    await this.sessions.revoke(session.id, 'user');
    this.audit.record({ type: 'session_revoked', userId: auth.user.id, sessionId: session.id, client, detail: { by: 'user', byUserId: auth.user.id } });
  }

  async endOtherSessions(auth: AuthContext, client: ClientInfo): Promise<void> {
    const ended = await this.sessions.revokeAllForUser(auth.user.id, 'user', auth.session.id);
    for (const sessionId of ended) {
      this.audit.record({ type: 'session_revoked', userId: auth.user.id, sessionId, client, detail: { by: 'user', byUserId: auth.user.id } });
    }
  }

  /**
   * Checks the current password, sets the new one, and ends every other session of the user.
   * Wrong current passwords are limited like failed logins (LOGIN_MAX_FAILURES per window, 429
   * too_many_attempts), on a count of their own: someone holding a stolen session cannot guess
   * the password here without limit, nor lock the owner's logins by trying.
   */
  async changePassword(auth: AuthContext, currentPassword: string, newPassword: string, client: ClientInfo): Promise<void> {
    const key = `password-change:${auth.user.id}`;
    // An IP count of its own too: failed logins of others behind one address do not block this.
    const ip = `password-change:${client.ip ?? 'unknown'}`;
    const release = await this.throttle.begin(key, ip);
    try {
      await this.users.changePassword(auth.user, currentPassword, newPassword);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_credentials') await this.throttle.recordFailure(key, ip);
      throw error;
    } finally {
      release();
    }
    // The password has changed: the other sessions end whatever happens next.
    const ended = await this.sessions.revokeAllForUser(auth.user.id, 'password_changed', auth.session.id);
    this.audit.record({
      type: 'password_changed',
      userId: auth.user.id,
      sessionId: auth.session.id,
      client,
      detail: { sessionsEnded: ended.length },
    });
    // Resetting the count is a courtesy: if the counter store fails now, the answer is still 204.
    await this.throttle.recordSuccess(key).catch((error: Error) => this.logger.warn(`Could not reset a password-change count: ${error.message}`));
  }
}
