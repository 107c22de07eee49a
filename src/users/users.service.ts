import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { FixedStatement, hydrate, toColumnValues } from '../database/fixed-statement';
import { inTransaction } from '../database/transaction';
import { CacheInvalidation } from '../redis/cache-invalidation';
import { TtlCache } from '../common/ttl-cache';
import { isCommonPassword } from './common-passwords';
import { RegisterDto } from './dto/register.dto';
import { PasswordHasher } from './password-hasher';
import { Role, User } from './user.entity';

/** Key of the PostgreSQL advisory lock that makes "is this the last admin?" checks take turns. */
const LAST_ADMIN_LOCK = 0x61757468; // "auth"

/** How long another process's change to a user can go unseen here when no message says so (see CacheInvalidation). */
export const USER_CACHE_TTL_MS = 5_000;

@Injectable()
export class UsersService {
  private readonly cache = new TtlCache<string, User>(USER_CACHE_TTL_MS);
  /** The statements every password login runs (see FixedStatement). */
  private readonly statements: {
    byEmail: FixedStatement;
    byUsername: FixedStatement;
    byId: FixedStatement;
    setLastLogin: FixedStatement;
    setLastLoginIfUnchanged: FixedStatement;
  };

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly invalidation: CacheInvalidation,
  ) {
    const dataSource = users.manager.connection;
    this.statements = {
      byEmail: new FixedStatement(dataSource, 'SELECT * FROM "users" WHERE "email" = :login'),
      byUsername: new FixedStatement(dataSource, 'SELECT * FROM "users" WHERE "usernameNormalized" = :login'),
      byId: new FixedStatement(dataSource, 'SELECT * FROM "users" WHERE "id" = :id'),
      setLastLogin: new FixedStatement(dataSource, 'UPDATE "users" SET "lastLoginAt" = :lastLoginAt WHERE "id" = :id'),
      setLastLoginIfUnchanged: new FixedStatement(
        dataSource,
        'UPDATE "users" SET "lastLoginAt" = :lastLoginAt WHERE "id" = :id AND "passwordHash" = :passwordHash AND "disabled" = :disabled RETURNING "id"',
      ),
    };
    invalidation.listen('user', {
      evict: (ids) => ids.forEach((id) => this.cache.delete(id)),
      clear: () => this.cache.clear(),
    });
  }

  async register(input: RegisterDto): Promise<User> {
    assertNotCommon(input.password);
    const usernameNormalized = input.username.toLowerCase();
    const email = input.email.trim().toLowerCase();
    if (await this.users.exists({ where: [{ usernameNormalized }, { email }] })) {
      throw accountExists();
    }
    const now = new Date();
    const user = this.users.create({
      id: randomUUID(),
      username: input.username,
      usernameNormalized,
      email,
      passwordHash: await this.hasher.hash(input.password),
      roles: ['user'],
      disabled: false,
      emailVerified: false,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: null,
    });
    try {
      // insert, not save: save opens a TypeORM transaction of its own, which on SQLite's one
      // connection would collide with inTransaction's (src/database/transaction.ts).
      await this.users.insert(user);
      return user;
    } catch (error) {
      // Two registrations racing for one name: the unique index decides.
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) throw accountExists();
      throw error;
    }
  }

  /** The cached user with this id, if any: lets the per-request path skip a promise. */
  cachedById(id: string): User | undefined {
    return this.cache.get(id);
  }

  /** The user by id, from the in-process cache when it is there (every authenticated request asks). */
  async findById(id: string): Promise<User | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const generation = this.cache.generation;
    const user = await this.users.findOneBy({ id });
    if (user) this.cache.set(id, user, undefined, generation);
    return user;
  }

  /** Sets a new password after checking the current one (401 invalid_credentials when wrong). */
  async changePassword(user: User, currentPassword: string, newPassword: string): Promise<void> {
    const fresh = await this.users.findOneByOrFail({ id: user.id });
    if (!(await this.hasher.verify(fresh.passwordHash, currentPassword))) {
      throw new AppError('invalid_credentials', 'The current password is wrong');
    }
    await this.update(user.id, { passwordHash: await this.hashNewPassword(newPassword) });
  }

  /** The hash to store for a password a user chose (400 password_too_common for a common one). */
  hashNewPassword(password: string): Promise<string> {
    assertNotCommon(password);
    return this.hasher.hash(password);
  }

  /**
   * Every write to a user goes through here, so the cache never serves a stale role or flag.
   * With `manager`, the write is part of that transaction.
   */
  async update(id: string, changes: Partial<Omit<User, 'id'>>, manager?: EntityManager): Promise<void> {
    const repository = manager ? manager.getRepository(User) : this.users;
    await repository.update({ id }, { ...changes, updatedAt: new Date() });
    // Inside a transaction, only here: the caller announces once it has committed (evictCached),
    // and nothing may wait on the network while the transaction is open.
    if (manager) this.cache.delete(id);
    else await this.evictCached(id);
  }

  /**
   * Changes roles and/or the disabled flag, unless that would leave no enabled admin (409
   * last_admin). The row is read afresh, counted and written in one transaction (see
   * inTransaction; on PostgreSQL such changes also take turns under an advisory lock), so neither
   * a cached copy nor two admins demoting each other at once can leave no admin. Returns the row
   * as it was and the values written; throws not_found for an unknown id.
   */
  async updateKeepingAnAdmin(id: string, changes: { roles?: Role[]; disabled?: boolean }): Promise<{ before: User; roles: Role[]; disabled: boolean }> {
    const outcome = await inTransaction(this.users.manager.connection, async (manager) => {
      if (manager.connection.options.type === 'postgres') await manager.query('SELECT pg_advisory_xact_lock($1)', [LAST_ADMIN_LOCK]);
      const before = await manager.findOneBy(User, { id });
      if (!before) return 'not_found' as const;
      const roles = changes.roles ?? before.roles;
      const disabled = changes.disabled ?? before.disabled;
      const demotes = before.roles.includes('admin') && !before.disabled && !(roles.includes('admin') && !disabled);
      if (demotes && (await this.countActiveAdmins(manager)) <= 1) return 'last_admin' as const;
      await this.update(id, { roles, disabled }, manager);
      return { before, roles, disabled };
    });
    if (outcome === 'not_found') throw new AppError('not_found', 'No such user');
    if (outcome === 'last_admin') throw new AppError('last_admin', 'This is the last admin: make another admin first');
    await this.evictCached(id);
    return outcome;
  }

  /**
   * Drops the cached copy of a user here, and on every other instance (with REDIS_URL), so a
   * role or a disabled flag changes on the user's next request wherever it lands. Called by
   * every write, and again after a write made in a transaction has committed.
   */
  evictCached(id: string): Promise<void> {
    this.cache.delete(id);
    return this.invalidation.announce('user', [id]);
  }

  /** The user with this email address (compared lower-cased, as stored). */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: email.trim().toLowerCase() });
  }

  /** The user whose username or email (case-insensitively) is `login`. */
  async findByLogin(login: string): Promise<User | null> {
    const normalized = login.trim().toLowerCase();
    const statement = normalized.includes('@') ? this.statements.byEmail : this.statements.byUsername;
    const [row] = await statement.run({ login: normalized });
    return row ? hydrate(this.users, row) : null;
  }

  /**
   * True when `user` exists, is enabled and `password` is theirs. Unknown users and disabled
   * accounts cost one hash verification too, so the answer's timing tells nothing. An outdated
   * hash is upgraded on success.
   */
  async checkPassword(user: User | null, password: string): Promise<boolean> {
    if (!user) {
      await this.hasher.verifyDummy(password);
      return false;
    }
    const valid = await this.hasher.verify(user.passwordHash, password);
    if (!valid || user.disabled) return false;
    if (this.hasher.needsRehash(user.passwordHash)) {
      user.passwordHash = await this.hasher.hash(password);
      await this.update(user.id, { passwordHash: user.passwordHash });
    }
    return true;
  }

  /**
   * The last step of a password login, once its session row exists: whether `password`, found
   * right for `user` a moment ago, still signs the account in, read afresh from the database (not
   * the cache), and if so the sign-in is recorded (lastLoginAt). 'yes', or why not.
   *
   * Usually one statement: the UPDATE matches only while the row still has the hash that was
   * checked and the account is enabled. When it does not match, the row is read: a stored hash
   * that differs is a new password, or the same one re-hashed by another login at the same time
   * (outdated parameters), and only then is the password verified again.
   */
  async confirmSignIn(user: User, password: string): Promise<'yes' | 'password_changed' | 'user_disabled'> {
    const now = new Date();
    const lastLoginAt = toColumnValues(this.users, { lastLoginAt: now }).lastLoginAt;
    const unchanged = await this.statements.setLastLoginIfUnchanged.returning({
      ...toColumnValues(this.users, { passwordHash: user.passwordHash, disabled: false }),
      lastLoginAt,
      id: user.id,
    });
    if (unchanged.length === 0) {
      const [row] = await this.statements.byId.run({ id: user.id });
      const fresh = row ? hydrate(this.users, row) : null;
      if (!fresh || fresh.disabled) return 'user_disabled';
      if (fresh.passwordHash !== user.passwordHash && !(await this.hasher.verify(fresh.passwordHash, password))) return 'password_changed';
      await this.statements.setLastLogin.run({ lastLoginAt, id: user.id });
    }
    // A cached copy is brought up to date rather than dropped: lastLoginAt is not part of its kept
    // public view (user.response.ts), and the user's next request (often right after signing in)
    // then needs no query.
    const cached = this.cache.get(user.id);
    if (cached) cached.lastLoginAt = now;
    return 'yes';
  }

  /** A page of users, newest first, optionally those whose username or email contains `q`. */
  async search(query: { q?: string; page: number; limit: number }): Promise<{ items: User[]; total: number }> {
    const builder = this.users.createQueryBuilder('u');
    if (query.q) {
      const pattern = `%${query.q.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      builder.where("(u.usernameNormalized LIKE :pattern ESCAPE '\\' OR u.email LIKE :pattern ESCAPE '\\')", { pattern });
    }
    const [items, total] = await builder
      .orderBy('u.createdAt', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .skip((query.page - 1) * query.limit)
      .take(query.limit)
      .getManyAndCount();
    return { items, total };
  }

  /** Enabled accounts with the admin role. */
  countActiveAdmins(manager?: EntityManager): Promise<number> {
    return (manager ? manager.getRepository(User) : this.users)
      .createQueryBuilder('u')
      .where('u.disabled = :disabled', { disabled: false })
      .andWhere("(',' || u.roles || ',') LIKE :admin", { admin: '%,admin,%' })
      .getCount();
  }

  /**
   * Creates an account with the given roles (the CLI's create-admin), under the rules of
   * registration. Its email counts as verified: the operator who runs the command vouches for it
   * (and with REQUIRE_EMAIL_VERIFICATION the first admin could not sign in otherwise).
   */
  async create(input: RegisterDto, roles: Role[]): Promise<User> {
    const user = await this.register(input);
    await this.update(user.id, { roles, emailVerified: true });
    return { ...user, roles, emailVerified: true };
  }
}

function assertNotCommon(password: string): void {
  if (isCommonPassword(password)) {
    throw new AppError('password_too_common', 'This password is too common; choose another one');
  }
}

function accountExists(): AppError {
  return new AppError('account_exists', 'An account with this username or email already exists');
}
