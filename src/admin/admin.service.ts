import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AuthContext } from '../auth/auth-context';
import { AppError } from '../common/app-error';
import { ClientInfo, SessionsService } from '../sessions/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { UpdateUserDto } from './admin.dto';

/** What admins do to other accounts: find them, change roles, disable them, sign them out. */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  listUsers(query: { q?: string; page: number; limit: number }): Promise<{ items: User[]; total: number }> {
    return this.users.search(query);
  }

  async getUser(id: string): Promise<{ user: User; activeSessions: number }> {
    const user = await this.existingUser(id);
    return { user, activeSessions: await this.sessions.countActive(id) };
  }

  /**
   * Changes roles and/or the disabled flag. Disabling ends every session of the user at once.
   * The last enabled admin can be neither demoted nor disabled (409 last_admin).
   */
  async updateUser(admin: AuthContext, id: string, changes: UpdateUserDto, client: ClientInfo): Promise<User> {
    const { before: user, roles, disabled } = await this.users.updateKeepingAnAdmin(id, changes);

    const rolesChanged = [...roles].sort().join() !== [...user.roles].sort().join();
    const by = { byUserId: admin.user.id };
    if (rolesChanged) this.audit.record({ type: 'roles_changed', userId: id, client, detail: { from: user.roles, to: roles, ...by } });
    if (disabled && !user.disabled) {
      const ended = await this.sessions.revokeAllForUser(id, 'user_disabled');
      this.audit.record({ type: 'user_disabled', userId: id, client, detail: { sessionsEnded: ended.length, ...by } });
    }
    if (!disabled && user.disabled) this.audit.record({ type: 'user_enabled', userId: id, client, detail: by });
    return { ...user, roles, disabled };
  }

  /** Ends every session of the user, of both kinds. */
  async signOutEverywhere(admin: AuthContext, id: string, client: ClientInfo): Promise<void> {
    await this.existingUser(id);
    const ended = await this.sessions.revokeAllForUser(id, 'admin');
    for (const sessionId of ended) {
      this.audit.record({ type: 'session_revoked', userId: id, sessionId, client, detail: { by: 'admin', byUserId: admin.user.id } });
    }
  }

  private async existingUser(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError('not_found', 'No such user');
    return user;
  }
}
