/** The name of the cookie that carries a browser's session id (express-session's, signed). */
export const SESSION_COOKIE = 'sid';
