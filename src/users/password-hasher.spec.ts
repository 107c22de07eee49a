import { AppConfig } from '../config/app-config';
import { isCommonPassword } from './common-passwords';
import { PasswordHasher } from './password-hasher';

const config = { argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1, maxConcurrent: 1 } } as AppConfig;

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(config);

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
