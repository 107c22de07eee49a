import { Session } from '../sessions/session.entity';
import { User } from '../users/user.entity';

export type AuthMethod = 'session' | 'jwt';

/** The one principal every protected route sees, however the caller authenticated. */
export interface AuthContext {
  user: User;
  session: Session;
  method: AuthMethod;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}
