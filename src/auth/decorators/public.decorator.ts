import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'authkit:isPublic';

/** Opts a route out of the global authentication guard. Every other route needs a login. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
