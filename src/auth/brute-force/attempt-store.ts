/** A failure counter in a fixed window that starts at the first failure. */
export interface AttemptCount {
  count: number;
  /** When the window (and so any lock) ends, ms since the epoch. */
  resetAt: number;
}

/**
 * Where failed-login counters live. In memory on one instance; a shared store (Redis) lets
 * several instances count together.
 */
export interface AttemptStore {
  get(key: string): Promise<AttemptCount | undefined>;
  /** Adds one failure; a new window starts when none is open. */
  increment(key: string, windowMs: number): Promise<AttemptCount>;
  reset(key: string): Promise<void>;
}

export const ATTEMPT_STORE = Symbol('ATTEMPT_STORE');

/** Counters in this process, swept as their windows close. */
export class MemoryAttemptStore implements AttemptStore {
  private readonly counts = new Map<string, AttemptCount>();
  private lastSweep = Date.now();

  async get(key: string): Promise<AttemptCount | undefined> {
    const entry = this.counts.get(key);
    if (entry && entry.resetAt <= Date.now()) {
      this.counts.delete(key);
      return undefined;
    }
    return entry;
  }

  async increment(key: string, windowMs: number): Promise<AttemptCount> {
    const now = Date.now();
    this.sweep(now);
    const current = await this.get(key);
    const next = current ? { count: current.count + 1, resetAt: current.resetAt } : { count: 1, resetAt: now + windowMs };
    this.counts.set(key, next);
    return next;
  }

  async reset(key: string): Promise<void> {
    this.counts.delete(key);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.counts) if (entry.resetAt <= now) this.counts.delete(key);
  }
}
