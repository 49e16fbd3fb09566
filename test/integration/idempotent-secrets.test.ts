import { startTestTrellis, provisionTenant, uniqueSlug, TestTrellis } from '../support/trellis';
import { applicant, applyAndSubmit, fastRules, keyFor, publishOnboarding, waitForStatus } from './onboarding-helpers';
import { IdempotencyStore } from '../../api/middleware/idempotency';
import { idempotencyScope } from '../../api/mount';
import { open } from '../../api/middleware/reply-secrets';
import { parseTenantKey } from '../../domain/tenancy/api-key-format';

/**
 * Shown-once secrets in answers remembered for an Idempotency-Key never sit in Redis in clear:
 * sealed under the caller's credential (the same caller's replay shows them again), or, for
 * public callers, left out (the replay says the secret is not shown again).
 */
let app: TestTrellis;
let admin: string;
let slug: string;

beforeAll(async () => {
  app = await startTestTrellis({ REDIS_PREFIX: `idem-secrets-${Date.now()}` });
  const tenant = await provisionTenant(app);
  admin = tenant.adminKey;
  slug = tenant.slug;
});
afterAll(async () => {
  await app?.stop();
});

/** Every remembered Idempotency-Key record, as Redis holds it. */
async function storedRecords(): Promise<string> {
  const redis = app.running.services.conns.redis;
  const keys = await redis.keys(`${app.config.redisPrefix}:idem:*`);
  expect(keys.length).toBeGreaterThan(0);
  return (await Promise.all(keys.map((k) => redis.get(k)))).join('\n');
}

/** The secret part of a key or token (what matters if the prefix is also shown elsewhere). */
const secretPart = (value: string) => value.slice(-43);

test('POST /v1/api-keys: the key is nowhere in Redis, the same caller replays it, the record is useless without the credential', async () => {
  const body = { name: 'sealed', role: 'finance' };
  const first = await app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'secret-key-1' } });
  expect(first.status).toBe(201);
  const secret: string = first.body.key;

  const stored = await storedRecords();
  expect(stored).not.toContain(secret);
  expect(stored).not.toContain(secretPart(secret));

  const replay = await app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'secret-key-1' } });
  expect(replay.status).toBe(201);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(first.body);
  expect(replay.headers.get('location')).toBe(first.headers.get('location'));

  const { tenantId, keyId } = parseTenantKey(admin)!;
  const store = new IdempotencyStore(app.running.services.conns.redis, app.config.redisPrefix, 60);
  const recordKey = store.recordKey(idempotencyScope({ kind: 'key', tenantId, keyId, role: 'tenant-admin' }, tenantId, admin), 'secret-key-1');
  const record = JSON.parse((await app.running.services.conns.redis.get(recordKey))!);
  expect(record.reply).toBeUndefined();
  expect(typeof record.sealed).toBe('string');
  expect(open(record.sealed, secret, recordKey)).toBeUndefined();
  expect(open(record.sealed, `${admin.slice(0, -1)}${admin.endsWith('A') ? 'B' : 'A'}`, recordKey)).toBeUndefined();
  expect((open(record.sealed, admin, recordKey) as { body: { key: string } }).body.key).toBe(secret);
});

test('POST /v1/tenants and POST /v1/partner-invitations: the admin key and the invitation token are sealed too', async () => {
  const tenantBody = { name: 'Sealed Inc', slug: uniqueSlug('sealed'), isolation: 'pooled', currency: 'USD', timezone: 'UTC', locale: 'en' };
  const tenant = await app.http('POST', '/v1/tenants', { key: app.platformKey, body: tenantBody, headers: { 'idempotency-key': 'secret-tenant-1' } });
  expect([201, 202]).toContain(tenant.status);
  const invitation = await app.http('POST', '/v1/partner-invitations', { key: admin, body: { email: 'invitee@sealed.example' }, headers: { 'idempotency-key': 'secret-invite-1' } });
  expect(invitation.status).toBe(201);

  const stored = await storedRecords();
  for (const secret of [tenant.body.adminKey as string, invitation.body.token as string]) {
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secretPart(secret));
  }
  const tenantAgain = await app.http('POST', '/v1/tenants', { key: app.platformKey, body: tenantBody, headers: { 'idempotency-key': 'secret-tenant-1' } });
  expect(tenantAgain.body.adminKey).toBe(tenant.body.adminKey);
  const invitationAgain = await app.http('POST', '/v1/partner-invitations', { key: admin, body: { email: 'invitee@sealed.example' }, headers: { 'idempotency-key': 'secret-invite-1' } });
  expect(invitationAgain.body.token).toBe(invitation.body.token);
  expect(invitationAgain.body.invitation.id).toBe(invitation.body.invitation.id);
});

test('a public application: the applicant token is not stored; the replay says it is not shown again and creates nothing', async () => {
  const body = applicant();
  const first = await app.http('POST', `/v1/public/${slug}/partner-applications`, { body, headers: { 'idempotency-key': 'secret-apply-1' } });
  expect(first.status).toBe(201);
  const token: string = first.body.applicantToken;

  const stored = await storedRecords();
  expect(stored).not.toContain(token);
  expect(stored).not.toContain(secretPart(token));

  const replay = await app.http('POST', `/v1/public/${slug}/partner-applications`, { body, headers: { 'idempotency-key': 'secret-apply-1' } });
  expect(replay.status).toBe(409);
  expect(replay.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(replay.body.type).toBe('urn:trellis:problem:conflict');
  expect(replay.body.detail).toMatch(/not shown again/);
  expect(replay.text).not.toContain(token);
  expect(replay.headers.get('location')).toBe(first.headers.get('location'));

  const list = await app.http('GET', '/v1/partner-applications?limit=200', { key: admin });
  expect(list.status).toBe(200);
  expect(list.body.items.filter((a: { applicant: Record<string, string> }) => a.applicant.legalName === body.legalName)).toHaveLength(1);
});

test('an approval: the new partner key is sealed; the approver replays it, nothing is decided twice', async () => {
  await publishOnboarding(app, admin, fastRules());
  const approver = await keyFor(app, admin, 'approver');
  const { id } = await applyAndSubmit(app, slug, admin);
  const body = { decision: 'approve', reason: 'strong pipeline' };
  const approved = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approver, body, headers: { 'idempotency-key': 'secret-approve-1' } });
  expect(approved.status).toBe(200);
  const partnerKey: string = approved.body.partnerKey;
  expect(partnerKey).toMatch(/^trk_/);

  const stored = await storedRecords();
  expect(stored).not.toContain(partnerKey);
  expect(stored).not.toContain(secretPart(partnerKey));

  const replay = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approver, body, headers: { 'idempotency-key': 'secret-approve-1' } });
  expect(replay.status).toBe(200);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body.partnerKey).toBe(partnerKey);
  const application = await waitForStatus(app, admin, id, 'enablement', 30000);
  expect(application.review.decisions).toHaveLength(1);
});
