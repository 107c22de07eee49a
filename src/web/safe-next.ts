const BASE = 'http://authkit.invalid';

/**
 * The local path to go to after sign-in, or the fallback. Only a path on this site is accepted:
 * `https://evil.example`, `//evil.example`, `/\evil.example` and anything with a backslash or a
 * control character fall back, so a link cannot send a user to another site.
 */
export function safeNext(next: unknown, fallback = '/account'): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  try {
    const url = new URL(next, BASE);
    if (url.origin !== BASE) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}
