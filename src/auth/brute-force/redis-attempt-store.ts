import type Redis from 'ioredis';
import { AppError } from '../../common/app-error';
import { AttemptCount, AttemptStore, Place } from './attempt-store';

/** Adds one failure and opens the window on the first; answers the count and the window's ms left. */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`;

/**
 * KEYS: per place, its failure counter then its checks-under-way counter; ARGV: per place, its
 * max, then the checks-under-way counters' expiry. Answers 0 when every place is taken, else the
 * ms until the longest lock ends (as lockedUntil in attempt-store.ts).
 */
const RESERVE = `
local places = #KEYS / 2
local wait = 0
for i = 1, places do
  local failures = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local inFlight = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local max = tonumber(ARGV[i])
  if failures + inFlight >= max then
    local ms = 1000
    if failures >= max then ms = math.max(redis.call('PTTL', KEYS[2 * i - 1]), 1000) end
    wait = math.max(wait, ms)
  end
end
if wait > 0 then return wait end
for i = 1, places do
  redis.call('INCR', KEYS[2 * i])
  redis.call('PEXPIRE', KEYS[2 * i], ARGV[places + 1])
end
return 0`;

const RELEASE = `
for i = 1, #KEYS do
  if redis.call('DECR', KEYS[i]) <= 0 then redis.call('DEL', KEYS[i]) end
end
return 0`;

/**
 * How long a check's place outlives it if its instance dies before giving it back: the place then
 * frees itself. A password check takes well under a second.
 */
const IN_FLIGHT_EXPIRY_MS = 60_000;

/**
 * Failed-login counters in Redis (REDIS_URL), shared by every instance: a key per counter that
 * expires with its window, and a counter of the password checks under way per key. Each step is
 * one Lua script, so two instances counting at once never lose a failure, leave a counter without
 * expiry, or both take the last place before a lock. When Redis cannot answer, logins answer 503
 * rather than go unlimited.
 */
export class RedisAttemptStore implements AttemptStore {
  constructor(private readonly redis: Redis) {}

  async reserve(places: Place[]): Promise<number | undefined> {
    const keys = places.flatMap(({ key }) => [attemptKey(key), inFlightKey(key)]);
    const args = [...places.map(({ max }) => max), IN_FLIGHT_EXPIRY_MS];
    const wait = (await this.run(() => this.redis.eval(RESERVE, keys.length, ...keys, ...args))) as number;
    return wait > 0 ? Date.now() + wait : undefined;
  }

  async release(keys: string[]): Promise<void> {
    await this.run(() => this.redis.eval(RELEASE, keys.length, ...keys.map(inFlightKey)));
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

function inFlightKey(key: string): string {
  return `login-checks:${key}`;
}
