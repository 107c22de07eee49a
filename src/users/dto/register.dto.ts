import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';

export class RegisterDto {
  @ApiProperty({ example: 'ada', description: '3–32 characters of A–Z, a–z, 0–9, _ . -; unique case-insensitively' })
  @IsString()
  @Length(3, 32)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'username may contain only letters, digits, _ . and -' })
  username!: string;

  @ApiProperty({ example: 'ada@example.com', description: 'Unique case-insensitively; stored lower-cased' })
  // Checked as stored: lower-casing can lengthen a string ('İ' becomes two characters).
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple', description: '8–128 characters, not a common password' })
  @IsString()
  @Length(8, 128)
  password!: string;
}
