import { Session } from '../sessions/session.entity';
import { toUserResponse, UserResponse } from '../users/user.response';
import { AuthContext } from './auth-context';
import { MeResponse } from './auth.responses';

interface Kept {
  view: Readonly<UserResponse>;
  method: AuthContext['method'];
  persistent: boolean;
  expiresAt: number;
  response: Readonly<MeResponse>;
}

/**
 * Answers made, by session row. A client asks GET /auth/me again and again with the same session
 * and user objects (both cached): the answer is then the same, and is reused instead of copied
 * and its date formatted on every request. Anything it shows changing (a new user object, the
 * session sliding or turning persistent) makes a new one.
 */
const kept = new WeakMap<Session, Kept>();

/** The body of GET /auth/me for this caller: frozen and shared. */
export function meResponse(auth: AuthContext): Readonly<MeResponse> {
  const view = toUserResponse(auth.user);
  const { session, method } = auth;
  const entry = kept.get(session);
  if (
    entry &&
    entry.view === view &&
    entry.method === method &&
    entry.persistent === session.persistent &&
    entry.expiresAt === session.expiresAt.getTime()
  ) {
    return entry.response;
  }
  const response = Object.freeze({
    ...view,
    auth: Object.freeze({ method, sessionId: session.id, persistent: session.persistent, expiresAt: session.expiresAt.toISOString() }),
  });
  kept.set(session, { view, method, persistent: session.persistent, expiresAt: session.expiresAt.getTime(), response });
  return response;
}
