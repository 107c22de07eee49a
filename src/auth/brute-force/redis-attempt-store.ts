import type Redis from 'ioredis';
import { AppError } from '../../common/app-error';
import { AttemptCount, AttemptStore } from './attempt-store';

/** Adds one failure and opens the window on the first; answers the count and the window's ms left. */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`;

const READ = `return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;

/**
 * Failed-login counters in Redis (REDIS_URL), shared by every instance: a key per counter that
 * expires with its window. Each step is one Lua script, so two instances counting at once never
 * lose a failure or leave a counter without expiry. When Redis cannot answer, logins answer 503
 * rather than go unlimited.
 */
export class RedisAttemptStore implements AttemptStore {
  constructor(private readonly redis: Redis) {}

  async get(key: string): Promise<AttemptCount | undefined> {
    const [count, ttl] = (await this.run(() => this.redis.eval(READ, 1, attemptKey(key)))) as [string | null, number];
    return count === null || ttl <= 0 ? undefined : { count: Number(count), resetAt: Date.now() + ttl };
  }

  async increment(key: string, windowMs: number): Promise<AttemptCount> {
    const [count, ttl] = (await this.run(() => this.redis.eval(INCREMENT, 1, attemptKey(key), windowMs))) as [number, number];
    return { count, resetAt: Date.now() + (ttl > 0 ? ttl : windowMs) };
  }

  async reset(key: string): Promise<void> {
    await this.run(() => this.redis.del(attemptKey(key)));
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      throw new AppError('service_unavailable', 'Sign-in is unavailable for a moment; try again shortly');
    }
  }
}

function attemptKey(key: string): string {
  return `login-failures:${key}`;
}
