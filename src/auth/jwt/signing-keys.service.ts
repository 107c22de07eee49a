import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, JsonWebKey, KeyObject, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { APP_CONFIG, AppConfig, JwtAlgorithm } from '../../config/app-config';
import { SigningKey } from './signing-key.entity';

/** Keys are re-read from the database this often, so a rotation by another process (the CLI, another instance) is seen. */
export const KEY_RELOAD_INTERVAL_MS = 2_000;

/** A signing key ready for use: KeyObjects, parsed once (jsonwebtoken would re-parse a PEM on every call). */
export interface LoadedKey {
  kid: string;
  algorithm: JwtAlgorithm;
  /** Verifies: the public key, or the HMAC secret under HS256. */
  verifyKey: KeyObject;
  /** Signs: the private key, or the HMAC secret under HS256. */
  signKey: KeyObject;
  publicJwk: JsonWebKey | null;
  retiredAt: Date | null;
}

/**
 * The keys that sign and verify access tokens, kept in the database (shared by every instance)
 * and cached here. Only keys of the configured algorithm are used. A retired key still verifies,
 * and is still published, for one access-token lifetime after its retirement.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeysService.name);
  private keys = new Map<string, LoadedKey>();
  private lastReload = 0;

  constructor(
    @InjectRepository(SigningKey) private readonly repository: Repository<SigningKey>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    if (this.activeKey() || this.config.env === 'production') return;
    this.logger.warn(`No ${this.config.jwt.algorithm} signing key yet: generated one (development only)`);
    await this.rotate();
  }

  /**
   * The server refuses to start without a key (production never generates one by itself). Not
   * checked at module init, so that the CLI, which makes the first key, can start without one.
   */
  assertReadyToSign(): void {
    if (this.activeKey()) return;
    throw new Error(
      `No ${this.config.jwt.algorithm} signing key in the database: create one with "npm run cli -- rotate-keys" before starting in production`,
    );
  }

  /** The key new tokens are signed with (re-read when another process may have rotated). */
  async signingKey(): Promise<LoadedKey> {
    await this.reloadIfStale();
    const key = this.activeKey();
    if (!key) throw new Error('No active signing key');
    return key;
  }

  /** The key that verifies a token with this `kid`, if it may still verify. Unknown kids cause one reload (another instance may have rotated). */
  async verificationKey(kid: string): Promise<LoadedKey | undefined> {
    let key = this.keys.get(kid);
    if (!key && Date.now() - this.lastReload > 1000) {
      await this.reload();
      key = this.keys.get(kid);
    }
    if (key) void this.reloadIfStale().catch(() => undefined); // learn of retirements elsewhere, off the request path
    return key && this.stillVerifies(key) ? key : undefined;
  }

  /** Public keys for the JWKS endpoint: the active one and those retired less than one access-token lifetime ago. */
  async publicJwks(): Promise<Array<JsonWebKey & { kid: string; alg: string; use: string }>> {
    await this.reloadIfStale();
    return [...this.keys.values()]
      .filter((key) => key.publicJwk && this.stillVerifies(key))
      .map((key) => ({ ...key.publicJwk!, kid: key.kid, alg: key.algorithm, use: 'sig' }));
  }

  /** Adds a new key of the configured algorithm and retires the previous ones. Returns the new kid. */
  async rotate(): Promise<string> {
    const algorithm = this.config.jwt.algorithm;
    const now = new Date();
    const kid = `${algorithm.toLowerCase()}-${now.toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`;
    const material = generateKeyMaterial(algorithm);
    await inTransaction(this.repository.manager.connection, async (manager) => {
      await manager.update(SigningKey, { retiredAt: IsNull() }, { retiredAt: now });
      await manager.insert(SigningKey, { kid, algorithm, ...material, createdAt: now, retiredAt: null });
    });
    await this.reload();
    return kid;
  }

  private activeKey(): LoadedKey | undefined {
    return [...this.keys.values()].find((key) => key.retiredAt === null);
  }

  private stillVerifies(key: LoadedKey): boolean {
    return key.retiredAt === null || Date.now() - key.retiredAt.getTime() < this.config.jwt.accessTokenTtl * 1000;
  }

  private async reloadIfStale(): Promise<void> {
    if (Date.now() - this.lastReload >= KEY_RELOAD_INTERVAL_MS) await this.reload();
  }

  private async reload(): Promise<void> {
    const rows = await this.repository.findBy({ algorithm: this.config.jwt.algorithm });
    this.keys = new Map(rows.map((row) => [row.kid, loadKey(row)]));
    this.lastReload = Date.now();
  }
}

function generateKeyMaterial(algorithm: JwtAlgorithm): Pick<SigningKey, 'publicKey' | 'privateKey'> {
  if (algorithm === 'HS256') return { publicKey: null, privateKey: randomBytes(32).toString('base64url') };
  const pair =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function loadKey(row: SigningKey): LoadedKey {
  const algorithm = row.algorithm as JwtAlgorithm;
  if (algorithm === 'HS256') {
    const secret = createSecretKey(Buffer.from(row.privateKey, 'base64url'));
    return { kid: row.kid, algorithm, verifyKey: secret, signKey: secret, publicJwk: null, retiredAt: row.retiredAt };
  }
  const publicKey = createPublicKey(row.publicKey!);
  return {
    kid: row.kid,
    algorithm,
    verifyKey: publicKey,
    signKey: createPrivateKey(row.privateKey),
    publicJwk: publicKey.export({ format: 'jwk' }),
    retiredAt: row.retiredAt,
  };
}
