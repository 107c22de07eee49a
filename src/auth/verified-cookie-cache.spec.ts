import { VerifiedCookieCache } from './verified-cookie-cache';

const cookie = (sid: string) => ({ cookieName: 'sid', sid, secretHash: `hash of ${sid}` });

describe('VerifiedCookieCache', () => {
  it('recalls a header exactly as remembered, and nothing for a header that differs', () => {
    const cache = new VerifiedCookieCache();
    cache.remember('sid=s%3Aabc.sig; csrf=1', cookie('abc'));
    expect(cache.recall('sid=s%3Aabc.sig; csrf=1', 'sid')).toEqual(cookie('abc'));
    expect(cache.recall('sid=s%3Aabc.sig; csrf=2', 'sid')).toBeUndefined();
    expect(cache.recall('sid=s%3Aabc.sih; csrf=1', 'sid')).toBeUndefined();
  });

  it('answers only for the cookie name it was read under', () => {
    const cache = new VerifiedCookieCache();
    cache.remember('sid=s%3Aabc.sig', cookie('abc'));
    expect(cache.recall('sid=s%3Aabc.sig', 'other')).toBeUndefined();
  });

  it('keeps at most maxEntries headers, dropping the oldest first', () => {
    const cache = new VerifiedCookieCache(2);
    cache.remember('one', cookie('1'));
    cache.remember('two', cookie('2'));
    cache.remember('three', cookie('3'));
    expect(cache.size).toBe(2);
    expect(cache.recall('one', 'sid')).toBeUndefined();
    expect(cache.recall('three', 'sid')).toEqual(cookie('3'));
  });

  it('does not keep a header longer than maxHeaderLength', () => {
    const cache = new VerifiedCookieCache(10, 16);
    cache.remember('x'.repeat(17), cookie('long'));
    cache.remember('x'.repeat(16), cookie('short'));
    expect(cache.recall('x'.repeat(17), 'sid')).toBeUndefined();
    expect(cache.recall('x'.repeat(16), 'sid')).toEqual(cookie('short'));
  });
});
