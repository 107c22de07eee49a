import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import { AccountService } from '../auth/account.service';
import { clientInfo } from '../auth/client-info';
import { CsrfService } from '../auth/csrf.service';
import { BrowserPage } from '../auth/decorators/browser-page.decorator';
import { ChangePasswordDto } from '../auth/dto/change-password.dto';
import { LoginService } from '../auth/login.service';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ForgotPasswordDto, ResetPasswordDto } from '../email-links/dto/email-links.dto';
import { EmailVerificationService } from '../email-links/email-verification.service';
import { PasswordResetService } from '../email-links/password-reset.service';
import { flatten } from '../common/validation.pipe';
import { RegisterDto } from '../users/dto/register.dto';
import { UsersService } from '../users/users.service';
import { SESSION_COOKIE } from '../sessions/session-cookie';
import { toSessionView } from './session-view';
import { safeNext } from './safe-next';
import { ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm, SignInForm, SignUpForm, VerifyEmailForm } from './web-forms';

/** Confirmations shown after a redirect, chosen by a fixed key (nothing from the URL is echoed). */
const NOTICES: Record<string, string> = {
  'session-ended': 'The session was ended.',
  'others-ended': 'Every other session was ended.',
  'password-changed': 'Your password was changed, and your other sessions were ended.',
  'signed-out': 'You are signed out.',
  'check-email': 'Your account was created. We have sent a link to your email address: open it to confirm the address, then sign in.',
  'password-reset': 'Your password was changed, and you were signed out everywhere. Sign in with the new password.',
  'email-verified': 'Your email address is confirmed.',
  'link-sent': 'We have sent a new confirmation link to your email address.',
};

const RESET_LINK_INVALID = 'This password-reset link is wrong, expired or already used. Ask for a new one.';
const VERIFY_LINK_INVALID = 'This confirmation link is wrong, expired or already used.';

/**
 * The server-rendered pages for browser users. They use the same services as the JSON API;
 * this controller only turns forms into service calls and results into pages or redirects.
 */
@ApiExcludeController()
@BrowserPage()
@Controller()
export class WebController {
  constructor(
    private readonly logins: LoginService,
    private readonly users: UsersService,
    private readonly account: AccountService,
    private readonly csrf: CsrfService,
    private readonly passwordReset: PasswordResetService,
    private readonly verification: EmailVerificationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  home(@Res() res: Response): void {
    res.redirect(302, '/account');
  }

  @Get('login')
  signInPage(@Req() req: Request, @Res() res: Response, @Query('next') next?: string, @Query('done') done?: string): void {
    if (req.auth) return res.redirect(303, safeNext(next));
    this.render(req, res, 200, 'login', { title: 'Sign in', next: safeNext(next), notice: NOTICES[done ?? ''] });
  }

  @Post('login')
  async signIn(@Body() form: SignInForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    const next = safeNext(form.next);
    const page = { title: 'Sign in', next, username: form.username ?? '' };
    if (!form.username || !form.password) {
      return this.render(req, res, 400, 'login', { ...page, error: 'Enter your username (or email) and your password.' });
    }
    try {
      const user = await this.logins.authenticate(req, res);
      await this.logins.logIn(req, res, user, form.rememberMe === 'on' || form.rememberMe === 'true', form.password);
      res.redirect(303, next);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'too_many_attempts') {
        res.set('Retry-After', error.headers['Retry-After']);
        return this.render(req, res, 429, 'login', { ...page, error: `Too many failed sign-in attempts. Try again in ${waitText(error)}.` });
      }
      if (error.code === 'invalid_credentials') {
        return this.render(req, res, 401, 'login', { ...page, error: 'Invalid username or password.' });
      }
      if (error.code === 'email_not_verified') {
        return this.render(req, res, 403, 'login', { ...page, error: 'Confirm your email address first: we have sent a link to it.' });
      }
      throw error;
    }
  }

  @Get('register')
  signUpPage(@Req() req: Request, @Res() res: Response): void {
    if (req.auth) return res.redirect(303, '/account');
    this.render(req, res, 200, 'register', { title: 'Create an account' });
  }

  @Post('register')
  async signUp(@Body() form: SignUpForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    const page = { title: 'Create an account', username: form.username ?? '', email: form.email ?? '' };
    const input = plainToInstance(RegisterDto, { username: form.username, email: form.email, password: form.password });
    const problems = flatten(await validate(input));
    if (problems.length > 0) return this.render(req, res, 400, 'register', { ...page, errors: problems });
    try {
      const user = await this.users.register(input);
      this.verification.sendLink(user, clientInfo(req));
      if (this.config.emailLinks.requireEmailVerification) return res.redirect(303, '/login?done=check-email');
      await this.logins.logIn(req, res, user, false, input.password);
      res.redirect(303, '/account');
    } catch (error) {
      if (error instanceof AppError && (error.code === 'account_exists' || error.code === 'password_too_common')) {
        return this.render(req, res, error.status, 'register', { ...page, errors: [error.message] });
      }
      throw error;
    }
  }

  @Get('account')
  async accountPage(@Req() req: Request, @Res() res: Response, @Query('done') done?: string): Promise<void> {
    if (!req.auth) return res.redirect(302, '/login?next=/account');
    await this.renderAccount(req, res, 200, { notice: NOTICES[done ?? ''] });
  }

  @Post('account/sessions/end-others')
  async endOtherSessions(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!req.auth) return res.redirect(303, '/login?next=/account');
    await this.account.endOtherSessions(req.auth, clientInfo(req));
    res.redirect(303, '/account?done=others-ended');
  }

  @Post('account/sessions/:id/end')
  async endSession(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!req.auth) return res.redirect(303, '/login?next=/account');
    if (id === req.auth.session.id) return this.signOut(req, res);
    try {
      await this.account.endSession(req.auth, id, clientInfo(req));
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not_found')) throw error;
    }
    res.redirect(303, '/account?done=session-ended');
  }

  @Post('account/password')
  async changePassword(@Body() form: ChangePasswordForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!req.auth) return res.redirect(303, '/login?next=/account');
    const input = plainToInstance(ChangePasswordDto, { currentPassword: form.currentPassword, newPassword: form.newPassword });
    const problems = flatten(await validate(input));
    if (problems.length > 0) return this.renderAccount(req, res, 400, { passwordErrors: problems });
    try {
      await this.account.changePassword(req.auth, input.currentPassword, input.newPassword, clientInfo(req));
      res.redirect(303, '/account?done=password-changed');
    } catch (error) {
      if (error instanceof AppError && (error.code === 'invalid_credentials' || error.code === 'password_too_common')) {
        const message = error.code === 'invalid_credentials' ? 'Your current password is not right.' : error.message;
        return this.renderAccount(req, res, error.status, { passwordErrors: [message] });
      }
      if (error instanceof AppError && error.code === 'too_many_attempts') {
        res.set('Retry-After', error.headers['Retry-After']);
        return this.renderAccount(req, res, 429, { passwordErrors: [`Too many wrong passwords. Try again in ${waitText(error)}.`] });
      }
      throw error;
    }
  }

  @Post('account/email/resend')
  resendVerification(@Req() req: Request, @Res() res: Response): void {
    if (!req.auth) return res.redirect(303, '/login?next=/account');
    this.verification.sendLink(req.auth.user, clientInfo(req));
    res.redirect(303, '/account?done=link-sent');
  }

  @Get('forgot-password')
  forgotPasswordPage(@Req() req: Request, @Res() res: Response): void {
    this.render(req, res, 200, 'forgot-password', { title: 'Forgot your password?' });
  }

  @Post('forgot-password')
  async forgotPassword(@Body() form: ForgotPasswordForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    const page = { title: 'Forgot your password?', email: form.email ?? '' };
    const input = plainToInstance(ForgotPasswordDto, { email: form.email });
    if ((await validate(input)).length > 0) return this.render(req, res, 400, 'forgot-password', { ...page, error: 'Enter a valid email address.' });
    this.passwordReset.requestReset(input.email, clientInfo(req));
    this.render(req, res, 200, 'forgot-password', {
      ...page,
      notice: 'If an account has this address, we have sent it a link to choose a new password. Check your inbox.',
    });
  }

  @Get('reset-password')
  async resetPasswordPage(@Req() req: Request, @Res() res: Response, @Query('token') token?: string): Promise<void> {
    const usable = typeof token === 'string' && token.length <= 256 && (await this.passwordReset.isUsable(token));
    if (!usable) return this.render(req, res, 400, 'reset-password', { title: 'Choose a new password', errors: [RESET_LINK_INVALID] });
    this.render(req, res, 200, 'reset-password', { title: 'Choose a new password', token });
  }

  @Post('reset-password')
  async resetPassword(@Body() form: ResetPasswordForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    const page = { title: 'Choose a new password', token: form.token ?? '' };
    const input = plainToInstance(ResetPasswordDto, { token: form.token, newPassword: form.newPassword });
    const problems = flatten(await validate(input));
    if (problems.length > 0) return this.render(req, res, 400, 'reset-password', { ...page, errors: problems });
    try {
      await this.passwordReset.reset(input.token, input.newPassword, clientInfo(req));
    } catch (error) {
      if (error instanceof AppError && error.code === 'reset_token_invalid') {
        return this.render(req, res, 400, 'reset-password', { title: page.title, errors: [RESET_LINK_INVALID] });
      }
      if (error instanceof AppError && error.code === 'password_too_common') {
        return this.render(req, res, 400, 'reset-password', { ...page, errors: [error.message] });
      }
      throw error;
    }
    // The reset ended every session, this browser's too: its cookie is no use any more.
    if (req.auth) res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.config.cookieSecure });
    res.redirect(303, '/login?done=password-reset');
  }

  @Get('verify-email')
  verifyEmailPage(@Req() req: Request, @Res() res: Response, @Query('token') token?: string): void {
    if (typeof token !== 'string' || token === '' || token.length > 256) {
      return this.render(req, res, 400, 'verify-email', { title: 'Confirm your email address', error: VERIFY_LINK_INVALID });
    }
    this.render(req, res, 200, 'verify-email', { title: 'Confirm your email address', token });
  }

  @Post('verify-email')
  async verifyEmail(@Body() form: VerifyEmailForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      if (!form.token) throw new AppError('verification_token_invalid', VERIFY_LINK_INVALID);
      await this.verification.verify(form.token, clientInfo(req));
    } catch (error) {
      if (error instanceof AppError && error.code === 'verification_token_invalid') {
        return this.render(req, res, 400, 'verify-email', { title: 'Confirm your email address', error: VERIFY_LINK_INVALID });
      }
      throw error;
    }
    res.redirect(303, req.auth ? '/account?done=email-verified' : '/login?done=email-verified');
  }

  @Post('logout')
  async signOut(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (req.auth) await this.logins.logOut(req.auth, req, res);
    res.redirect(303, '/login?done=signed-out');
  }

  private async renderAccount(req: Request, res: Response, status: number, extra: Record<string, unknown>): Promise<void> {
    const auth = req.auth!;
    const sessions = await this.account.activeSessions(auth.user.id);
    this.render(req, res, status, 'account', {
      title: 'Your account',
      user: { username: auth.user.username, email: auth.user.email, emailVerified: auth.user.emailVerified, roles: auth.user.roles.join(', ') },
      sessions: sessions.map((session) => toSessionView(session, auth.session.id)),
      hasOtherSessions: sessions.some((session) => session.id !== auth.session.id),
      signedIn: true,
      ...extra,
    });
  }

  private render(req: Request, res: Response, status: number, view: string, locals: Record<string, unknown>): void {
    res.set('Cache-Control', 'no-store');
    res.status(status).render(view, { ...locals, csrfToken: this.csrf.token(req, res) });
  }
}

/** "15 minutes", "40 seconds": the Retry-After of a 429, for a page. */
function waitText(error: AppError): string {
  const seconds = Number(error.headers['Retry-After']);
  return seconds >= 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
}
