import { createHash } from 'node:crypto';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, registration, DealTenant } from './deal-fixtures';

/**
 * Console sign-in on the real stack: an API key exchanged for an HttpOnly, SameSite=Strict
 * cookie; the cookie authenticates like the key (same roles, same tenant and party scope), every
 * state change needs the session's CSRF token, only the token's hash is stored, revoking the key
 * or signing out ends the session, and /console is served with a strict CSP.
 */
let app: TestTrellis;
let t: DealTenant;
let other: DealTenant;

beforeAll(async () => {
  app = await startTestTrellis({ CONSOLE_SESSION_TTL_SECONDS: '600' });
  t = await dealTenant(app);
  other = await dealTenant(app);
});
afterAll(async () => {
  await app?.stop();
});

async function signIn(key: string, headers: Record<string, string> = {}) {
  const res = await app.http('POST', '/v1/console/sessions', { body: { apiKey: key }, headers });
  const setCookie = res.headers.get('set-cookie') ?? '';
  const token = /trellis_console=([^;]*)/.exec(setCookie)?.[1] ?? '';
  return { res, setCookie, token, cookie: `trellis_console=${token}` };
}

async function csrfOf(cookie: string): Promise<string> {
  const res = await app.http('GET', '/v1/console/sessions/current', { headers: { cookie } });
  expect(res.status).toBe(200);
  return res.body.csrfToken as string;
}

describe('console sessions', () => {
  test('sign-in sets an HttpOnly SameSite=Strict short-lived cookie, Secure only over https', async () => {
    const approver = await t.staff('approver');
    const { res, setCookie, token } = await signIn(approver.key);
    expect(res.status).toBe(201);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Max-Age=600/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    expect(res.text).not.toContain(approver.key);
    expect(res.text).not.toContain(token);
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 590_000);
    // Behind a TLS-terminating proxy on loopback (`trust proxy`), the cookie is Secure.
    const behindTls = await signIn(approver.key, { 'x-forwarded-proto': 'https' });
    expect(behindTls.setCookie).toMatch(/; Secure/);
  });

  test('the session answers as its key: role, party, tenant branding and locale, and the CSRF token', async () => {
    const partner = await t.partner('silver');
    const { cookie } = await signIn(partner.key);
    const res = await app.http('GET', '/v1/console/sessions/current', { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ role: 'partner', keyId: partner.keyId, partyId: partner.partnerId, csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(res.body.tenant).toMatchObject({ tenantId: t.tenantId, locale: 'en-US', timezone: 'Europe/Berlin', currency: 'USD', colors: { primary: expect.any(String), accent: expect.any(String) } });
    // Same scope as the key: its own deals list, another role's route refused.
    expect((await app.http('GET', '/v1/deals', { headers: { cookie } })).status).toBe(200);
    expect((await app.http('GET', '/v1/approvals', { headers: { cookie } })).status).toBe(403);
  });

  test('a state change with a cookie needs the CSRF token; a bearer key needs none', async () => {
    const partner = await t.partner('silver');
    const { cookie } = await signIn(partner.key);
    const csrf = await csrfOf(cookie);
    const none = await app.http('POST', '/v1/deals', { headers: { cookie }, body: registration() });
    expect(none.status).toBe(403);
    expect(none.body.detail).toMatch(/x-csrf-token/);
    const wrong = await app.http('POST', '/v1/deals', { headers: { cookie, 'x-csrf-token': csrf.slice(0, -2) + 'AA' }, body: registration() });
    expect(wrong.status).toBe(403);
    // A CSRF token of another session does not fit this one.
    const otherSession = await signIn(partner.key);
    const foreign = await app.http('POST', '/v1/deals', { headers: { cookie, 'x-csrf-token': await csrfOf(otherSession.cookie) }, body: registration() });
    expect(foreign.status).toBe(403);
    const deals = (await app.http('GET', '/v1/deals', { key: partner.key })).body.items;
    expect(deals).toEqual([]);

    const ok = await app.http('POST', '/v1/deals', { headers: { cookie, 'x-csrf-token': csrf, 'idempotency-key': 'console-1' }, body: registration() });
    expect([201, 202]).toContain(ok.status);
    expect(ok.body.partnerId).toBe(partner.partnerId);
    const bearer = await app.http('POST', '/v1/deals', { key: partner.key, body: registration() });
    expect([201, 202]).toContain(bearer.status);
  });

  test('another tenant or party cannot be opened with a session', async () => {
    const mine = await t.partner('silver');
    const someoneElse = await t.partner('silver');
    const foreignTenant = await other.partner('silver');
    const deal = await app.http('POST', '/v1/deals', { key: mine.key, body: registration() });
    for (const key of [someoneElse.key, foreignTenant.key]) {
      const { cookie } = await signIn(key);
      expect((await app.http('GET', `/v1/deals/${deal.body.id}`, { headers: { cookie } })).status).toBe(404);
    }
    const { cookie } = await signIn(mine.key);
    expect((await app.http('GET', `/v1/deals/${deal.body.id}`, { headers: { cookie } })).status).toBe(200);
  });

  test('only the hash of the session token is stored: Redis holds no secret in clear', async () => {
    const approver = await t.staff('approver');
    const { token, cookie } = await signIn(approver.key);
    const csrf = await csrfOf(cookie);
    const redis = app.running.services.conns.redis;
    const prefix = app.config.redisPrefix;
    const keys = await redis.keys(`${prefix}:console-session:*`);
    const stored = `${prefix}:console-session:${createHash('sha256').update(token).digest('hex')}`;
    expect(keys).toContain(stored);
    for (const k of keys) {
      expect(k).not.toContain(token);
      const value = (await redis.get(k)) ?? '';
      expect(value).not.toContain(token);
      expect(value).not.toContain(csrf);
      expect(value).not.toContain(approver.key);
    }
    const ttl = await redis.ttl(stored);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  test('revoking the key ends its sessions at once', async () => {
    const approver = await t.staff('approver');
    const { cookie } = await signIn(approver.key);
    expect((await app.http('GET', '/v1/approvals', { headers: { cookie } })).status).toBe(200);
    expect((await app.http('DELETE', `/v1/api-keys/${approver.keyId}`, { key: t.adminKey })).status).toBe(200);
    const after = await app.http('GET', '/v1/approvals', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(after.body.detail).toMatch(/revoked/);
    expect((await signIn(approver.key)).res.status).toBe(401);
  });

  test('sign-out needs the CSRF token, ends the session and clears the cookie', async () => {
    const approver = await t.staff('approver');
    const { cookie } = await signIn(approver.key);
    const csrf = await csrfOf(cookie);
    expect((await app.http('DELETE', '/v1/console/sessions/current', { headers: { cookie } })).status).toBe(403);
    const out = await app.http('DELETE', '/v1/console/sessions/current', { headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/trellis_console=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    expect((await app.http('GET', '/v1/approvals', { headers: { cookie } })).status).toBe(401);
    // The key itself still works: signing out ends the session, not the key.
    expect((await app.http('GET', '/v1/approvals', { key: approver.key })).status).toBe(200);
  });

  test('sign-in refuses the platform key, unknown keys and bad input, and sets no cookie', async () => {
    for (const apiKey of [app.platformKey, 'trk_nope', `${t.adminKey}x`]) {
      const res = await app.http('POST', '/v1/console/sessions', { body: { apiKey } });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect((await app.http('POST', '/v1/console/sessions', { body: {} })).status).toBe(422);
    expect((await app.http('POST', '/v1/console/sessions', { body: { apiKey: t.adminKey, extra: 1 } })).status).toBe(422);
    // A forged cookie is not a session; a malformed one is ignored (401 for no credential).
    expect((await app.http('GET', '/v1/approvals', { headers: { cookie: `trellis_console=${'a'.repeat(43)}` } })).status).toBe(401);
    expect((await app.http('GET', '/v1/approvals', { headers: { cookie: 'trellis_console=<script>' } })).status).toBe(401);
  });

  test('a bearer key wins over a cookie sent with it', async () => {
    const approver = await t.staff('approver');
    const partner = await t.partner('silver');
    const { cookie } = await signIn(approver.key);
    expect((await app.http('GET', '/v1/approvals', { key: partner.key, headers: { cookie } })).status).toBe(403);
  });
});

describe('the console page', () => {
  test('is served at /console with a strict CSP and cacheable hashed assets', async () => {
    const page = await app.http('GET', '/console');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.text).not.toMatch(/<script>|<style>| style=| on[a-z]+=/i);
    const script = /src="(\/console\/assets\/app-[A-Z0-9]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${app.url}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/text\/javascript/);
    expect((await app.http('GET', '/console/assets/app-NOPE.js')).status).toBe(404);
    // Client routes are the same page.
    expect((await app.http('GET', '/console/anything/else')).text).toBe(page.text);
  });
});
