import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * The Redis connections of this instance when REDIS_URL is set (`client` is null otherwise):
 * one for commands, one subscribed to the cache-invalidation channel. Opened at start-up, which
 * fails with a clear message when Redis cannot be reached. After that, a command sent while the
 * connection is down fails at once (no offline queue), so a login answers 503 instead of hanging;
 * ioredis reconnects in the background.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | null = null;
  readonly subscriber: Redis | null = null;
  /** Channels are not prefixed by ioredis: this is the prefix for them. */
  readonly keyPrefix: string = '';
  private opening?: Promise<void>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (!config.redis) return;
    const { url, keyPrefix } = config.redis;
    // disconnectTimeout: ioredis otherwise keeps the process alive 2 s after closing a socket that never opened.
    const options = { lazyConnect: true, connectTimeout: 5000, disconnectTimeout: 200, keepAlive: 10_000 };
    // No offline queue and a command timeout: with Redis unreachable, or a connection silently
    // gone (a partition), a login answers 503 within a second instead of waiting.
    this.client = new Redis(url, { ...options, keyPrefix, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000 });
    this.subscriber = new Redis(url, options);
    this.keyPrefix = keyPrefix;
    for (const connection of [this.client, this.subscriber]) {
      connection.on('error', (error: Error) => this.logger.warn(`Redis connection: ${error.message}`));
    }
  }

  /** Connects both (once; every caller waits for the same attempt). */
  opened(): Promise<void> {
    this.opening ??= this.open();
    return this.opening;
  }

  onModuleInit(): Promise<void> {
    return this.opened();
  }

  private async open(): Promise<void> {
    if (!this.client || !this.subscriber) return;
    try {
      await this.client.connect();
      await this.subscriber.connect();
    } catch (error) {
      this.client.disconnect();
      this.subscriber.disconnect();
      throw new Error(`Cannot reach Redis at REDIS_URL (${redacted(this.config.redis!.url)}): ${(error as Error).message}`);
    }
  }

  /** 'up' when Redis answers a PING now. */
  async state(): Promise<'up' | 'down'> {
    try {
      return (await this.client!.ping()) === 'PONG' ? 'up' : 'down';
    } catch {
      return 'down';
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.client, this.subscriber].map((connection) => connection && close(connection)));
  }
}

/** QUIT when connected (the server closes the socket at once), else just stop reconnecting. */
async function close(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    await connection.quit().catch(() => connection.disconnect());
  } else {
    connection.disconnect();
  }
}

/** The URL without its password, for messages. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable URL';
  }
}
