import { safeNext } from './safe-next';

describe('safeNext', () => {
  it.each(['/account', '/account?tab=sessions', '/a/b#c'])('keeps the local path %s', (next) => {
    expect(safeNext(next)).toBe(next);
  });

  it.each([
    'https://evil.example/',
    'http:evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/%0d%0aSet-Cookie:x=y'.replace('%0d%0a', '\r\n'),
    'javascript:alert(1)',
    ' /account',
    '',
    undefined,
    ['/account'],
  ])('falls back to /account for %p', (next) => {
    expect(safeNext(next)).toBe('/account');
  });
});
