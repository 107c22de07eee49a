/** The validated configuration of one running instance. Built once at start-up by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** Folder for the SQLite file and the generated development secrets. */
  dataDir: string;
  database: { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };
  /** Secret that signs the `sid` cookie and derives the CSRF secret. */
  sessionSecret: string;
  cookieSecure: boolean;
  /** Express `trust proxy` value; false means the socket address is the client IP. */
  trustProxy: boolean | number | string;
  session: {
    /** Idle lifetime of a session without "remember me", seconds. */
    ttl: number;
    /** Idle lifetime (and cookie Max-Age) of a "remember me" session, seconds. */
    rememberMeTtl: number;
    /** No session outlives this, however active, seconds. */
    absoluteTtl: number;
    /** Sliding expiry is written at most this often per session, seconds. */
    touchInterval: number;
    /** How often expired sessions are deleted, seconds. */
    sweepInterval: number;
  };
  jwt: {
    algorithm: JwtAlgorithm;
    issuer: string;
    audience: string;
    /** Access-token lifetime, seconds. */
    accessTokenTtl: number;
    /** Refresh-token (and so JWT session idle) lifetime, seconds. */
    refreshTokenTtl: number;
  };
  /** Brute-force limits on password logins (POST /auth/login and POST /auth/token). */
  loginLimits: {
    /** Failures per account within the window before that account's logins answer 429. */
    maxFailures: number;
    /** Failures per client IP within the window before that IP's logins answer 429. */
    ipMaxFailures: number;
    /** The window, seconds. */
    window: number;
  };
  /** Links sent by email: password reset and email verification. */
  emailLinks: {
    /** The public address of this service, at the start of every link (no trailing slash). */
    appUrl: string;
    /** True when APP_URL was set (not the localhost default). */
    appUrlSet: boolean;
    /** Lifetime of a password-reset link, seconds. */
    passwordResetTtl: number;
    /** Lifetime of an email-verification link, seconds. */
    emailVerificationTtl: number;
    /** At most this many links of one purpose per account within `limitWindow` seconds (0: no limit). */
    limit: number;
    limitWindow: number;
    /** Logins of accounts whose email is not verified answer 403 email_not_verified. */
    requireEmailVerification: boolean;
  };
  /** Shared brute-force counters and cache invalidation across instances; null on one instance. */
  redis: { url: string; keyPrefix: string } | null;
  mail: {
    /** smtp:// or smtps:// URL of the mail server; null writes emails to the log (outside production). */
    smtpUrl: string | null;
    /** The From header of every email. */
    from: string;
  };
  argon2: { memoryCost: number; timeCost: number; parallelism: number; maxConcurrent: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';
}

export const JWT_ALGORITHMS = ['RS256', 'ES256', 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const APP_CONFIG = Symbol('APP_CONFIG');
