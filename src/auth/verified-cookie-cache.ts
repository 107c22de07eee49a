/** The session cookie a `Cookie` header carries, once its signature has been checked. */
export interface VerifiedSessionCookie {
  /** The cookie it was read from (its name). */
  cookieName: string;
  /** The session id, unsigned. */
  sid: string;
  /** SHA-256 of the id: the sessions table's key. */
  secretHash: string;
}

/**
 * `Cookie` headers whose session cookie has passed its signature check, with the id it carries and
 * that id's hash. A browser sends the same header on every request; parsing it, computing the
 * cookie's HMAC again and hashing the id was, after the caches, most of what a cookie request cost
 * beyond a bearer one. What is kept is a pure function of the header and the server's secret, so
 * a header that differs in one character is parsed and checked from scratch, and nothing here
 * grants anything by itself: the session and the user are still checked on every request.
 *
 * Only headers that verified are kept (a flood of forged cookies adds nothing), none longer than
 * `maxHeaderLength` characters, at most `maxEntries` of them (oldest first out).
 */
export class VerifiedCookieCache {
  private readonly entries = new Map<string, VerifiedSessionCookie>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxHeaderLength = 1024,
  ) {}

  recall(header: string, cookieName: string): VerifiedSessionCookie | undefined {
    const entry = this.entries.get(header);
    return entry !== undefined && entry.cookieName === cookieName ? entry : undefined;
  }

  remember(header: string, cookie: VerifiedSessionCookie): void {
    if (header.length > this.maxHeaderLength || this.entries.has(header)) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(header, cookie);
  }

  get size(): number {
    return this.entries.size;
  }
}
