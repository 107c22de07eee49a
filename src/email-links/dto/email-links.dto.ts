import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the reset link (its `token` query parameter)' })
  @IsString()
  @Length(1, 256)
  token!: string;

  @ApiProperty({ description: '8–128 characters, not a common password' })
  @IsString()
  @Length(8, 128)
  newPassword!: string;
}

export class VerifyEmailDto {
  @ApiProperty({ description: 'The token from the verification link (its `token` query parameter)' })
  @IsString()
  @Length(1, 256)
  token!: string;
}
