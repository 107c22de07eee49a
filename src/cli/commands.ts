import { INestApplicationContext } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AppError } from '../common/app-error';
import { AuditService } from '../audit/audit.service';
import { SigningKeysService } from '../auth/jwt/signing-keys.service';
import { SessionsService } from '../sessions/sessions.service';
import { RegisterDto } from '../users/dto/register.dto';
import { ROLES, Role } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { promptHidden } from './prompt';

export interface Command {
  summary: string;
  run(app: INestApplicationContext, args: string[]): Promise<string>;
}

export const COMMANDS: Record<string, Command> = {
  'create-admin': {
    summary:
      'create-admin <username> <email>: a new account with roles user and admin; the password is read from AUTHKIT_ADMIN_PASSWORD or asked for without echo',
    async run(app, [username, email]) {
      if (!username || !email) throw new Error('Usage: npm run cli -- create-admin <username> <email>');
      const password = process.env.AUTHKIT_ADMIN_PASSWORD || (await promptHidden('Password for the new admin: '));
      const input = plainToInstance(RegisterDto, { username, email, password });
      const errors = await validate(input);
      if (errors.length > 0) throw new Error(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
      const user = await app.get(UsersService).create(input, ['user', 'admin']);
      return `Created admin ${user.username} (${user.id}).`;
    },
  },
  'set-roles': {
    summary: `set-roles <username or email> <roles>: replace a user's roles, comma-separated (${ROLES.join(', ')})`,
    async run(app, [login, list]) {
      if (!login || !list) throw new Error('Usage: npm run cli -- set-roles <username or email> <role,role>');
      const roles = [...new Set(list.split(',').map((role) => role.trim()))] as Role[];
      const unknown = roles.filter((role) => !ROLES.includes(role));
      if (unknown.length > 0 || roles.length === 0) throw new Error(`Unknown role(s): ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
      const users = app.get(UsersService);
      const user = await users.findByLogin(login);
      if (!user) throw new Error(`No user ${login}`);
      try {
        await users.updateKeepingAnAdmin(user.id, { roles });
      } catch (error) {
        if (error instanceof AppError && error.code === 'last_admin') throw new Error(`${user.username} is the last admin: make another admin first`);
        throw error;
      }
      app.get(AuditService).record({ type: 'roles_changed', userId: user.id, detail: { from: user.roles, to: roles, by: 'cli' } });
      return `${user.username} now has roles ${roles.join(', ')}.`;
    },
  },
  'rotate-keys': {
    summary: 'add a new access-token signing key; the previous one keeps verifying for one ACCESS_TOKEN_TTL',
    async run(app) {
      const kid = await app.get(SigningKeysService).rotate();
      return `New signing key ${kid} is active; the previous key is retired.`;
    },
  },
  'prune-sessions': {
    summary: 'delete every session past its expiry (the server also does this every SESSION_SWEEP_INTERVAL)',
    async run(app) {
      const count = await app.get(SessionsService).sweepExpired();
      return `Deleted ${count} expired session(s).`;
    },
  },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(16)} ${command.summary}`);
  return `Usage: npm run cli -- <command> [arguments]\n\nCommands:\n${lines.join('\n')}\n`;
}
