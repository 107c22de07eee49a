import { SetMetadata } from '@nestjs/common';
import { Role } from '../../users/user.entity';

export const ROLES = 'authkit:roles';

/** The caller needs one of these roles (read fresh from the database, never from a token). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);
