import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/app-config';
import { isCommonPassword } from './common-passwords';
import { HashingProcessPool } from './hashing-process-pool';
import { PasswordHasher } from './password-hasher';

const config = { argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1, maxConcurrent: 2 } } as AppConfig;

/** The CPU priority (nice value) of every thread of a process, from /proc (Linux). */
function threadPriorities(pid: number | 'self'): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16];
  });
}

function isRunning(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie has ended
  } catch {
    return false;
  }
}

function poolOf(hasher: PasswordHasher): HashingProcessPool {
  return (hasher as unknown as { pool: HashingProcessPool }).pool;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(config);
  afterAll(() => hasher.onModuleDestroy());

  it('hashes with argon2id and the configured parameters, and verifies', async () => {
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(hasher.verify(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'Correct horse battery')).resolves.toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('asks for a re-hash when the parameters are outdated or the hash is not argon2id', () => {
    expect(hasher.needsRehash('$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('pbkdf2_sha256$...')).toBe(true);
  });

  it('hashes in maxConcurrent child processes whose every thread has the lowest CPU priority, never on the event loop', async () => {
    const pids = poolOf(hasher).pids;
    expect(pids).toHaveLength(config.argon2.maxConcurrent);
    expect(pids).not.toContain(process.pid);
    await Promise.all([hasher.hash('one password here'), hasher.hash('another password')]);
    for (const pid of pids) expect(new Set(threadPriorities(pid))).toEqual(new Set(['19']));
    expect(threadPriorities('self')[0]).toBe('0'); // the event loop keeps its priority
  });

  it('hands each process its next check while it hashes, so a busy event loop never leaves one idle', async () => {
    const hash = await hasher.hash('queued password');
    const checks = Array.from({ length: 2 * config.argon2.maxConcurrent }, () => hasher.verify(hash, 'queued password'));
    expect(poolOf(hasher).queueSize).toBe(0); // every check is already with a process: one running, one next
    const more = hasher.verify(hash, 'queued password');
    expect(poolOf(hasher).queueSize).toBe(1); // beyond that, checks wait here
    await expect(Promise.all([...checks, more])).resolves.toEqual([...checks, more].map(() => true));
  });

  it('answers 503, never "wrong password", when a hashing process dies under a check, and replaces it', async () => {
    const own = new PasswordHasher(config);
    try {
      const hash = await own.hash('a password to check');
      const [victim, survivor] = poolOf(own).pids;
      const checks = [own.verify(hash, 'a password to check'), own.verify(hash, 'a password to check')]; // one per process
      process.kill(victim, 'SIGKILL');
      const results = await Promise.allSettled(checks);
      expect(results.filter((result) => result.status === 'fulfilled')).toEqual([{ status: 'fulfilled', value: true }]);
      const failed = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(AppError);
      expect(failed.reason).toMatchObject({ code: 'service_unavailable', headers: { 'Retry-After': '1' } });

      await until(() => poolOf(own).pids.length === config.argon2.maxConcurrent);
      const pids = poolOf(own).pids;
      expect(pids).toHaveLength(config.argon2.maxConcurrent);
      expect(pids).toContain(survivor);
      expect(pids).not.toContain(victim);
      await expect(Promise.all(pids.map(() => own.verify(hash, 'a password to check')))).resolves.toEqual([true, true]);
    } finally {
      await own.onModuleDestroy();
    }
  });

  it('keeps hashing when a signal meant for the whole process group (Ctrl-C, systemd) reaches its processes', async () => {
    const hash = await hasher.hash('signal password');
    const pids = poolOf(hasher).pids;
    const check = hasher.verify(hash, 'signal password');
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    for (const pid of pids) process.kill(pid, 'SIGINT');
    await expect(check).resolves.toBe(true);
    expect(poolOf(hasher).pids).toEqual(pids);
  });

  it('ends its processes on shutdown; a check after that answers 503', async () => {
    const own = new PasswordHasher(config);
    const pids = poolOf(own).pids;
    expect(pids.every(isRunning)).toBe(true);
    await own.onModuleDestroy();
    expect(pids.filter(isRunning)).toEqual([]);
    await expect(own.verify('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA', 'x')).rejects.toMatchObject({ code: 'service_unavailable' });
  });

  it('lets a script that hashed and never shut the hasher down exit (an idle pool keeps nothing alive)', () => {
    const script = `
      const { PasswordHasher } = require('./src/users/password-hasher');
      const hasher = new PasswordHasher(${JSON.stringify(config)});
      hasher.hash('exit password').then((hash) => console.log(hash.slice(0, 9)));`;
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.signal).toBeNull(); // not killed by the timeout
    expect(result.stdout.trim()).toBe('$argon2id');
    expect(result.status).toBe(0);
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
