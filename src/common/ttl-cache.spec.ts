import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('expires entries after the TTL', () => {
    const cache = new TtlCache<string, number>(1000);
    cache.set('a', 1, 0);
    expect(cache.get('a', 999)).toBe(1);
    expect(cache.get('a', 1000)).toBeUndefined();
  });

  it('does not keep a value loaded before a deletion (a change announced while the load was in flight)', () => {
    const cache = new TtlCache<string, number>(1000);
    const generation = cache.generation; // a request starts loading 'a'
    cache.delete('a'); // meanwhile 'a' changes and is evicted
    cache.set('a', 1, 0, generation); // the load, older than the change, comes back
    expect(cache.get('a', 1)).toBeUndefined();
    const fresh = cache.generation;
    cache.set('a', 2, 0, fresh);
    expect(cache.get('a', 1)).toBe(2);
  });
});
