import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../../common/app-error';
import { Role } from '../../users/user.entity';
import { ROLES } from '../decorators/roles.decorator';

/**
 * Global guard, last in line (after authentication and CSRF, so an anonymous caller gets 401,
 * not 403): a route marked @Roles(...) needs a caller with one of those roles. The roles are
 * the user's current ones, loaded for this request.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (!required || required.length === 0) return true;
    const auth = context.switchToHttp().getRequest<Request>().auth;
    if (!auth) throw new AppError('unauthenticated', 'Authentication required');
    if (!required.some((role) => auth.user.roles.includes(role))) {
      throw new AppError('forbidden', 'You do not have permission to do this');
    }
    return true;
  }
}
