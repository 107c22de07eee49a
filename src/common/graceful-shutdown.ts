import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AuthkitExpressAdapter } from '../express-adapter';

/** How long a shutdown waits for the requests in flight before it closes the app anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

const logger = new Logger('Shutdown');

/**
 * Closes the app without failing the requests it is handling. Nest's own `close()` first runs
 * every module's destroy hooks (the hashing threads end, the audit queue is flushed) and only
 * then closes the HTTP server, and a handler whose client went away still runs after that, when
 * the database is closed too: a login in the middle of its password check was answered 401 with
 * the right password, and one whose client had hung up failed on a closed database.
 *
 * So: no new connections (idle keep-alive ones close now, busy ones after their answer), wait
 * until every request in flight has ended its response (at most `graceMs`), close the
 * connections left, then `app.close()`.
 * Resolves `false` when the grace period ran out first.
 */
export async function closeGracefully(app: NestExpressApplication, graceMs = SHUTDOWN_GRACE_MS): Promise<boolean> {
  const server = app.getHttpServer() as Server;
  const adapter = app.getHttpAdapter();
  const inFlight = adapter instanceof AuthkitExpressAdapter ? adapter.inFlight : undefined;
  if (inFlight) inFlight.draining = true;
  server.close();
  if (inFlight && inFlight.size > 0) logger.log(`Waiting for ${inFlight.size} request(s) in flight`);
  const drained = inFlight ? await inFlight.whenIdle(graceMs) : true;
  if (!drained) logger.warn(`${inFlight?.size} request(s) still in flight after ${graceMs / 1000} s: closing anyway`);
  server.closeAllConnections();
  await app.close();
  return drained;
}

/**
 * SIGTERM or SIGINT closes the app gracefully, then the process ends by that signal, as it would
 * have without a handler. A second signal while it waits ends the process at once.
 */
export function closeOnSignals(app: NestExpressApplication, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn(`${signal} again: stopping now`);
      process.exit(1);
    }
    closing = true;
    closeGracefully(app).then(
      () => {
        for (const name of signals) process.removeListener(name, onSignal);
        process.kill(process.pid, signal);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}
