import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Session, SessionKind } from './session.entity';

/** Where a login came from, recorded on its session row. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  deviceName?: string | null;
}

export type SessionState = 'active' | 'expired' | 'revoked';

/**
 * The sessions table: every login of either kind. Creating, finding, sliding, revoking and
 * sweeping sessions all happen here, whichever transport (cookie or token) uses them.
 */
@Injectable()
export class SessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionsService.name);
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => {
      this.sweepExpired().catch((error: Error) => this.logger.error(`Sweeping sessions failed: ${error.message}`));
    }, this.config.session.sweepInterval * 1000);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** Idle lifetime of a session, in seconds. */
  idleTtl(_kind: SessionKind, persistent: boolean): number {
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
    await this.sessions.insert(session);
    return session;
  }

  findBySecretHash(secretHash: string): Promise<Session | null> {
    return this.sessions.findOneBy({ secretHash });
  }

  findById(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }

  stateOf(session: Session, now = new Date()): SessionState {
    if (session.revokedAt) return 'revoked';
    if (session.expiresAt <= now || session.absoluteExpiresAt <= now) return 'expired';
    return 'active';
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
    Object.assign(session, changes, { persistent, lastSeenAt: now, expiresAt });
  }

  /** True when activity should be written now (at most once per touch interval per session). */
  isSlideDue(session: Session, now = Date.now()): boolean {
    return now - session.lastSeenAt.getTime() >= this.config.session.touchInterval * 1000;
  }

  async delete(id: string): Promise<void> {
    await this.sessions.delete({ id });
  }

  async deleteBySecretHash(secretHash: string): Promise<void> {
    await this.sessions.delete({ secretHash });
  }

  /** Deletes sessions past their idle or absolute expiry. Returns how many went. */
  async sweepExpired(now = new Date()): Promise<number> {
    const idle = await this.sessions.delete({ expiresAt: LessThan(now) });
    const absolute = await this.sessions.delete({ absoluteExpiresAt: LessThan(now) });
    return (idle.affected ?? 0) + (absolute.affected ?? 0);
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
