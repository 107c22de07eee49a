import { AccessTokenClaims } from './token.service';

/**
 * Access tokens whose signature passport-jwt has already checked, with their claims, until they
 * expire (Envoy's JWT filter keeps the same kind of cache). A mobile client sends the same token
 * on every call for its whole lifetime; checking an RS256 signature again each time was the
 * largest single cost of a bearer request. Keyed by the exact token text, so a token that differs
 * in one character is verified from scratch. Only the signature verdict is kept: the session and
 * the user are still checked on every request, so revocation stays immediate.
 */
export class VerifiedTokenCache {
  /**
   * By the token's last 32 characters (its signature's), and holding the whole token: a look-up
   * then hashes 32 characters, not the ~800 of an RS256 token, and the full text must still match.
   */
  private readonly entries = new Map<string, { token: string; claims: AccessTokenClaims }>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The claims of a token verified before and not yet expired. */
  recall(token: string, now = Date.now()): AccessTokenClaims | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (now >= entry.claims.exp * 1000) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.claims;
  }

  remember(token: string, claims: AccessTokenClaims): void {
    if (typeof claims.exp !== 'number') return; // never keep a token that would not expire
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(keyOf(token), { token, claims });
  }

  clear(): void {
    this.entries.clear();
  }
}

function keyOf(token: string): string {
  return token.length > 32 ? token.slice(-32) : token;
}
