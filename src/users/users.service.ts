import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { isCommonPassword } from './common-passwords';
import { RegisterDto } from './dto/register.dto';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
  ) {}

  async register(input: RegisterDto): Promise<User> {
    if (isCommonPassword(input.password)) {
      throw new AppError('password_too_common', 'This password is too common; choose another one');
    }
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

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
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
      await this.users.update({ id: user.id }, { passwordHash: user.passwordHash, updatedAt: new Date() });
    }
    return user;
  }

  async recordLogin(userId: string): Promise<void> {
    await this.users.update({ id: userId }, { lastLoginAt: new Date() });
  }
}

function accountExists(): AppError {
  return new AppError('account_exists', 'An account with this username or email already exists');
}
