import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, Not, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { insertStatement } from '../database/fixed-statement';
import { yieldToWaitingRequests } from '../common/yield-to-waiting-requests';
import { inTransaction } from '../database/transaction';
import { CacheInvalidation } from '../redis/cache-invalidation';
import { SessionCache } from './session-cache';
import { Session, SessionKind } from './session.entity';
import { SpentRefreshToken } from './spent-refresh-token.entity';

/** Where a login came from, recorded on its session row. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  deviceName?: string | null;
}

export type SessionState = 'active' | 'expired' | 'revoked';

export type RevokeReason = 'logout' | 'user' | 'password_changed' | 'password_reset' | 'refresh_token_reused' | 'admin' | 'user_disabled';

/**
 * How long another process's change to a session can go unseen here when no message says so
 * (without REDIS_URL, or while Redis is unreachable).
 */
export const SESSION_CACHE_TTL_MS = 5_000;
/** Expired sessions deleted per statement when sweeping. */
export const SWEEP_BATCH = 500;

/**
 * The sessions table: every login of either kind. Creating, finding, sliding, revoking and
 * sweeping sessions all happen here, whichever transport (cookie or token) uses them, and every
 * change here keeps the in-process cache of session rows (read on every bearer request) true.
 */
@Injectable()
export class SessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionsService.name);
  private readonly cache = new SessionCache(SESSION_CACHE_TTL_MS);
  private sweepTimer?: NodeJS.Timeout;
  /** Every login inserts a row (see FixedStatement). */
  private readonly insertSession: ReturnType<typeof insertStatement>;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(SpentRefreshToken) private readonly spentTokens: Repository<SpentRefreshToken>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly invalidation: CacheInvalidation,
  ) {
    this.insertSession = insertStatement(sessions);
    invalidation.listen('session', {
      evict: (ids) => ids.forEach((id) => this.cache.evict(id)),
      clear: () => this.cache.clear(),
    });
  }

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => {
      this.sweepExpired().catch((error: Error) => this.logger.error(`Sweeping sessions failed: ${error.message}`));
    }, this.config.session.sweepInterval * 1000);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** Idle lifetime of a session, in seconds: a JWT session lives as long as its refresh token. */
  idleTtl(kind: SessionKind, persistent: boolean): number {
    if (kind === 'jwt') return this.config.jwt.refreshTokenTtl;
    return persistent ? this.config.session.rememberMeTtl : this.config.session.ttl;
  }

  async create(input: {
    userId: string;
    kind: SessionKind;
    secretHash: string;
    persistent: boolean;
    data: string | null;
    client: ClientInfo;
  }): Promise<Session> {
    const now = new Date();
    const absoluteExpiresAt = addSeconds(now, this.config.session.absoluteTtl);
    const session = this.sessions.create({
      id: randomUUID(),
      userId: input.userId,
      kind: input.kind,
      secretHash: input.secretHash,
      persistent: input.persistent,
      data: input.data,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: earliest(addSeconds(now, this.idleTtl(input.kind, input.persistent)), absoluteExpiresAt),
      absoluteExpiresAt,
      revokedAt: null,
      revokedReason: null,
      userAgent: truncate(input.client.userAgent, 512),
      ip: truncate(input.client.ip, 64),
      deviceName: truncate(input.client.deviceName ?? null, 100),
    });
    await this.insertSession.run(session);
    return session;
  }

  /** The cached row for this secret hash, if any: lets the per-request path skip a promise. */
  cachedBySecretHash(secretHash: string): Session | undefined {
    return this.cache.getBySecretHash(secretHash);
  }

  /** The session whose secret (cookie session id or refresh token) has this hash; cached. */
  findBySecretHash(secretHash: string): Promise<Session | null> {
    return this.cachedOrRead(this.cache.getBySecretHash(secretHash), { secretHash });
  }

  /** Drops a row from the cache after a change made outside this service (a test, a manual fix). */
  evictFromCache(id: string): Promise<void> {
    return this.dropCached([id]);
  }

  /** Drops rows from this instance's cache and tells the other instances to drop theirs. */
  private dropCached(ids: string[]): Promise<void> {
    for (const id of ids) this.cache.evict(id);
    return this.invalidation.announce('session', ids);
  }

  /** The session row by its public id; cached. */
  findById(id: string): Promise<Session | null> {
    return this.cachedOrRead(this.cache.getById(id), { id });
  }

  /** `cached` if there is one, else the row read, and cached unless an eviction came meanwhile (TtlCache.generation). */
  private async cachedOrRead(cached: Session | undefined, where: { id: string } | { secretHash: string }): Promise<Session | null> {
    if (cached) return cached;
    const generation = this.cache.generation;
    const row = await this.sessions.findOneBy(where);
    if (row) this.cache.set(row, generation);
    return row;
  }

  stateOf(session: Session, now = Date.now()): SessionState {
    if (session.revokedAt) return 'revoked';
    if (session.expiresAt.getTime() <= now || session.absoluteExpiresAt.getTime() <= now) return 'expired';
    return 'active';
  }

  /** The user's sessions that still work, newest first. */
  listActive(userId: string): Promise<Session[]> {
    const now = new Date();
    return this.sessions
      .createQueryBuilder('s')
      .where('s.userId = :userId', { userId })
      .andWhere('s.revokedAt IS NULL')
      .andWhere('s.expiresAt > :now', { now })
      .andWhere('s.absoluteExpiresAt > :now', { now })
      .orderBy('s.createdAt', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .getMany();
  }

  countActive(userId: string): Promise<number> {
    const now = new Date();
    return this.sessions
      .createQueryBuilder('s')
      .where('s.userId = :userId', { userId })
      .andWhere('s.revokedAt IS NULL')
      .andWhere('s.expiresAt > :now', { now })
      .andWhere('s.absoluteExpiresAt > :now', { now })
      .getCount();
  }

  /**
   * Records activity: slides `expiresAt` by the idle lifetime (never past the absolute limit).
   * Only an active session moves; `changes` may carry new data for the row.
   */
  async slide(session: Session, changes: Partial<Pick<Session, 'data' | 'persistent'>> = {}): Promise<void> {
    const now = new Date();
    const persistent = changes.persistent ?? session.persistent;
    const expiresAt = earliest(addSeconds(now, this.idleTtl(session.kind, persistent)), session.absoluteExpiresAt);
    await this.sessions.update(
      { id: session.id, revokedAt: IsNull() },
      { ...changes, persistent, lastSeenAt: now, expiresAt },
    );
    // A later expiry alone need not be announced (a copy elsewhere only errs early); new data must.
    if (Object.keys(changes).length > 0) await this.dropCached([session.id]);
    else this.cache.evict(session.id);
    Object.assign(session, changes, { persistent, lastSeenAt: now, expiresAt });
  }

  /**
   * True when activity should be written now: at most once per touch interval per session, and
   * at least ten times per idle lifetime. Activity between two writes is not recorded, so a
   * session may idle out up to one interval early: with a lifetime shorter than ten touch
   * intervals (SESSION_TTL=2s, say), a request every second must still keep it alive.
   */
  isSlideDue(session: Session, now = Date.now()): boolean {
    const interval = Math.min(this.config.session.touchInterval, this.idleTtl(session.kind, session.persistent) / 10);
    return now - session.lastSeenAt.getTime() >= interval * 1000;
  }

  /**
   * Swaps a JWT session's refresh secret, atomically: of two requests presenting the same
   * secret, exactly one sees its update match. The spent secret is remembered, so that showing
   * it again is recognised as reuse. Returns the updated session, or null if another request
   * (or a revocation) got there first.
   */
  async rotateSecret(session: Session, oldHash: string, newHash: string): Promise<Session | null> {
    const now = new Date();
    const expiresAt = earliest(addSeconds(now, this.idleTtl(session.kind, false)), session.absoluteExpiresAt);
    const rotated = await inTransaction(this.sessions.manager.connection, async (manager) => {
      const result = await manager.update(
        Session,
        { id: session.id, secretHash: oldHash, revokedAt: IsNull() },
        { secretHash: newHash, lastSeenAt: now, expiresAt },
      );
      if (result.affected !== 1) return false;
      await manager.insert(SpentRefreshToken, { tokenHash: oldHash, sessionId: session.id, spentAt: now });
      return true;
    });
    await this.dropCached([session.id]);
    return rotated ? Object.assign(session, { secretHash: newHash, lastSeenAt: now, expiresAt }) : null;
  }

  findSpentToken(tokenHash: string): Promise<SpentRefreshToken | null> {
    return this.spentTokens.findOneBy({ tokenHash });
  }

  /** Ends one session: both transports stop accepting it on their next request. */
  async revoke(id: string, reason: RevokeReason): Promise<boolean> {
    const result = await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
    await this.dropCached([id]);
    return result.affected === 1;
  }

  /** Ends every session of a user, except `exceptId` when given. Returns the ids ended. */
  async revokeAllForUser(userId: string, reason: RevokeReason, exceptId?: string): Promise<string[]> {
    const rows = await this.sessions.find({
      select: { id: true },
      where: { userId, revokedAt: IsNull(), ...(exceptId ? { id: Not(exceptId) } : {}) },
    });
    const ids = rows.map((row) => row.id);
    if (ids.length > 0) {
      await this.sessions.update({ id: In(ids), revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
      await this.dropCached(ids);
    }
    return ids;
  }

  async delete(id: string): Promise<void> {
    await this.sessions.delete({ id });
    await this.dropCached([id]);
  }

  async deleteBySecretHash(secretHash: string): Promise<void> {
    const row = await this.sessions.findOne({ select: { id: true }, where: { secretHash } });
    if (row) await this.delete(row.id);
  }

  /**
   * Deletes sessions past their expiry (and so their spent tokens), SWEEP_BATCH at a time, letting
   * waiting requests go first between batches. `expiresAt` never passes `absoluteExpiresAt` (create
   * and touch cap it), so the indexed `expiresAt` alone finds every expired row: asking for either
   * column, as this did before, made SQLite read the whole table (about 300 ms on the event loop
   * with a million sessions, every SESSION_SWEEP_INTERVAL).
   */
  async sweepExpired(now = new Date()): Promise<number> {
    let swept = 0;
    for (;;) {
      const expired = await this.sessions.find({ select: { id: true }, where: { expiresAt: LessThan(now) }, take: SWEEP_BATCH });
      const ids = expired.map((row) => row.id);
      if (ids.length > 0) {
        await this.spentTokens.delete({ sessionId: In(ids) });
        await this.sessions.delete({ id: In(ids) });
        for (const id of ids) this.cache.evict(id);
        swept += ids.length;
      }
      if (ids.length < SWEEP_BATCH) return swept;
      await yieldToWaitingRequests();
    }
  }
}

export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

function earliest(a: Date, b: Date): Date {
  return a <= b ? a : b;
}

function truncate(value: string | null, length: number): string | null {
  return value === null ? null : value.slice(0, length);
}
