import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

/**
 * Development only: reads a secret from `<dataDir>/secrets.json`, generating and saving it on first
 * use, so that a restart does not sign everyone out. Production never calls this.
 */
export function developmentSecret(dataDir: string, name: string): string {
  const file = join(dataDir, 'secrets.json');
  mkdirSync(dataDir, { recursive: true });
  const secrets: Record<string, string> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
    : {};
  if (!secrets[name]) {
    secrets[name] = randomBytes(32).toString('base64url');
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
    new Logger('Config').warn(
      `${name} is not set: generated one into ${file} (development only; production refuses to start without it)`,
    );
  }
  return secrets[name];
}
