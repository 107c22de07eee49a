import { Session } from '../sessions/session.entity';
import { toUserResponse, UserResponse } from '../users/user.response';
import { AuthContext } from './auth-context';
import { MeResponse } from './auth.responses';

interface Kept {
  view: Readonly<UserResponse>;
  method: AuthContext['method'];
  persistent: boolean;
  expiresAt: number;
  /** The answer as sent: its JSON, UTF-8. */
  body: Buffer;
}

/**
 * Answers made, by session row. A client asks GET /auth/me again and again with the same session
 * and user objects (both cached): the answer is then the same, and its bytes are reused instead
 * of the object being copied, its date formatted and the whole serialized on every request.
 * Anything it shows changing (a new user object, the session sliding or turning persistent)
 * makes a new one.
 */
const kept = new WeakMap<Session, Kept>();

/** The body of GET /auth/me for this caller, as JSON bytes (shared: not to be modified). */
export function meResponseBody(auth: AuthContext): Buffer {
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
    return entry.body;
  }
  const response: MeResponse = {
    ...view,
    auth: { method, sessionId: session.id, persistent: session.persistent, expiresAt: session.expiresAt.toISOString() },
  };
  const body = Buffer.from(JSON.stringify(response));
  kept.set(session, { view, method, persistent: session.persistent, expiresAt: session.expiresAt.getTime(), body });
  return body;
}
