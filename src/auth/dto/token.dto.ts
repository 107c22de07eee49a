import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { CredentialsDto } from './credentials.dto';

export class TokenRequestDto extends CredentialsDto {
  @ApiPropertyOptional({ description: 'Shown in the session list', example: "Ada's phone" })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  deviceName?: string;
}

export class RefreshRequestDto {
  @ApiProperty({ description: 'The refresh token from the last token response; it is spent by this call' })
  @IsString()
  @Length(1, 4096)
  refreshToken!: string;
}

export class TokenResponse {
  @ApiProperty({ description: 'JWT; header {alg, typ, kid}, claims {sub, sid, roles, iat, exp, iss, aud, jti}' })
  accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Seconds until the access token expires' }) expiresIn!: number;
  @ApiProperty({ description: 'Opaque; rotated on every refresh' }) refreshToken!: string;
  @ApiProperty({ description: 'Seconds until the refresh token expires' }) refreshExpiresIn!: number;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
}
