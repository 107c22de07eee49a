import { createHmac, createSign } from 'node:crypto';

const b64 = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString()), payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) };
}

/** A JWT with whatever header and payload, signed (or not) as an attacker would. */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: { hs256Secret?: string | Buffer; rs256PrivateKey?: string } = {},
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (sign.hs256Secret !== undefined) return `${input}.${createHmac('sha256', sign.hs256Secret).update(input).digest('base64url')}`;
  if (sign.rs256PrivateKey) return `${input}.${createSign('RSA-SHA256').update(input).sign(sign.rs256PrivateKey, 'base64url')}`;
  return `${input}.`;
}
