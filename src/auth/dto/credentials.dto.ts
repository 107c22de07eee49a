import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** What every password login sends: the browser's (LoginDto) and the token client's (TokenRequestDto). */
export class CredentialsDto {
  @ApiProperty({ description: 'Username or email address', example: 'ada' })
  @IsString()
  @Length(1, 254)
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @Length(1, 128)
  password!: string;
}
