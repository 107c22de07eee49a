import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ATTEMPT_STORE, AttemptStore } from './attempt-store';

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

  private readonly logger = new Logger(LoginThrottleService.name);
  /** Per account, the end of the password checks queued so far (see begin). */
  private readonly accountQueues = new Map<string, Promise<void>>();

  /**
   * 429 too_many_attempts (with Retry-After) while the account or the IP is locked. Otherwise a
   * burst of parallel guesses would all pass this check before the first failure is recorded, so
   * the checks of one account take turns on this instance (a user signing in on two devices at
   * once waits a moment), and every check under way holds a place against the account's and the
   * IP's limits in the store, which instances sharing Redis share: a guesser gets no more tries
   * than the limit, on one instance or spread over many. Holds the place until the returned
   * `release` is called, after recordFailure or recordSuccess.
   */
  async begin(accountKey: string, ip: string): Promise<() => void> {
    const unlockAccount = await this.takeTurn(accountKey);
    const { maxFailures, ipMaxFailures } = this.config.loginLimits;
    const keys = [`account:${accountKey}`, `ip:${ip}`];
    let locked: number | undefined;
    try {
      locked = await this.store.reserve([
        { key: keys[0], max: maxFailures },
        { key: keys[1], max: ipMaxFailures },
      ]);
    } catch (error) {
      unlockAccount();
      throw error;
    }
    if (locked !== undefined) {
      unlockAccount();
      const seconds = Math.max(1, Math.ceil((locked - Date.now()) / 1000));
      throw new AppError('too_many_attempts', `Too many failed sign-in attempts; try again in ${seconds} seconds`, {
        'Retry-After': String(seconds),
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Sent before the account's next check can reserve (one connection, in order); should the
      // store fail now, the place frees itself (see the Redis store).
      this.store.release(keys).catch((error: Error) => this.logger.warn(`Could not give back a login check's place: ${error.message}`));
      unlockAccount();
    };
  }

  /** Waits for the account's earlier checks to end; the returned function ends this one. */
  private async takeTurn(accountKey: string): Promise<() => void> {
    const previous = this.accountQueues.get(accountKey) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    this.accountQueues.set(accountKey, tail);
    await previous;
    return () => {
      done();
      if (this.accountQueues.get(accountKey) === tail) this.accountQueues.delete(accountKey);
    };
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
