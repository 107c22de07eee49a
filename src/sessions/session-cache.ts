import { TtlCache } from '../common/ttl-cache';
import { Session } from './session.entity';

/**
 * Session rows by id and by secret hash, for the check every request makes (bearer: by the
 * token's `sid`; cookie: by the hash of the session id). The sessions service evicts a row on
 * every change it makes; the TTL bounds how long a change made by another process goes unseen.
 */
export class SessionCache {
  private readonly byId: TtlCache<string, Session>;
  private readonly idByHash: TtlCache<string, string>;

  constructor(ttlMs: number, maxEntries = 100_000) {
    this.byId = new TtlCache(ttlMs, maxEntries);
    this.idByHash = new TtlCache(ttlMs, maxEntries);
  }

  getById(id: string): Session | undefined {
    return this.byId.get(id);
  }

  getBySecretHash(secretHash: string): Session | undefined {
    const id = this.idByHash.get(secretHash);
    const row = id === undefined ? undefined : this.byId.get(id);
    return row && row.secretHash === secretHash ? row : undefined;
  }

  /** Read before loading a row from the database, and pass to `set` (see TtlCache.generation). */
  get generation(): number {
    return this.byId.generation;
  }

  set(row: Session, loadedAtGeneration?: number): void {
    if (loadedAtGeneration !== undefined && loadedAtGeneration !== this.byId.generation) return;
    this.byId.set(row.id, row);
    this.idByHash.set(row.secretHash, row.id);
  }

  clear(): void {
    this.byId.clear();
    this.idByHash.clear();
  }

  evict(id: string): void {
    const row = this.byId.get(id);
    if (row) this.idByHash.delete(row.secretHash);
    this.byId.delete(id);
  }
}
