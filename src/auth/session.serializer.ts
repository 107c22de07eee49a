import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';

/**
 * The cookie session stores only the user's id; the user is loaded on each request, so a
 * disabled account or a changed role applies at once. A missing or disabled user ends the
 * session (passport drops it, and the store deletes the row).
 */
@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(private readonly users: UsersService) {
    super();
  }

  serializeUser(user: User, done: (err: unknown, id?: string) => void): void {
    done(null, user.id);
  }

  deserializeUser(id: string, done: (err: unknown, user?: User | false) => void): void {
    this.users.findById(id).then((user) => done(null, user && !user.disabled ? user : false), done);
  }
}
