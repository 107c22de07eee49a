import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 (hex) of a session secret or refresh token: what the sessions table stores. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new 256-bit random secret, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
