import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { BROWSER_PAGE } from '../src/auth/decorators/browser-page.decorator';
import { IS_PUBLIC } from '../src/auth/decorators/public.decorator';
import { REQUIRE_CSRF } from '../src/auth/decorators/require-csrf.decorator';
import { ROLES } from '../src/auth/decorators/roles.decorator';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * Who may call what, for every route of the app. Any change of access shows up here in review:
 * a new route must be added to this list with its declaration.
 */
describe('route access declarations', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  function declaredRoutes(): string[] {
    const reflector = t.app.get(Reflector);
    const routes: string[] = [];
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as new (...args: never[]) => object;
        const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          if (name === 'constructor') continue;
          const handler = (controller.prototype as Record<string, unknown>)[name];
          if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
          const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
          const path = ['', base, String(Reflect.getMetadata(PATH_METADATA, handler))].join('/').replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
          const targets = [handler as () => void, controller];
          const access = reflector.getAllAndOverride<boolean>(BROWSER_PAGE, targets)
            ? 'page (cookie optional)'
            : reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)
              ? 'public'
              : `roles:${(reflector.getAllAndOverride<string[]>(ROLES, targets) ?? ['any signed-in']).join('|')}`;
          const csrf =
            reflector.getAllAndOverride<boolean>(REQUIRE_CSRF, targets) || (reflector.getAllAndOverride<boolean>(BROWSER_PAGE, targets) && method !== 'GET')
              ? ' +csrf'
              : '';
          routes.push(`${method} ${path} ${access}${csrf}`);
        }
      }
    }
    return routes.sort();
  }

  it('matches the reviewed list', () => {
    expect(declaredRoutes()).toEqual([
      'DELETE /admin/users/:id/sessions roles:admin',
      'DELETE /auth/sessions roles:any signed-in',
      'DELETE /auth/sessions/:id roles:any signed-in',
      'GET / page (cookie optional)',
      'GET /.well-known/jwks.json public',
      'GET /account page (cookie optional)',
      'GET /admin/audit roles:admin',
      'GET /admin/users roles:admin',
      'GET /admin/users/:id roles:admin',
      'GET /auth/csrf public',
      'GET /auth/me roles:any signed-in',
      'GET /auth/sessions roles:any signed-in',
      'GET /forgot-password page (cookie optional)',
      'GET /health/live public',
      'GET /health/ready public',
      'GET /login page (cookie optional)',
      'GET /register page (cookie optional)',
      'GET /reset-password page (cookie optional)',
      'GET /verify-email page (cookie optional)',
      'PATCH /admin/users/:id roles:admin',
      'POST /account/email/resend page (cookie optional) +csrf',
      'POST /account/password page (cookie optional) +csrf',
      'POST /account/sessions/:id/end page (cookie optional) +csrf',
      'POST /account/sessions/end-others page (cookie optional) +csrf',
      'POST /auth/email/resend roles:any signed-in',
      'POST /auth/email/verify public',
      'POST /auth/login public +csrf',
      'POST /auth/logout roles:any signed-in',
      'POST /auth/password roles:any signed-in',
      'POST /auth/password/forgot public',
      'POST /auth/password/reset public',
      'POST /auth/register public',
      'POST /auth/token public',
      'POST /auth/token/refresh public',
      'POST /forgot-password page (cookie optional) +csrf',
      'POST /login page (cookie optional) +csrf',
      'POST /logout page (cookie optional) +csrf',
      'POST /register page (cookie optional) +csrf',
      'POST /reset-password page (cookie optional) +csrf',
      'POST /verify-email page (cookie optional) +csrf',
    ]);
  });
});
