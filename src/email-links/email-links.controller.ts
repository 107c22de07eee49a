import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiCookieAuth, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { AuthContext } from '../auth/auth-context';
import { Client, CurrentAuth } from '../auth/decorators/current-user.decorator';
import { Public } from '../auth/decorators/public.decorator';
import { ClientInfo } from '../sessions/sessions.service';
import { ForgotPasswordDto, ResetPasswordDto, VerifyEmailDto } from './dto/email-links.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';

@ApiTags('auth')
@Controller('auth')
export class EmailLinksController {
  constructor(
    private readonly passwordReset: PasswordResetService,
    private readonly verification: EmailVerificationService,
  ) {}

  @Public()
  @Post('password/forgot')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description:
      'Always 202, at once, whether or not an account has this address. When an enabled one does, a single-use reset link ' +
      '(valid PASSWORD_RESET_TTL) is emailed to it, at most EMAIL_LINK_LIMIT (3) times per EMAIL_LINK_WINDOW (15 min).',
  })
  forgotPassword(@Body() body: ForgotPasswordDto, @Client() client: ClientInfo): void {
    this.passwordReset.requestReset(body.email, client);
  }

  @Public()
  @Post('password/reset')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Password changed, token spent, every session of the user ended, email counted as verified' })
  @ApiBadRequestResponse({ description: 'reset_token_invalid (wrong, expired or spent token), password_too_common or validation_failed' })
  resetPassword(@Body() body: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.passwordReset.reset(body.token, body.newPassword, client);
  }

  @Public()
  @Post('email/verify')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The address the link was sent to is verified; the token is spent' })
  @ApiBadRequestResponse({ description: 'verification_token_invalid (wrong, expired or spent token, or the address changed since)' })
  verifyEmail(@Body() body: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    return this.verification.verify(body.token, client);
  }

  @Post('email/resend')
  @HttpCode(202)
  @ApiCookieAuth()
  @ApiBearerAuth()
  @ApiAcceptedResponse({
    description: 'A new verification link is emailed, unless the address is verified already or EMAIL_LINK_LIMIT (3) links went out within EMAIL_LINK_WINDOW (15 min)',
  })
  resendVerification(@CurrentAuth() auth: AuthContext, @Client() client: ClientInfo): void {
    this.verification.sendLink(auth.user, client);
  }
}
