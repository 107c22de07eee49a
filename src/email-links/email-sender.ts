import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Email, Mailer } from '../mail/mailer';

/**
 * Sends an email after the response has gone. The answer to "send me a link" must not wait for
 * (or be slowed by) the mail server, nor tell by its timing whether an account exists; a failure
 * is logged. `settled()` lets a test (or a shutdown) wait for what is still being sent.
 */
@Injectable()
export class EmailSender implements OnApplicationShutdown {
  private readonly logger = new Logger(EmailSender.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly mailer: Mailer) {}

  /** Runs `compose` (which may write, say, a token) and sends what it returns, in the background. */
  later(what: string, compose: () => Promise<Email | null>): void {
    const task = compose()
      .then((email) => (email ? this.mailer.send(email) : undefined))
      .catch((error: Error) => this.logger.error(`Sending the ${what} email failed: ${error.message}`))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** On shutdown, emails still being sent get a few seconds to go out rather than be cut off. */
  async onApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([this.settled(), limit]);
    clearTimeout(timer);
    if (this.pending.size > 0) this.logger.warn(`${this.pending.size} email(s) still unsent at shutdown`);
    this.mailer.close();
  }
}

const SHUTDOWN_GRACE_MS = 5_000;

/** "1 hour", "48 hours", "30 minutes": a link's lifetime as an email states it. */
export function humanDuration(seconds: number): string {
  const [amount, unit] =
    seconds % 86_400 === 0 && seconds > 86_400 * 2
      ? [seconds / 86_400, 'day']
      : seconds % 3600 === 0
        ? [seconds / 3600, 'hour']
        : seconds % 60 === 0
          ? [seconds / 60, 'minute']
          : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}
