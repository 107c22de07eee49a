import { readdirSync, readFileSync } from 'node:fs';
import { AppConfig } from '../config/app-config';
import { isCommonPassword } from './common-passwords';
import { PasswordHasher } from './password-hasher';

const config = { argon2: { memoryCost: 20480, timeCost: 2, parallelism: 1, maxConcurrent: 2 } } as AppConfig;

/** The threads of this process at the lowest CPU priority (nice 19), from /proc (Linux). */
function lowestPriorityThreads(): string[] {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '19';
    } catch {
      return false; // the thread ended meanwhile
    }
  });
}

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(config);
  afterAll(() => hasher.onModuleDestroy());

  it('hashes with argon2id and the configured parameters, and verifies', async () => {
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=20480,t=2,p=1\$/);
    await expect(hasher.verify(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'Correct horse battery')).resolves.toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('asks for a re-hash when the parameters are outdated or the hash is not argon2id', () => {
    expect(hasher.needsRehash('$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('pbkdf2_sha256$...')).toBe(true);
  });

  it('hashes in maxConcurrent threads at the lowest CPU priority, never on the event loop', async () => {
    // Threads of this process that were already there (a pool of another test file that Jest ran
    // in this process and that is still winding down) are not this hasher's.
    const before = lowestPriorityThreads();
    const own = new PasswordHasher(config);
    try {
      await Promise.all([own.hash('one password here'), own.hash('another password')]);
      expect(lowestPriorityThreads().filter((tid) => !before.includes(tid))).toHaveLength(config.argon2.maxConcurrent);
      expect(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[16]).toBe('0'); // the main thread keeps its priority
    } finally {
      await own.onModuleDestroy();
    }
  });

  it('hands each thread its next check while it hashes, so a busy event loop never leaves one idle', async () => {
    const hash = await hasher.hash('queued password');
    const pool = (hasher as unknown as { pool: { queueSize: number } }).pool;
    const checks = Array.from({ length: 2 * config.argon2.maxConcurrent }, () => hasher.verify(hash, 'queued password'));
    expect(pool.queueSize).toBe(0); // every check is already with a thread: one running, one next
    await expect(Promise.all(checks)).resolves.toEqual(checks.map(() => true));
  });

  it('treats a malformed stored hash as a mismatch, not an error', async () => {
    await expect(hasher.verify('not a hash', 'whatever')).resolves.toBe(false);
  });
});

describe('isCommonPassword', () => {
  it('knows the shipped list, case-insensitively', () => {
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('PASSWORD')).toBe(true);
    expect(isCommonPassword('sunshine')).toBe(true);
    expect(isCommonPassword('purple monkey dishwasher 42')).toBe(false);
  });
});
