import { createHash } from 'node:crypto';
import { newSessionToken, sessionIdOf, csrfTokenOf, csrfMatches, sessionCookie, clearedCookie, sessionTokenIn, isSessionToken } from '../../domain/tenancy/console-session-token';
import { money, fromMinor, setRegional } from '../../console/format';

/** The console session's token, its stored id, its CSRF token and cookie; the console's money formatting. */
test('a session token is 256 random bits, stored only as its SHA-256', () => {
  const a = newSessionToken();
  const b = newSessionToken();
  expect(a).not.toBe(b);
  expect(isSessionToken(a)).toBe(true);
  expect(Buffer.from(a, 'base64url')).toHaveLength(32);
  expect(sessionIdOf(a)).toBe(createHash('sha256').update(a).digest('hex'));
  expect(sessionIdOf(a)).not.toContain(a);
});

test('the CSRF token is bound to its session and compared whole', () => {
  const token = newSessionToken();
  const csrf = csrfTokenOf(token);
  expect(csrf).not.toBe(token);
  expect(csrfMatches(token, csrf)).toBe(true);
  expect(csrfMatches(newSessionToken(), csrf)).toBe(false);
  expect(csrfMatches(token, csrf.slice(0, -1))).toBe(false);
  expect(csrfMatches(token, undefined)).toBe(false);
  expect(csrfMatches(token, '')).toBe(false);
});

test('the cookie is HttpOnly, SameSite=Strict, Secure only when asked; a cleared cookie expires now', () => {
  const token = newSessionToken();
  expect(sessionCookie(token, 1800, false)).toBe(`trellis_console=${token}; Path=/; Max-Age=1800; HttpOnly; SameSite=Strict`);
  expect(sessionCookie(token, 1800, true)).toMatch(/; Secure$/);
  expect(clearedCookie(false)).toBe('trellis_console=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
});

test('the token is read from a Cookie header only when well formed', () => {
  const token = newSessionToken();
  expect(sessionTokenIn(`a=1; trellis_console=${token}; b=2`)).toBe(token);
  expect(sessionTokenIn(`trellis_console=${token}x`)).toBeUndefined();
  expect(sessionTokenIn('trellis_console=')).toBeUndefined();
  expect(sessionTokenIn('other=1')).toBeUndefined();
  expect(sessionTokenIn(undefined)).toBeUndefined();
});

test('money is formatted from its decimal string, exactly, in the tenant locale', () => {
  setRegional({ locale: 'de-DE', timezone: 'Europe/Berlin', currency: 'EUR' });
  // Beyond a double's precision: a float would print …992,00.
  expect(money('9007199254740993.01', 'EUR')).toBe('9.007.199.254.740.993,01\u00a0€');
  expect(money('0.10', 'EUR')).toBe('0,10\u00a0€');
  setRegional({ locale: 'en-US', timezone: 'UTC', currency: 'USD' });
  expect(money('-1234.5', 'USD')).toBe('-$1,234.50');
  expect(money('1500', 'JPY')).toBe('¥1,500');
  expect(money('not money')).toBe('not money');
  expect(fromMinor(123456, 'EUR')).toBe('1234.56');
  expect(fromMinor(-5, 'USD')).toBe('-0.05');
  expect(fromMinor(1500, 'JPY')).toBe('1500');
  expect(fromMinor(7, 'KWD')).toBe('0.007');
});
