import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { AppConfig, JWT_ALGORITHMS } from './app-config';
import { developmentSecret } from './dev-secrets';
import { parseDurationSeconds } from './duration';

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const PLACEHOLDER_SECRETS = /^(secret|changeme|change-me|changethis|password|example|test|dev|default|keyboard cat|your[-_ ]?secret.*)$/i;
const MIN_SECRET_LENGTH = 32;

/**
 * Reads and validates the environment into an AppConfig. Every variable is listed here with its
 * default; README.md's configuration table mirrors this function.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const errors: string[] = [];
  const read = new EnvReader(env, errors);

  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'test', 'production'], 'development');
  const production = nodeEnv === 'production';
  const dataDir = resolve(read.string('DATA_DIR', './data'));

  if (env.EMAIL_LINK_INTERVAL) {
    // Replaced on 2026-11-30; ignoring it would silently change what an operator set.
    errors.push('EMAIL_LINK_INTERVAL is no longer read: set EMAIL_LINK_LIMIT (emails of each kind per account, default 3, 0 for no limit) and EMAIL_LINK_WINDOW (default 15m) instead');
  }
  const port = read.integer('PORT', 3000, 0, 65535);
  const appUrl = read.string('APP_URL', '');
  const config: AppConfig = {
    env: nodeEnv,
    port,
    host: read.string('HOST', '0.0.0.0'),
    dataDir,
    database: parseDatabaseUrl(read.string('DATABASE_URL', ''), dataDir, errors),
    sessionSecret: '',
    cookieSecure: read.boolean('COOKIE_SECURE', production),
    trustProxy: parseTrustProxy(read.string('TRUST_PROXY', 'false')),
    session: {
      ttl: read.duration('SESSION_TTL', '1h'),
      rememberMeTtl: read.duration('REMEMBER_ME_TTL', '14d'),
      absoluteTtl: read.duration('SESSION_ABSOLUTE_TTL', '30d'),
      touchInterval: read.duration('SESSION_TOUCH_INTERVAL', '60s'),
      sweepInterval: read.duration('SESSION_SWEEP_INTERVAL', '10m'),
    },
    jwt: {
      algorithm: read.oneOf('JWT_ALGORITHM', JWT_ALGORITHMS, 'RS256'),
      issuer: read.string('JWT_ISSUER', 'authkit'),
      audience: read.string('JWT_AUDIENCE', 'authkit'),
      accessTokenTtl: read.duration('ACCESS_TOKEN_TTL', '15m'),
      refreshTokenTtl: read.duration('REFRESH_TOKEN_TTL', '30d'),
    },
    loginLimits: {
      maxFailures: read.integer('LOGIN_MAX_FAILURES', 5, 1, 1_000_000),
      ipMaxFailures: read.integer('LOGIN_IP_MAX_FAILURES', 100, 1, 1_000_000),
      window: read.duration('LOGIN_FAILURE_WINDOW', '15m'),
    },
    emailLinks: {
      appUrl: parseAppUrl(appUrl, port, errors),
      appUrlSet: appUrl !== '',
      passwordResetTtl: read.duration('PASSWORD_RESET_TTL', '1h'),
      emailVerificationTtl: read.duration('EMAIL_VERIFICATION_TTL', '48h'),
      limit: read.integer('EMAIL_LINK_LIMIT', 3, 0, 1_000_000),
      limitWindow: read.duration('EMAIL_LINK_WINDOW', '15m'),
      requireEmailVerification: read.boolean('REQUIRE_EMAIL_VERIFICATION', false),
    },
    redis: parseRedis(read.string('REDIS_URL', ''), read.string('REDIS_PREFIX', 'authkit:'), errors),
    mail: {
      smtpUrl: parseSmtpUrl(read.string('SMTP_URL', ''), errors),
      from: read.string('MAIL_FROM', 'authkit <no-reply@localhost>'),
    },
    argon2: {
      // 20 MiB: OWASP's minimum is 19 MiB; a whole number of 2 MiB pages hashes faster (README, Passwords).
      memoryCost: read.integer('ARGON2_MEMORY_KIB', 20480, 1024, 4 * 1024 * 1024),
      timeCost: read.integer('ARGON2_TIME_COST', 2, 1, 100),
      parallelism: read.integer('ARGON2_PARALLELISM', 1, 1, 16),
      maxConcurrent: read.integer('ARGON2_MAX_CONCURRENT', availableParallelism(), 1, 256),
    },
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], production ? 'log' : 'log'),
  };
  config.sessionSecret = read.secret('SESSION_SECRET', production, dataDir);

  if (errors.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${errors.join('\n  - ')}`);
  }
  return config;
}

/**
 * Settings that are valid but probably not what the operator meant; logged at start-up.
 * Secure cookies mean HTTPS (browsers drop them when they come over plain HTTP), which Node itself
 * does not serve here: a TLS proxy is in front, and without TRUST_PROXY every client's address
 * is the proxy's.
 */
export function configWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  if (config.cookieSecure && config.trustProxy === false) {
    warnings.push(
      'COOKIE_SECURE is on but TRUST_PROXY is off: serve over HTTPS (browsers drop Secure cookies sent over plain HTTP, except from localhost), and behind an HTTPS proxy set TRUST_PROXY (e.g. "loopback"), or every client\'s IP (sessions, audit events, the per-IP login limit) is the proxy\'s',
    );
  }
  if (config.env === 'production' && config.mail.smtpUrl === null) {
    warnings.push('SMTP_URL is not set: password-reset and email-verification emails are not sent (and, in production, not logged either)');
  }
  if (config.mail.smtpUrl !== null && !config.emailLinks.appUrlSet) {
    warnings.push(`APP_URL is not set: links in emails point at ${config.emailLinks.appUrl}; set it to the address users reach this service at`);
  }
  return warnings;
}

/** The base of the links in emails: an http(s) URL without a trailing slash. */
function parseAppUrl(value: string, port: number, errors: string[]): string {
  if (value === '') return `http://localhost:${port}`;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
    errors.push(`APP_URL must be an http:// or https:// address such as https://auth.example.com (got "${value}")`);
    return `http://localhost:${port}`;
  }
  return value.replace(/\/+$/, '');
}

/** REDIS_URL may carry a password: an error names the variable, never repeats its value. */
function parseRedis(url: string, keyPrefix: string, errors: string[]): AppConfig['redis'] {
  if (url === '') return null;
  if (!/^rediss?:\/\/[^/]/.test(url)) {
    errors.push('REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379');
    return null;
  }
  return { url, keyPrefix };
}

/** SMTP_URL may carry a password: an error names the variable, never repeats its value. */
function parseSmtpUrl(value: string, errors: string[]): string | null {
  if (value === '') return null;
  if (!/^smtps?:\/\/[^/]/.test(value)) {
    errors.push('SMTP_URL must be an smtp:// or smtps:// URL such as smtps://user:password@mail.example.com:465');
    return null;
  }
  return value;
}

function parseDatabaseUrl(url: string, dataDir: string, errors: string[]): AppConfig['database'] {
  if (url === '') return { type: 'sqlite', path: resolve(dataDir, 'authkit.sqlite') };
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url };
  const sqlite = /^sqlite:(.+)$/.exec(url);
  if (sqlite) {
    const path = sqlite[1].replace(/^\/\/(?=\/)/, '');
    return { type: 'sqlite', path: isAbsolute(path) ? path : resolve(path) };
  }
  errors.push('DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got an unsupported scheme)');
  return { type: 'sqlite', path: '' };
}

function parseTrustProxy(value: string): AppConfig['trustProxy'] {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value; // addresses, CIDRs or names such as "loopback", as Express accepts them
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly errors: string[],
  ) {}

  string(name: string, fallback: string): string {
    const value = this.env[name];
    return value === undefined || value === '' ? fallback : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.errors.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.errors.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  duration(name: string, fallback: string, options: { zeroAllowed?: boolean } = {}): number {
    const raw = this.string(name, fallback);
    if (options.zeroAllowed && /^0+\s*[smhd]?$/.test(raw.trim())) return 0;
    const seconds = parseDurationSeconds(raw);
    if (seconds === undefined) {
      this.errors.push(`${name} must be a duration such as 90s, 15m, 1h or 14d (got "${raw}")`);
      return parseDurationSeconds(fallback)!;
    }
    return seconds;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name, fallback);
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.errors.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  /** A secret: required and checked in production, generated into the data folder otherwise. */
  secret(name: string, production: boolean, dataDir: string): string {
    const value = this.env[name];
    if (value !== undefined && value !== '') {
      if (production && (PLACEHOLDER_SECRETS.test(value) || value.length < MIN_SECRET_LENGTH)) {
        this.errors.push(`${name} looks like a placeholder or is shorter than ${MIN_SECRET_LENGTH} characters`);
      }
      return value;
    }
    if (production) {
      this.errors.push(`${name} is required when NODE_ENV=production (generate one with: openssl rand -base64 48)`);
      return '';
    }
    return developmentSecret(dataDir, name);
  }
}
