import { ApiProperty } from '@nestjs/swagger';
import { UserResponse } from '../users/user.response';

export class LoginResponse {
  @ApiProperty({ type: UserResponse }) user!: UserResponse;
}

export class CsrfResponse {
  @ApiProperty({ description: 'Send back as the X-CSRF-Token header or the _csrf form field' })
  csrfToken!: string;
}

export class AuthInfo {
  @ApiProperty({ enum: ['session', 'jwt'] }) method!: 'session' | 'jwt';
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty() persistent!: boolean;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class MeResponse extends UserResponse {
  @ApiProperty({ type: AuthInfo }) auth!: AuthInfo;
}
