import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** How often the write-ahead log is copied back into the database file. */
export const WAL_CHECKPOINT_INTERVAL_MS = 1_000;

export interface WalCheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * SQLite only. By default SQLite checkpoints the write-ahead log inside the commit that fills
 * it: that commit then writes a thousand pages back and waits for the disk, and every statement
 * queued behind it waits too (seen as stalls of tens to hundreds of milliseconds during a login
 * storm). The app's connection turns automatic checkpoints off (see sqlite-thread.worker.js) and
 * this thread, with its own connection, checkpoints every second instead.
 */
@Injectable()
export class WalCheckpointer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WalCheckpointer.name);
  private worker?: Worker;
  /** The last checkpoint's outcome (frames in the log, frames copied back), for tests and health. */
  lastResult?: WalCheckpointResult;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleInit(): void {
    if (this.config.database.type !== 'sqlite') return;
    this.worker = new Worker(join(__dirname, 'wal-checkpoint.worker.js'), {
      workerData: { path: this.config.database.path, intervalMs: WAL_CHECKPOINT_INTERVAL_MS },
    });
    this.worker.unref();
    this.worker.on('message', (message: WalCheckpointResult | { error: string }) => {
      if ('error' in message) this.logger.warn(`WAL checkpoint failed: ${message.error}`);
      else this.lastResult = message;
    });
    this.worker.on('error', (error) => this.logger.error(`WAL checkpointer stopped: ${error.message}`));
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.worker) return;
    const exited = new Promise((resolve) => this.worker!.once('exit', resolve));
    this.worker.ref(); // an unref'd worker would let the process end before it has stopped
    this.worker.postMessage('stop');
    await exited;
  }
}
