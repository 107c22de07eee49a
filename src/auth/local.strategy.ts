import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { AppError } from '../common/app-error';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';

/** passport-local: username (or email) and password from the request body. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly users: UsersService) {
    super({ usernameField: 'username', passwordField: 'password' });
  }

  async validate(username: string, password: string): Promise<User> {
    const user = await this.users.verifyCredentials(username, password);
    if (!user) throw invalidCredentials();
    return user;
  }
}

export function invalidCredentials(): AppError {
  return new AppError('invalid_credentials', 'Invalid username or password');
}
