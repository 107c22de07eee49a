import { ApiProperty } from '@nestjs/swagger';
import { Session } from './session.entity';

/** API.md `Session`: one login as its user sees it. */
export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['cookie', 'jwt'] }) kind!: 'cookie' | 'jwt';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty() persistent!: boolean;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) deviceName!: string | null;
  @ApiProperty({ description: 'True for the session making this request' }) current!: boolean;
}

export function toSessionResponse(session: Session, currentId: string): SessionResponse {
  return {
    id: session.id,
    kind: session.kind,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    persistent: session.persistent,
    userAgent: session.userAgent,
    ip: session.ip,
    deviceName: session.deviceName,
    current: session.id === currentId,
  };
}
