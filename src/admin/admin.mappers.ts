import { AuditEvent } from '../audit/audit-event.entity';
import { User } from '../users/user.entity';
import { toUserResponse } from '../users/user.response';
import { AdminUserResponse, AuditEventResponse } from './admin.dto';

export function toAdminUser(user: User): AdminUserResponse {
  return { ...toUserResponse(user), disabled: user.disabled, lastLoginAt: user.lastLoginAt?.toISOString() ?? null };
}

export function toAuditEventResponse(event: AuditEvent): AuditEventResponse {
  return {
    id: event.id,
    type: event.type,
    userId: event.userId,
    sessionId: event.sessionId,
    ip: event.ip,
    userAgent: event.userAgent,
    createdAt: event.createdAt.toISOString(),
    detail: JSON.parse(event.detail) as Record<string, unknown>,
  };
}
