import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configWarnings, loadConfig } from './load-config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'authkit-config-'));
const strongSecret = 'k3v9Qm2x8LrT5wYz1NcB7hJd4Fg6Sp0aUe';

describe('loadConfig', () => {
  it('has working defaults: SQLite in ./data, 1 h sessions, 14 d remember me, 30 d absolute', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config.database).toEqual({ type: 'sqlite', path: join(config.dataDir, 'authkit.sqlite') });
    expect(config.session).toMatchObject({ ttl: 3600, rememberMeTtl: 14 * 86400, absoluteTtl: 30 * 86400, touchInterval: 60 });
    expect(config.cookieSecure).toBe(false);
    expect(config.port).toBe(3000);
  });

  it('generates a development session secret into the data folder once, and reads it back', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.sessionSecret).toHaveLength(43);
    expect(second.sessionSecret).toBe(first.sessionSecret);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).toEqual({ SESSION_SECRET: first.sessionSecret });
  });

  it('refuses to start in production without SESSION_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir() })).toThrow(/SESSION_SECRET is required/);
  });

  it.each(['changeme', 'secret', 'keyboard cat', 'short-but-random-9f8e'])('refuses the placeholder or weak secret "%s" in production', (value) => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: value, DATA_DIR: dataDir() })).toThrow(
      /SESSION_SECRET looks like a placeholder/,
    );
  });

  it('accepts a strong secret in production, where cookies default to Secure', () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: strongSecret, DATA_DIR: dataDir() });
    expect(config.cookieSecure).toBe(true);
    expect(config.sessionSecret).toBe(strongSecret);
  });

  it('warns when Secure cookies are on but no proxy is trusted to say the connection is HTTPS', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: strongSecret, DATA_DIR: dataDir(), SMTP_URL: 'smtp://mail', APP_URL: 'https://a.example' };
    expect(configWarnings(loadConfig(production))).toEqual([expect.stringContaining('TRUST_PROXY')]);
    expect(configWarnings(loadConfig({ ...production, TRUST_PROXY: 'loopback' }))).toEqual([]);
    expect(configWarnings(loadConfig({ ...production, COOKIE_SECURE: 'false' }))).toEqual([]);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dataDir(), SESSION_TTL: 'soon', PORT: 'eighty', COOKIE_SECURE: 'maybe', DATABASE_URL: 'mysql://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['SESSION_TTL', 'PORT', 'COOKIE_SECURE', 'DATABASE_URL']) expect(message).toContain(name);
  });

  it('reads durations in s, m, h and d, and the database URL', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      SESSION_TTL: '15m',
      REMEMBER_ME_TTL: '7d',
      SESSION_ABSOLUTE_TTL: '720h',
      DATABASE_URL: 'postgres://localhost:5432/test',
      TRUST_PROXY: 'loopback',
    });
    expect(config.session).toMatchObject({ ttl: 900, rememberMeTtl: 7 * 86400, absoluteTtl: 720 * 3600 });
    expect(config.database).toEqual({ type: 'postgres', url: 'postgres://localhost:5432/test' });
    expect(config.trustProxy).toBe('loopback');
  });

  it('links in emails: APP_URL (default localhost:PORT), lifetimes, the interval, and REQUIRE_EMAIL_VERIFICATION', () => {
    const defaults = loadConfig({ DATA_DIR: dataDir(), PORT: '4000' });
    expect(defaults.emailLinks).toEqual({
      appUrl: 'http://localhost:4000',
      appUrlSet: false,
      passwordResetTtl: 3600,
      emailVerificationTtl: 48 * 3600,
      limit: 3,
      limitWindow: 900,
      requireEmailVerification: false,
    });
    expect(defaults.mail).toEqual({ smtpUrl: null, from: 'authkit <no-reply@localhost>' });
    const set = loadConfig({
      DATA_DIR: dataDir(),
      APP_URL: 'https://auth.example.com/',
      EMAIL_LINK_LIMIT: '0',
      EMAIL_LINK_WINDOW: '1h',
      PASSWORD_RESET_TTL: '30m',
      REQUIRE_EMAIL_VERIFICATION: 'true',
      SMTP_URL: 'smtps://user:pw@mail.example.com:465',
    });
    expect(set.emailLinks).toMatchObject({ appUrl: 'https://auth.example.com', limit: 0, limitWindow: 3600, passwordResetTtl: 1800, requireEmailVerification: true });
    expect(set.mail.smtpUrl).toBe('smtps://user:pw@mail.example.com:465');
  });

  it('refuses a bad APP_URL or SMTP_URL, never repeating the SMTP password', () => {
    let message = '';
    try {
      loadConfig({ DATA_DIR: dataDir(), APP_URL: 'auth.example.com', SMTP_URL: 'http://user:hunter2-secret@mail' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('APP_URL');
    expect(message).toContain('SMTP_URL');
    expect(message).not.toContain('hunter2-secret');
    expect(() => loadConfig({ DATA_DIR: dataDir(), PASSWORD_RESET_TTL: '0' })).toThrow(/PASSWORD_RESET_TTL/);
  });

  it('refuses the replaced EMAIL_LINK_INTERVAL rather than ignore it, naming its successors', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), EMAIL_LINK_INTERVAL: '0' })).toThrow(/EMAIL_LINK_INTERVAL.*EMAIL_LINK_LIMIT.*EMAIL_LINK_WINDOW/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), EMAIL_LINK_INTERVAL: '' })).not.toThrow();
  });

  it('warns in production without SMTP_URL (no reset emails), and with SMTP_URL but no APP_URL', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: strongSecret, DATA_DIR: dataDir(), TRUST_PROXY: 'loopback' };
    expect(configWarnings(loadConfig(production))).toEqual([expect.stringContaining('SMTP_URL is not set')]);
    expect(configWarnings(loadConfig({ ...production, SMTP_URL: 'smtp://mail' }))).toEqual([expect.stringContaining('APP_URL is not set')]);
    expect(configWarnings(loadConfig({ ...production, SMTP_URL: 'smtp://mail', APP_URL: 'https://a.example' }))).toEqual([]);
  });

  it('REDIS_URL: none by default; a redis:// URL with the key prefix; anything else refused without echoing a password', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).redis).toBeNull();
    expect(loadConfig({ DATA_DIR: dataDir(), REDIS_URL: 'redis://127.0.0.1:6379/2' }).redis).toEqual({ url: 'redis://127.0.0.1:6379/2', keyPrefix: 'authkit:' });
    expect(loadConfig({ DATA_DIR: dataDir(), REDIS_URL: 'rediss://r.example:6380', REDIS_PREFIX: 'app1:' }).redis?.keyPrefix).toBe('app1:');
    expect(() => loadConfig({ DATA_DIR: dataDir(), REDIS_URL: 'http://:pw-secret@r' })).toThrow(/REDIS_URL must be/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), REDIS_URL: 'http://:pw-secret@r' })).not.toThrow(/pw-secret/);
  });
});
