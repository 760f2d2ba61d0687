/** The session cookie of the web app. */
export const sessionCookie = 'shipshape_session';
