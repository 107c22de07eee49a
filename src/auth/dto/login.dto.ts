import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

/** HTML forms send a checkbox as "on" (or "true"); JSON clients send a boolean. */
export function toBoolean({ value }: { value: unknown }): unknown {
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === '') return false;
  return value;
}

export class LoginDto {
  @ApiProperty({ description: 'Username or email address', example: 'ada' })
  @IsString()
  @Length(1, 254)
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @Length(1, 128)
  password!: string;

  @ApiPropertyOptional({ description: 'Keep the session in a persistent cookie (REMEMBER_ME_TTL, sliding)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  rememberMe?: boolean;
}
