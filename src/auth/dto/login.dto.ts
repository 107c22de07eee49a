import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { CredentialsDto } from './credentials.dto';

/** HTML forms send a checkbox as "on" (or "true"); JSON clients send a boolean. */
export function toBoolean({ value }: { value: unknown }): unknown {
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === '') return false;
  return value;
}

export class LoginDto extends CredentialsDto {
  @ApiPropertyOptional({ description: 'Keep the session in a persistent cookie (REMEMBER_ME_TTL, sliding)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  rememberMe?: boolean;
}
