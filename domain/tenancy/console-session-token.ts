import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's session secret and what is derived from it. The browser holds the token only in
 * an HttpOnly cookie; the server stores only its SHA-256 (the session's id in Redis), and the
 * CSRF token is an HMAC of the token, so nothing secret is kept anywhere in clear and a stolen
 * Redis dump opens no session.
 */
export const SESSION_COOKIE = 'trellis_console';
export const CSRF_HEADER = 'x-csrf-token';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits, base64url. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionToken(value: string | undefined): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/** The session's id as stored: the token's SHA-256, hex. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The CSRF token for a session (synchronizer token, derived rather than stored). A page on
 * another origin can make the browser send the cookie but cannot read this value.
 */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('trellis-console-csrf').digest('base64url');
}

export function csrfMatches(token: string, presented: string | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(token));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Set-Cookie for a session: HttpOnly, SameSite=Strict, scoped to the site, Secure over https. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${token}`, 'Path=/', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}

/** Set-Cookie that removes the session cookie. */
export function clearedCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** The session token in a Cookie header, if it holds a well-formed one. */
export function sessionTokenIn(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return isSessionToken(value) ? value : undefined;
    }
  }
  return undefined;
}
