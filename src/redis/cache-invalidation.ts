import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RedisConnection } from './redis-connection';

/** What another instance may hold in a cache: session rows, and users. */
export type CachedKind = 'session' | 'user';

interface Listener {
  evict(ids: string[]): void;
  clear(): void;
}

/**
 * Keeps the per-instance caches of session rows and users true across instances. Every change an
 * instance makes to a session or a user is announced on a Redis channel, and every other instance
 * drops its copy, so a revoked session or a demoted user is refused on its next request wherever
 * it lands. Without REDIS_URL (one instance) announcing does nothing. When the subscription
 * drops and comes back, messages may have been missed, so every cached entry is dropped.
 */
@Injectable()
export class CacheInvalidation implements OnModuleInit {
  private readonly logger = new Logger(CacheInvalidation.name);
  private readonly origin = randomUUID();
  private readonly listeners = new Map<CachedKind, Listener>();
  private readonly channel: string;

  constructor(private readonly redis: RedisConnection) {
    this.channel = `${redis.keyPrefix}cache-invalidation`;
  }

  /** How this instance drops its cached entries of `kind` when another one changes them. */
  listen(kind: CachedKind, listener: Listener): void {
    this.listeners.set(kind, listener);
  }

  /**
   * Tells the other instances that these entries changed. Resolves once Redis has passed the
   * message on, so an answer sent after it cannot overtake it; a failure is logged (the caches'
   * few seconds of TTL then bound how long another instance can serve the old entry).
   */
  async announce(kind: CachedKind, ids: string[]): Promise<void> {
    if (!this.redis.client || ids.length === 0) return;
    try {
      await this.redis.client.publish(this.channel, JSON.stringify({ origin: this.origin, kind, ids }));
    } catch (error) {
      this.logger.warn(`Announcing a ${kind} change failed: ${(error as Error).message}`);
    }
  }

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.subscriber;
    if (!subscriber) return;
    await this.redis.opened();
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    let subscribed = false;
    subscriber.on('ready', () => {
      if (!subscribed) return;
      // Back after a drop: once subscribed again (messages from then on arrive), forget
      // everything cached, since changes announced while away were missed.
      this.resynced = subscriber.subscribe(this.channel).then(
        () => this.listeners.forEach((listener) => listener.clear()),
        (error: Error) => this.logger.warn(`Subscribing again failed: ${error.message}`),
      );
    });
    await subscriber.subscribe(this.channel);
    subscribed = true;
  }

  /** Settles when the latest re-subscription (after a dropped connection) has cleared the caches. */
  resynced: Promise<void> = Promise.resolve();

  private receive(message: string): void {
    try {
      const { origin, kind, ids } = JSON.parse(message) as { origin: string; kind: CachedKind; ids: string[] };
      if (origin !== this.origin && Array.isArray(ids)) this.listeners.get(kind)?.evict(ids);
    } catch {
      this.logger.warn('Ignored a malformed cache-invalidation message');
    }
  }
}
