import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { TtlCache } from '../common/ttl-cache';
import { isCommonPassword } from './common-passwords';
import { RegisterDto } from './dto/register.dto';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

/** How long another process's change to a user (a role, a disabled flag) can go unseen here. */
export const USER_CACHE_TTL_MS = 5_000;

@Injectable()
export class UsersService {
  private readonly cache = new TtlCache<string, User>(USER_CACHE_TTL_MS);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
  ) {}

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
      return await this.users.save(user);
    } catch (error) {
      // Two registrations racing for one name: the unique index decides.
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) throw accountExists();
      throw error;
    }
  }

  /** The user by id, from the in-process cache when it is there (every authenticated request asks). */
  async findById(id: string): Promise<User | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const user = await this.users.findOneBy({ id });
    if (user) this.cache.set(id, user);
    return user;
  }

  /** Sets a new password after checking the current one (401 invalid_credentials when wrong). */
  async changePassword(user: User, currentPassword: string, newPassword: string): Promise<void> {
    const fresh = await this.users.findOneByOrFail({ id: user.id });
    if (!(await this.hasher.verify(fresh.passwordHash, currentPassword))) {
      throw new AppError('invalid_credentials', 'The current password is wrong');
    }
    assertNotCommon(newPassword);
    await this.update(user.id, { passwordHash: await this.hasher.hash(newPassword) });
  }

  /** Every write to a user goes through here, so the cache never serves a stale role or flag. */
  async update(id: string, changes: Partial<Omit<User, 'id'>>): Promise<void> {
    await this.users.update({ id }, { ...changes, updatedAt: new Date() });
    this.cache.delete(id);
  }

  /**
   * The user whose username or email matches `login` and whose password is right, or null.
   * Unknown users and disabled accounts cost one hash verification too, so the answer's
   * timing tells nothing. An outdated hash is upgraded on success.
   */
  async verifyCredentials(login: string, password: string): Promise<User | null> {
    const normalized = login.trim().toLowerCase();
    const user = await this.users.findOne({
      where: normalized.includes('@') ? { email: normalized } : { usernameNormalized: normalized },
    });
    if (!user) {
      await this.hasher.verifyDummy(password);
      return null;
    }
    const valid = await this.hasher.verify(user.passwordHash, password);
    if (!valid || user.disabled) return null;
    if (this.hasher.needsRehash(user.passwordHash)) {
      user.passwordHash = await this.hasher.hash(password);
      await this.update(user.id, { passwordHash: user.passwordHash });
    }
    return user;
  }

  async recordLogin(userId: string): Promise<void> {
    await this.users.update({ id: userId }, { lastLoginAt: new Date() });
    this.cache.delete(userId);
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
