import { IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * Form bodies of the pages. Every field is optional here: a page answers a missing field with
 * a message on the form, not with a JSON 400. Unknown fields are still rejected.
 */
export class SignInForm {
  @IsOptional() @IsString() @MaxLength(254) username?: string;
  @IsOptional() @IsString() @MaxLength(128) password?: string;
  @IsOptional() @IsString() @MaxLength(8) rememberMe?: string;
  @IsOptional() @IsString() @MaxLength(2048) next?: string;
}

export class SignUpForm {
  @IsOptional() @IsString() @MaxLength(254) username?: string;
  @IsOptional() @IsString() @MaxLength(254) email?: string;
  @IsOptional() @IsString() @MaxLength(256) password?: string;
}

export class ChangePasswordForm {
  /** Sent by the hidden field that tells password managers whose password changes; not used. */
  @IsOptional() @IsString() @MaxLength(254) username?: string;
  @IsOptional() @IsString() @MaxLength(256) currentPassword?: string;
  @IsOptional() @IsString() @MaxLength(256) newPassword?: string;
}

export class ForgotPasswordForm {
  @IsOptional() @IsString() @MaxLength(254) email?: string;
}

export class ResetPasswordForm {
  @IsOptional() @IsString() @MaxLength(256) token?: string;
  @IsOptional() @IsString() @MaxLength(256) newPassword?: string;
}

export class VerifyEmailForm {
  @IsOptional() @IsString() @MaxLength(256) token?: string;
}
