import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import passport from 'passport';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';

type PassportRegistry = { _serializers: unknown[]; _deserializers: unknown[] };

/**
 * The cookie session stores only the user's id; the user is loaded on each request, so a
 * disabled account or a changed role applies at once. A missing or disabled user ends the
 * session (passport drops it, and the store deletes the row).
 */
@Injectable()
export class SessionSerializer extends PassportSerializer implements OnModuleInit, OnModuleDestroy {
  private registered: unknown[] = [];

  constructor(private readonly users: UsersService) {
    super(); // registers serializeUser/deserializeUser below with passport
  }

  serializeUser(user: User, done: (err: unknown, id?: string) => void): void {
    done(null, user.id);
  }

  deserializeUser(id: string, done: (err: unknown, user?: User | false) => void): void {
    const cached = this.users.cachedById(id); // synchronous when cached: no promise on the hot path
    if (cached) return done(null, cached.disabled ? false : cached);
    this.users.findById(id).then((user) => done(null, user && !user.disabled ? user : false), done);
  }

  onModuleInit(): void {
    const registry = passport as unknown as PassportRegistry;
    this.registered = [registry._serializers.at(-1), registry._deserializers.at(-1)];
  }

  /**
   * passport is one object per process: when this app closes (a test, a CLI command), take our
   * functions out of it, or the next app in the process would call into a closed database.
   */
  onModuleDestroy(): void {
    const registry = passport as unknown as PassportRegistry;
    registry._serializers = registry._serializers.filter((fn) => !this.registered.includes(fn));
    registry._deserializers = registry._deserializers.filter((fn) => !this.registered.includes(fn));
  }
}
