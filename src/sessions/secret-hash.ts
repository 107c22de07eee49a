import { hash, randomBytes } from 'node:crypto';

/** SHA-256 (hex) of a session secret or refresh token: what the sessions table stores. One-shot `hash`: no Hash object per request. */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** A new 256-bit random secret, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
