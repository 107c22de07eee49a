import { AccessTokenClaims } from './token.service';
import { VerifiedTokenCache } from './verified-token-cache';

const claims = (exp: number) => ({ sub: 'u', sid: 's', exp }) as AccessTokenClaims;

describe('VerifiedTokenCache', () => {
  it('recalls a token until the second of its exp, and not after', () => {
    const cache = new VerifiedTokenCache();
    cache.remember('token-a', claims(1_000));
    expect(cache.recall('token-a', 999_999)).toEqual(claims(1_000));
    expect(cache.recall('token-a', 1_000_000)).toBeUndefined();
    expect(cache.recall('token-a', 10)).toBeUndefined(); // gone once seen expired
  });

  it('matches the exact token text only', () => {
    const cache = new VerifiedTokenCache();
    cache.remember('token-a', claims(2e9));
    expect(cache.recall('token-A', 0)).toBeUndefined();
    expect(cache.recall('token-a ', 0)).toBeUndefined();
  });

  it('does not take a token for another that ends the same (a copied signature under another payload)', () => {
    const cache = new VerifiedTokenCache();
    const signature = 'S'.repeat(342);
    const genuine = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.${signature}`;
    const forged = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.${signature}`;
    cache.remember(genuine, claims(2e9));
    expect(cache.recall(forged, 0)).toBeUndefined();
    expect(cache.recall(genuine, 0)).toEqual(claims(2e9));
  });

  it('never keeps a token without exp', () => {
    const cache = new VerifiedTokenCache();
    cache.remember('token-a', { sub: 'u' } as AccessTokenClaims);
    expect(cache.recall('token-a', 0)).toBeUndefined();
  });

  it('forgets the oldest token when full', () => {
    const cache = new VerifiedTokenCache(2);
    cache.remember('a', claims(2e9));
    cache.remember('b', claims(2e9));
    cache.remember('c', claims(2e9));
    expect([cache.recall('a', 0), cache.recall('b', 0), cache.recall('c', 0)].map(Boolean)).toEqual([false, true, true]);
  });
});
