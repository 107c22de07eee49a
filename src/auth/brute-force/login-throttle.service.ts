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

  /** 429 too_many_attempts (with Retry-After) while the account or the IP is locked. */
  async assertAllowed(accountKey: string, ip: string): Promise<void> {
    const { maxFailures, ipMaxFailures } = this.config.loginLimits;
    const [account, address] = await Promise.all([this.store.get(`account:${accountKey}`), this.store.get(`ip:${ip}`)]);
    const blocking = [locked(account, maxFailures), locked(address, ipMaxFailures)].filter((c): c is AttemptCount => !!c);
    if (blocking.length === 0) return;
    const resetAt = Math.max(...blocking.map((count) => count.resetAt));
    const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
    throw new AppError('too_many_attempts', `Too many failed sign-in attempts; try again in ${seconds} seconds`, {
      'Retry-After': String(seconds),
    });
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

function locked(count: AttemptCount | undefined, max: number): AttemptCount | undefined {
  return count && count.count >= max && count.resetAt > Date.now() ? count : undefined;
}
