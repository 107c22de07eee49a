import { v7 as timeOrderedUuid } from 'uuid';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { InsertStatement, insertStatement } from '../database/fixed-statement';
import type { ClientInfo } from '../sessions/sessions.service';
import { AuditEvent, AuditEventType } from './audit-event.entity';

export interface AuditInput {
  type: AuditEventType;
  userId?: string | null;
  sessionId?: string | null;
  client?: ClientInfo;
  detail?: Record<string, unknown>;
}

export interface AuditQuery {
  userId?: string;
  type?: AuditEventType;
  page: number;
  limit: number;
}

/** How long a recorded event may wait to be written with the ones recorded after it. */
export const AUDIT_WRITE_DELAY_MS = 50;
/** A batch this large is written at once, and no statement writes more. */
const AUDIT_MAX_BATCH = 100;

/**
 * The audit log. Recording never makes the request it records fail or wait: events are queued
 * and written in batches, within AUDIT_WRITE_DELAY_MS of the first one (under load, one write
 * for many logins instead of one each); a failed write is logged, not thrown. Reading the log
 * first writes whatever is still queued, and so does shutting down.
 */
@Injectable()
export class AuditService implements OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private queue: AuditEvent[] = [];
  private flushing?: Promise<void>;
  private flushTimer?: NodeJS.Timeout;
  /** Fixed SQL for each batch size (see database/fixed-statement.ts): under a flood of logins, TypeORM's
   * insert built each batch's statement anew, a tenth of what a login allocated. */
  private readonly insert: InsertStatement;

  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {
    this.insert = insertStatement(events);
  }

  record(input: AuditInput): void {
    const event: AuditEvent = {
      // Time-ordered (UUIDv7, increasing within a millisecond): "newest first" is createdAt, then
      // id, and events of one tick (login_failed and locked_out, roles_changed and user_disabled)
      // came out in a random order with random ids.
      id: timeOrderedUuid(),
      type: input.type,
      userId: input.userId ?? null,
      sessionId: input.sessionId ?? null,
      ip: input.client?.ip?.slice(0, 64) ?? null,
      userAgent: input.client?.userAgent?.slice(0, 512) ?? null,
      detail: JSON.stringify(input.detail ?? {}),
      createdAt: new Date(),
    };
    this.queue.push(event);
    if (this.queue.length === AUDIT_MAX_BATCH) void this.flush();
    else if (this.queue.length === 1) this.flushTimer = setTimeout(() => void this.flush(), AUDIT_WRITE_DELAY_MS).unref();
  }

  /** Writes every queued event. Safe to call at any time; concurrent calls share one write. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    clearTimeout(this.flushTimer);
    const queued = this.queue;
    this.queue = [];
    this.flushing = this.write(queued).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Writes the events, AUDIT_MAX_BATCH at most per statement (SQLite limits a statement's parameters). */
  private async write(events: AuditEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += AUDIT_MAX_BATCH) {
      const batch = events.slice(start, start + AUDIT_MAX_BATCH);
      try {
        await this.insert.runMany(batch);
      } catch (error) {
        this.logger.error(`Could not write ${batch.length} audit event(s): ${(error as Error).message}`);
      }
    }
  }

  async find(query: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
    await this.flush();
    const [items, total] = await this.events.findAndCount({
      where: { ...(query.userId ? { userId: query.userId } : {}), ...(query.type ? { type: query.type } : {}) },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (query.page - 1) * query.limit,
      take: query.limit,
    });
    return { items, total };
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }
}
