import { Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Piscina } from 'piscina';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** How much lower than the event loop's the hashing threads' CPU priority is (19: the lowest). */
export const HASHING_NICE_INCREMENT = 19;

type Argon2Task = { op: 'hash'; password: string; options: object } | { op: 'verify'; hash: string; password: string };

/**
 * argon2id hashing (20 MiB, t=2, p=1 by default: above OWASP's minimum). Hashes run in a pool of
 * worker threads, at most `maxConcurrent` at once (one per core by default), at the lowest CPU
 * priority: a flood of logins gets every idle cycle, but whenever a request is waiting the kernel
 * runs the event loop first, so hashing never starves the requests that do not hash.
 */
@Injectable()
export class PasswordHasher implements OnModuleDestroy {
  private readonly pool: Piscina<Argon2Task, string | boolean>;
  private dummyHash?: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const threads = config.argon2.maxConcurrent;
    this.pool = new Piscina({
      filename: join(__dirname, 'argon2.worker.js'),
      minThreads: threads,
      maxThreads: threads,
      // Each thread holds its next check while it hashes (its sync work runs them one by one):
      // otherwise a thread that finished waited, idle, until a busy event loop handed it the next
      // one, which during a flood of logins left about a twentieth of the CPU unused.
      concurrentTasksPerWorker: 2,
      idleTimeout: 60_000,
      niceIncrement: HASHING_NICE_INCREMENT,
      // Nothing reads the pool's timing histograms; recording them was work on the event loop for every check.
      recordTiming: false,
    });
  }

  async hash(password: string): Promise<string> {
    const { memoryCost, timeCost, parallelism } = this.config.argon2;
    const options = { algorithm: Algorithm.Argon2id, memoryCost, timeCost, parallelism };
    return (await this.pool.run({ op: 'hash', password, options })) as string;
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return (await this.pool.run({ op: 'verify', hash: passwordHash, password })) as boolean;
    } catch {
      return false; // a malformed stored hash never matches
    }
  }

  /** Spends the time of one verification, so that an unknown user costs what a known one does. */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(await this.dummyHash, password);
  }

  /** True when the hash was made with other parameters than the configured ones. */
  needsRehash(passwordHash: string): boolean {
    const { memoryCost, timeCost, parallelism } = this.config.argon2;
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
    if (!match) return true;
    return Number(match[1]) !== memoryCost || Number(match[2]) !== timeCost || Number(match[3]) !== parallelism;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
  }
}
