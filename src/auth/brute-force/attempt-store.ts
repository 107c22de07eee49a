/** A failure counter in a fixed window that starts at the first failure. */
export interface AttemptCount {
  count: number;
  /** When the window (and so any lock) ends, ms since the epoch. */
  resetAt: number;
}

/** A password check's place against one counter's limit. */
export interface Place {
  key: string;
  max: number;
}

/**
 * Where failed-login counters live, with the password checks under way. In memory on one
 * instance; a shared store (Redis) lets several instances count together.
 */
export interface AttemptStore {
  /**
   * Takes a place for one password check on every key at once, unless on one of them the
   * failures recorded plus the checks under way (on every instance that shares the store) reach
   * its max: a burst of parallel guesses then gets no more checks than the limit, however many
   * instances it is spread over. Answers undefined when the places are taken, else when the lock
   * ends (ms since the epoch; see lockedUntil).
   */
  reserve(places: Place[]): Promise<number | undefined>;
  /** Gives back the places a reserve took, after the check's failure (if any) was counted. */
  release(keys: string[]): Promise<void>;
  /** Adds one failure; a new window starts when none is open. */
  increment(key: string, windowMs: number): Promise<AttemptCount>;
  reset(key: string): Promise<void>;
}

export const ATTEMPT_STORE = Symbol('ATTEMPT_STORE');

/**
 * When a lock on a counter ends, if its recorded failures plus the checks under way reach `max`:
 * at the end of the window when the failures alone do, else in a second (the checks under way
 * end within about that, and may not fail).
 */
export function lockedUntil(count: AttemptCount | undefined, inFlight: number, max: number, now: number): number | undefined {
  const recorded = count && count.resetAt > now ? count.count : 0;
  if (recorded + inFlight < max) return undefined;
  return recorded >= max ? count!.resetAt : now + 1000;
}

/** Counters in this process, swept as their windows close. */
export class MemoryAttemptStore implements AttemptStore {
  private readonly counts = new Map<string, AttemptCount>();
  /** Password checks under way, per key. */
  private readonly inFlight = new Map<string, number>();
  private lastSweep = Date.now();

  async reserve(places: Place[]): Promise<number | undefined> {
    // Nothing awaits between the check and the reservation, so two checks cannot take one last place.
    const now = Date.now();
    const locks = places
      .map(({ key, max }) => lockedUntil(this.current(key), this.inFlight.get(key) ?? 0, max, now))
      .filter((until): until is number => until !== undefined);
    if (locks.length > 0) return Math.max(...locks);
    for (const { key } of places) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    return undefined;
  }

  async release(keys: string[]): Promise<void> {
    for (const key of keys) {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
  }

  private current(key: string): AttemptCount | undefined {
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
    const current = this.current(key);
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
