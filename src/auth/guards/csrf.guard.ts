import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../../common/app-error';
import { CSRF_FORM_FIELD, CsrfService } from '../csrf.service';
import { BROWSER_PAGE } from '../decorators/browser-page.decorator';
import { REQUIRE_CSRF } from '../decorators/require-csrf.decorator';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard, after authentication: an unsafe request authenticated by the session cookie
 * (or a route marked @RequireCsrf(), such as the login) needs a valid CSRF token. Bearer-token
 * requests need none: a browser never attaches those by itself.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly csrf: CsrfService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    const targets = [context.getHandler(), context.getClass()];
    const required =
      req.auth?.method === 'session' ||
      this.reflector.getAllAndOverride<boolean>(REQUIRE_CSRF, targets) ||
      this.reflector.getAllAndOverride<boolean>(BROWSER_PAGE, targets);
    if (!required) return true;
    if (!this.csrf.isValid(req)) {
      throw new AppError('csrf_invalid', 'Missing or invalid CSRF token: fetch one from GET /auth/csrf');
    }
    // The form field has done its job; keep it out of the body the validation pipe checks.
    if (req.body && typeof req.body === 'object') delete (req.body as Record<string, unknown>)[CSRF_FORM_FIELD];
    return true;
  }
}
