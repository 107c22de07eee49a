import { Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import passport from 'passport';
import { randomBytes } from 'node:crypto';
import { ErrorCode } from './common/app-error';
import { errorBody } from './common/error-body';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { cookieSessions } from './sessions/cookie-session.middleware';
import { sessionCookieAttributes } from './sessions/session-cookie-attributes';
import { SessionsService } from './sessions/sessions.service';
import { CachedCookieSession } from './auth/cached-cookie-session';
import { SigningKeysService } from './auth/jwt/signing-keys.service';
import { SESSION_COOKIE } from './sessions/session-cookie';
import { TypeormSessionStore } from './sessions/typeorm-session-store';
import { WEB_ASSETS_DIR, WEB_VIEWS_DIR } from './web/project-root';

export const BODY_LIMIT = '100kb';

/**
 * Everything between the socket and the controllers, shared by main.ts and the tests so that a
 * test never runs a different app than users do.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfig>(APP_CONFIG);

  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // Express would hash every JSON answer for an ETag; an answer marked no-store is never
  // revalidated, so that was a SHA-1 per request for nothing. The JWKS sets its own.
  app.disable('etag');
  app.use(
    helmet({
      // Plain-HTTP development must not be told to upgrade to an HTTPS that is not there.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: config.cookieSecure ? [] : null } },
    }),
  );
  app.useStaticAssets(WEB_ASSETS_DIR, { prefix: '/assets/', index: false, maxAge: '1h' });
  // Answers carry tokens, session facts and personal data: never stored by a browser or a proxy
  // unless a route says otherwise (the JWKS; the stylesheet, served just above).
  app.use(noStore);
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT }));
  // Read-only requests of signed-in browsers skip express-session and passport (CachedCookieSession).
  const cachedCookieSession = app.get(CachedCookieSession);
  const readOnly = (req: Request, cookieName: string): boolean => cachedCookieSession.read(req, cookieName);
  app.use(
    cookieSessions(app.getHttpAdapter().getInstance(), SESSION_COOKIE, [
      sessionCookieAttributes(SESSION_COOKIE, config.cookieSecure),
      session({
        name: SESSION_COOKIE,
        secret: config.sessionSecret,
        store: new TypeormSessionStore(app.get(SessionsService)),
        genid: () => randomBytes(32).toString('base64url'),
        resave: false,
        saveUninitialized: false,
        rolling: false,
        // Secure is added by sessionCookieAttributes: told here, express-session would set no cookie over plain HTTP.
        cookie: { httpOnly: true, sameSite: 'lax', path: '/', secure: false },
      }),
      // passport.initialize() is not needed since passport 0.6 (authenticate() sets req.logIn up).
      passport.session(),
    ], readOnly),
  );
  app.use(middlewareErrorHandler);

  // Server-rendered pages (src/web): handlebars templates; our own stylesheet is served above.
  app.setBaseViewsDir(WEB_VIEWS_DIR);
  app.setViewEngine('hbs');

  setUpOpenApi(app);
  return app;
}

/** Initializes the configured app (migrations, keys) and checks that it can serve. */
export async function initApp(app: NestExpressApplication): Promise<void> {
  await app.init();
  app.get(SigningKeysService).assertReadyToSign();
}

function setUpOpenApi(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('authkit')
      .setDescription(
        'Cookie sessions for browsers, JWTs for mobile and API clients, one sessions table. ' +
          'Errors are JSON: {statusCode, error, message, code}. Unsafe requests authenticated by the ' +
          'sid cookie need the X-CSRF-Token header (from GET /auth/csrf). A request with an ' +
          'Authorization: Bearer header is judged by its token alone; an Authorization header of another ' +
          'scheme (a proxy\'s Basic credentials) leaves a request carrying the sid cookie to its cookie.',
      )
      .addCookieAuth(SESSION_COOKIE)
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

const logger = new Logger('HTTP');

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/** Errors raised by middleware (body parsing, the session store) in the JSON shape of API.md. */
function middlewareErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const { type, status } = error as { type?: string; status?: number };
  let code: ErrorCode = 'internal_error';
  let message = 'Internal server error';
  if (type === 'entity.parse.failed') [code, message] = ['invalid_json', 'The request body is not valid JSON'];
  else if (type === 'entity.too.large') [code, message] = ['payload_too_large', `The request body is larger than ${BODY_LIMIT}`];
  else if (type === 'parameters.too.many' || status === 413) [code, message] = ['payload_too_large', 'The request body has too many fields'];
  else if (type === 'encoding.unsupported' || type === 'charset.unsupported' || status === 415)
    [code, message] = ['unsupported_media_type', 'Unsupported body encoding'];
  else if (status !== undefined && status >= 400 && status < 500) [code, message] = ['validation_failed', 'Malformed request'];
  else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  const body = errorBody(code, message);
  res.status(body.statusCode).json(body);
}
