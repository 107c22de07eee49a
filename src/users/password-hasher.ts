import { Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Argon2Task, HashingProcessPool, HashingTaskError } from './hashing-process-pool';

/** How much lower than the event loop's the hashing processes' CPU priority is (19: the lowest). */
export const HASHING_NICE_INCREMENT = 19;

/**
 * argon2id hashing (OWASP parameters by default). Hashes run in child processes, at most
 * `maxConcurrent` at once (one per core by default), at the lowest CPU priority: a flood of logins
 * gets every idle cycle, but whenever a request is waiting the kernel runs the event loop first,
 * so hashing never starves the requests that do not hash (see hashing-process-pool.ts for why
 * processes rather than threads).
 */
@Injectable()
export class PasswordHasher implements OnModuleDestroy {
  private readonly pool: HashingProcessPool;
  private dummyHash?: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    // Each process holds its next check while it hashes: otherwise one that finished waited, idle,
    // until a busy event loop handed it the next, which during a flood of logins left about a
    // twentieth of the CPU unused.
    this.pool = new HashingProcessPool(join(__dirname, 'argon2.process.js'), config.argon2.maxConcurrent, 2, HASHING_NICE_INCREMENT);
  }

  async hash(password: string): Promise<string> {
    const { memoryCost, timeCost, parallelism } = this.config.argon2;
    const options = { algorithm: Algorithm.Argon2id, memoryCost, timeCost, parallelism };
    return (await this.run({ op: 'hash', password, options })) as string;
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return (await this.run({ op: 'verify', hash: passwordHash, password })) as boolean;
    } catch (error) {
      if (error instanceof HashingTaskError) return false; // a malformed stored hash never matches
      throw error;
    }
  }

  /** The pool's answer; a hashing process that ended under the task is a 503, never a wrong password. */
  private async run(task: Argon2Task): Promise<string | boolean> {
    try {
      return await this.pool.run(task);
    } catch (error) {
      if (error instanceof HashingTaskError) throw error;
      throw new AppError('service_unavailable', 'Password hashing is unavailable for a moment; try again shortly', { 'Retry-After': '1' });
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
