import type { Application, NextFunction, Request, RequestHandler, Response } from 'express';

const SESSION_STEPS = 'authkit cookie-session steps';

/**
 * The cookie-session middleware (express-session, passport.session() and their helpers), run only
 * for requests that carry the session cookie. A request without one has no session to load, and
 * making an empty one for it (a random id, a Session object, change-detection hashing, header
 * hooks) cost about a fifth of every bearer-token, health or JWKS request. A handler that starts
 * a session (sign-in) calls `startSession` first.
 *
 * `readOnly` answers the requests that cannot change their session without those steps (see
 * CachedCookieSession); it returns false for every other request, which then runs them.
 */
export function cookieSessions(
  app: Application,
  cookieName: string,
  steps: RequestHandler[],
  readOnly: (req: Request, cookieName: string) => boolean,
): RequestHandler {
  app.set(SESSION_STEPS, steps);
  const marker = `${cookieName}=`;
  return function cookieSessions(req: Request, res: Response, next: NextFunction): void {
    // A substring test: a false positive (another cookie whose name ends in "sid") only costs the full path.
    if (!req.headers.cookie?.includes(marker) || readOnly(req, cookieName)) next();
    else runSteps(steps, req, res, next);
  };
}

/** Runs the session steps for a request that came without a session cookie, so it can sign in. */
export async function startSession(req: Request, res: Response): Promise<void> {
  if (req.session) return;
  const steps = (req.app as Application).get(SESSION_STEPS) as RequestHandler[];
  await new Promise<void>((resolve, reject) => runSteps(steps, req, res, (error?: unknown) => (error ? reject(error) : resolve())));
}

function runSteps(steps: RequestHandler[], req: Request, res: Response, done: NextFunction): void {
  let index = 0;
  const next = (error?: unknown): void => {
    if (error !== undefined && error !== null) return done(error);
    if (index === steps.length) return done();
    steps[index++](req, res, next);
  };
  next();
}
