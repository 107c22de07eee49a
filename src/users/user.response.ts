import { ApiProperty } from '@nestjs/swagger';
import { User } from './user.entity';

/** The public view of a user (API.md `User`). Never carries the password hash. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() username!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ type: [String], example: ['user'] }) roles!: string[];
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/**
 * Views already made, by user object. Nothing changes a User's public fields in place
 * (UsersService writes, then drops the cached object, and the next read makes a new one; only
 * lastLoginAt, which is not in the view, is updated in place), so a view stays true for as long
 * as its object lives; /auth/me then answers without formatting dates on every request.
 */
const views = new WeakMap<User, Readonly<UserResponse>>();

/** The public view of `user`: frozen and shared, so copy it to add fields. */
export function toUserResponse(user: User): Readonly<UserResponse> {
  let view = views.get(user);
  if (!view) {
    view = Object.freeze({
      id: user.id,
      username: user.username,
      email: user.email,
      roles: Object.freeze([...user.roles]) as string[],
      emailVerified: user.emailVerified,
      createdAt: user.createdAt.toISOString(),
    });
    views.set(user, view);
  }
  return view;
}
