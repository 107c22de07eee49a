import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AuthContext } from '../auth-context';
import { clientInfo } from '../client-info';

function authOf(context: ExecutionContext): AuthContext {
  const auth = context.switchToHttp().getRequest<Request>().auth;
  if (!auth) throw new Error('No AuthContext on a protected route: is the route marked @Public()?');
  return auth;
}

/** The signed-in user (loaded fresh for this request). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => authOf(context).user);

/** The whole principal: user, session row and how the caller authenticated. */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext) => authOf(context));

/** Where the request came from (IP per TRUST_PROXY, user agent), for sessions and the audit log. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  clientInfo(context.switchToHttp().getRequest<Request>()),
);
