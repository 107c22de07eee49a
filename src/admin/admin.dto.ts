import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_EVENT_TYPES, AuditEventType } from '../audit/audit-event.entity';
import { ROLES, Role } from '../users/user.entity';
import { UserResponse } from '../users/user.response';

/** `?page=&type=` (a form or API.md's template left blank) means "not given", not an invalid value. */
function emptyAsAbsent({ value }: { value: unknown }): unknown {
  return value === '' ? undefined : value;
}

function emptyAs(fallback: number) {
  // The raw value: @Type(() => Number) has already turned '' into 0.
  return ({ obj, key, value }: { obj: Record<string, unknown>; key: string; value: unknown }): unknown => (obj[key] === '' ? fallback : value);
}

export class PageQuery {
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 1_000_000 })
  @IsOptional()
  @Transform(emptyAs(1))
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page = 1;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Transform(emptyAs(20))
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Part of a username or email, case-insensitive' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  q?: string;
}

export class AuditQueryDto extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Transform(emptyAsAbsent)
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ enum: AUDIT_EVENT_TYPES })
  @IsOptional()
  @Transform(emptyAsAbsent)
  @IsIn(AUDIT_EVENT_TYPES)
  type?: AuditEventType;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES, isArray: true, example: ['user', 'admin'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each value in roles must be one of: ${ROLES.join(', ')}` })
  roles?: Role[];

  @ApiPropertyOptional({ description: 'Disabling ends every session of the user' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => value)
  @IsBoolean()
  disabled?: boolean;
}

export class AdminUserResponse extends UserResponse {
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastLoginAt!: string | null;
}

export class AdminUserDetailResponse extends AdminUserResponse {
  @ApiProperty({ description: 'Sessions of either kind that still work' }) activeSessions!: number;
}

export class UserPage {
  @ApiProperty({ type: [AdminUserResponse] }) items!: AdminUserResponse[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: AUDIT_EVENT_TYPES }) type!: AuditEventType;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, nullable: true }) sessionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: Object }) detail!: Record<string, unknown>;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEventResponse] }) items!: AuditEventResponse[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
