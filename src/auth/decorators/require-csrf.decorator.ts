import { SetMetadata } from '@nestjs/common';

export const REQUIRE_CSRF = 'authkit:requireCsrf';

/**
 * Demands a CSRF token even when the caller is not (yet) authenticated by the cookie: the
 * browser login, so that another site cannot sign a visitor in to an account of its choosing.
 */
export const RequireCsrf = () => SetMetadata(REQUIRE_CSRF, true);
