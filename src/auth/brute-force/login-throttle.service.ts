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

  /** Per account, the end of the password checks queued so far (see begin). */
  private readonly accountQueues = new Map<string, Promise<void>>();
  /** Password checks under way per client IP: they count against the IP's limit until they end. */
  private readonly ipInFlight = new Map<string, number>();

  /**
   * 429 too_many_attempts (with Retry-After) while the account or the IP is locked. Otherwise a
   * burst of parallel guesses would all pass this check before the first failure is recorded, so
   * the checks of one account take turns (a user signing in on two devices at once waits a
   * moment; a guesser gets no more tries than the limit), and the checks under way from one IP
   * count against its limit. Holds the place until the returned `release` is called, after
   * recordFailure or recordSuccess.
   */
  async begin(accountKey: string, ip: string): Promise<() => void> {
    const unlockAccount = await this.takeTurn(accountKey);
    try {
      const [account, address] = await Promise.all([this.store.get(`account:${accountKey}`), this.store.get(`ip:${ip}`)]);
      // From here to the reservation nothing awaits, so two requests cannot both take the IP's last place.
      const { maxFailures, ipMaxFailures } = this.config.loginLimits;
      const now = Date.now();
      const resetAts = [blockedUntil(account, 0, maxFailures, now), blockedUntil(address, this.ipInFlight.get(ip) ?? 0, ipMaxFailures, now)];
      const blocking = resetAts.filter((resetAt): resetAt is number => resetAt !== undefined);
      if (blocking.length > 0) {
        const seconds = Math.max(1, Math.ceil((Math.max(...blocking) - now) / 1000));
        throw new AppError('too_many_attempts', `Too many failed sign-in attempts; try again in ${seconds} seconds`, {
          'Retry-After': String(seconds),
        });
      }
    } catch (error) {
      unlockAccount();
      throw error;
    }
    this.ipInFlight.set(ip, (this.ipInFlight.get(ip) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.ipInFlight.get(ip) ?? 1) - 1;
      if (left > 0) this.ipInFlight.set(ip, left);
      else this.ipInFlight.delete(ip);
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

/** When the lock on a counter ends, if its recorded failures plus the checks under way reach the limit. */
function blockedUntil(count: AttemptCount | undefined, inFlight: number, max: number, now: number): number | undefined {
  const recorded = count && count.resetAt > now ? count.count : 0;
  if (recorded + inFlight < max) return undefined;
  return recorded >= max ? count!.resetAt : now + 1000; // only checks under way: they end within a second
}
