/**
 * A small in-process cache with a time-to-live per entry and a size cap (oldest entries go
 * first). Callers invalidate entries when they change the thing cached; the TTL only bounds how
 * stale an entry can be when another process changed it.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  /**
   * Counts deletions. A caller that loads a value to cache reads it first and passes it to `set`:
   * if anything was deleted meanwhile (a change announced while the load was in flight), the
   * loaded value may be older than that change and is not kept.
   */
  generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  get(key: K, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V, now = Date.now(), loadedAtGeneration?: number): void {
    if (this.ttlMs <= 0) return;
    if (loadedAtGeneration !== undefined && loadedAtGeneration !== this.generation) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  delete(key: K): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
