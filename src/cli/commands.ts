import { INestApplicationContext } from '@nestjs/common';
import { SigningKeysService } from '../auth/jwt/signing-keys.service';
import { SessionsService } from '../sessions/sessions.service';

export interface Command {
  summary: string;
  run(app: INestApplicationContext, args: string[]): Promise<string>;
}

export const COMMANDS: Record<string, Command> = {
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
  return `Usage: npm run cli -- <command>\n\nCommands:\n${lines.join('\n')}\n`;
}
