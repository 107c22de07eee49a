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

export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    roles: [...user.roles],
    emailVerified: user.emailVerified,
    createdAt: user.createdAt.toISOString(),
  };
}
