import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Semaphore } from '../common/semaphore';

/**
 * argon2id hashing (OWASP parameters by default). Hashes run on libuv's thread pool, never on the
 * event loop, and at most `maxConcurrent` at once, so that a flood of logins leaves a core for
 * the requests that do not hash.
 */
@Injectable()
export class PasswordHasher {
  private readonly slots: Semaphore;
  private dummyHash?: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.slots = new Semaphore(config.argon2.maxConcurrent);
  }

  hash(password: string): Promise<string> {
    const { memoryCost, timeCost, parallelism } = this.config.argon2;
    return this.slots.run(() => hash(password, { algorithm: Algorithm.Argon2id, memoryCost, timeCost, parallelism }));
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => verify(passwordHash, password));
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
}
