import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { insertStatement } from '../database/fixed-statement';
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

/**
 * The audit log. Recording never makes the request it records fail or wait: events are queued
 * and written in batches right after the request's own work; a failed write is logged, not
 * thrown. Reading the log first writes whatever is still queued.
 */
@Injectable()
export class AuditService implements OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private queue: AuditEvent[] = [];
  private flushing?: Promise<void>;
  /** The usual batch, one event (each login writes one), as fixed SQL: see database/fixed-statement.ts. */
  private readonly insertOne: { run(event: AuditEvent): Promise<unknown> };

  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {
    this.insertOne = insertStatement(events);
  }

  record(input: AuditInput): void {
    this.queue.push(
      this.events.create({
        id: randomUUID(),
        type: input.type,
        userId: input.userId ?? null,
        sessionId: input.sessionId ?? null,
        ip: input.client?.ip?.slice(0, 64) ?? null,
        userAgent: input.client?.userAgent?.slice(0, 512) ?? null,
        detail: JSON.stringify(input.detail ?? {}),
        createdAt: new Date(),
      }),
    );
    if (this.queue.length === 1) setImmediate(() => void this.flush());
  }

  /** Writes every queued event. Safe to call at any time; concurrent calls share one write. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = (batch.length === 1 ? this.insertOne.run(batch[0]) : this.events.insert(batch))
      .then(() => undefined)
      .catch((error: Error) => this.logger.error(`Could not write ${batch.length} audit event(s): ${error.message}`))
      .finally(() => (this.flushing = undefined));
    await this.flushing;
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
