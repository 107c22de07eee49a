import { SetMetadata } from '@nestjs/common';

export const BROWSER_PAGE = 'authkit:browserPage';

/**
 * A server-rendered page: the cookie session is read if there is one, but a missing or ended
 * session is not an error (the page redirects to /login itself). Unsafe requests to a page
 * still need the CSRF token, signed in or not.
 */
export const BrowserPage = () => SetMetadata(BROWSER_PAGE, true);
