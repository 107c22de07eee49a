import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ATTEMPT_STORE, AttemptCount, AttemptStore } from './attempt-store';

/**
 * Brute-force limits on password logins, per account and per client IP (API.md "Brute force").
 * Only failures count, and a success resets the account's count: @nestjs/throttler limits
 * requests per route, which is not that, so this is a small service of its own.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(ATTEMPT_STORE) private readonly store: AttemptStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Password checks under way, per counter key: they count against the limits until they end. */
  private readonly inFlight = new Map<string, number>();

  /**
   * 429 too_many_attempts (with Retry-After) while the account or the IP is locked, counting the
   * attempts still being checked: otherwise a burst of parallel guesses would all pass the check
   * before the first failure is recorded. Holds a place until the returned `release` is called
   * (after recordFailure or recordSuccess).
   */
  async begin(accountKey: string, ip: string): Promise<() => void> {
    const keys = [`account:${accountKey}`, `ip:${ip}`];
    const [account, address] = await Promise.all(keys.map((key) => this.store.get(key)));
    // From here to the reservation nothing awaits, so two requests cannot both take the last place.
    const { maxFailures, ipMaxFailures } = this.config.loginLimits;
    const now = Date.now();
    const blocking = [this.blocking(keys[0], account, maxFailures, now), this.blocking(keys[1], address, ipMaxFailures, now)];
    const resetAts = blocking.filter((resetAt): resetAt is number => resetAt !== undefined);
    if (resetAts.length > 0) {
      const seconds = Math.max(1, Math.ceil((Math.max(...resetAts) - now) / 1000));
      throw new AppError('too_many_attempts', `Too many failed sign-in attempts; try again in ${seconds} seconds`, {
        'Retry-After': String(seconds),
      });
    }
    for (const key of keys) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of keys) {
        const left = (this.inFlight.get(key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(key, left);
        else this.inFlight.delete(key);
      }
    };
  }

  /** When the lock on this counter ends, if the failures so far plus those in flight reach the limit. */
  private blocking(key: string, count: AttemptCount | undefined, max: number, now: number): number | undefined {
    const recorded = count && count.resetAt > now ? count.count : 0;
    if (recorded + (this.inFlight.get(key) ?? 0) < max) return undefined;
    return recorded >= max ? count!.resetAt : now + 1000; // only in flight: they end within seconds
  }

  /** Counts a failure; answers whether this one locked the account. */
  async recordFailure(accountKey: string, ip: string): Promise<{ accountLocked: boolean }> {
    const windowMs = this.config.loginLimits.window * 1000;
    const [account] = await Promise.all([
      this.store.increment(`account:${accountKey}`, windowMs),
      this.store.increment(`ip:${ip}`, windowMs),
    ]);
    return { accountLocked: account.count === this.config.loginLimits.maxFailures };
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await this.store.reset(`account:${accountKey}`);
  }
}
