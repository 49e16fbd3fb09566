import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { AREAS } from '../../areas';
import { routesOf } from '../../areas/compose';
import { TENANT_ROLES, TenantRole } from '../../models/tenancy/api-key';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import type { TenantId } from '../../platform/tenant-id';

/**
 * Every declared route refuses callers without a key (401) and keys of roles it does not list
 * (403), so a new route cannot forget its access rule. Keys work only for their own tenant.
 */
let app: TestTrellis;
let tenantId: TenantId;
const keys = {} as Record<TenantRole, string>;

beforeAll(async () => {
  // One keyless request per guarded route: with the run's other files on the same address, the
  // default unauthenticated budget (120/min) would turn this test's 401s into 429s.
  app = await startTestTrellis({ UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '100000' });
  const tenant = await provisionTenant(app);
  tenantId = tenant.tenantId;
  keys['tenant-admin'] = tenant.adminKey;
  const partnerId = newId('ptn');
  await inTenant(tenantId, () =>
    PartnerModel.create({ _id: partnerId, name: 'Acme Partner', email: 'p@acme.test', emailDomain: 'acme.test', country: 'US', status: 'active', tier: 'registered', tierHistory: [], goodStanding: true, payoutEligibility: { eligible: false, reasons: [] } }),
  );
  for (const role of TENANT_ROLES.filter((r) => r !== 'tenant-admin')) {
    if (role === 'supplier' || role === 'manufacturer') {
      // Trading parties do not exist yet, so the API refuses these keys; store them directly.
      keys[role] = (await app.running.services.apiKeys.create(tenantId, { name: `${role} key`, role, partyId: newId('tp'), createdBy: 'test' })).plaintext;
      continue;
    }
    const partyId = role === 'partner' ? partnerId : undefined;
    const res = await app.http('POST', '/v1/api-keys', { key: keys['tenant-admin'], body: { name: `${role} key`, role, ...(partyId ? { partyId } : {}) } });
    expect(res.status).toBe(201);
    keys[role] = res.body.key;
  }
});
afterAll(async () => {
  await app?.stop();
});

const concretePath = (path: string) => path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'kind' ? 'onboarding' : `x${name}`));

const guarded = routesOf(AREAS).filter((r) => r.access !== 'public' && r.access !== 'anyone');

test.each(guarded.map((r) => [r.method.toUpperCase(), r.path] as const))('%s %s without a key is 401 problem+json', async (method, path) => {
  const res = await app.http(method, concretePath(path));
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(res.body.type).toBe('urn:trellis:problem:unauthenticated');
});

const refusals = guarded.flatMap((r) => {
  const allowed = r.access === 'platform' ? [] : (r.access as readonly string[]);
  return TENANT_ROLES.filter((role) => !allowed.includes(role)).map((role) => [r.method.toUpperCase(), r.path, role] as const);
});

test.each(refusals)('%s %s refuses a %s key with 403', async (method, path, role) => {
  const res = await app.http(method, concretePath(path), { key: keys[role], body: method === 'GET' || method === 'DELETE' ? undefined : {} });
  expect(res.status).toBe(403);
  expect(res.body.type).toBe('urn:trellis:problem:forbidden');
});

const tenantRoutes = guarded.filter((r) => r.access !== 'platform');
test.each(tenantRoutes.map((r) => [r.method.toUpperCase(), r.path] as const))('%s %s refuses the platform key with 403', async (method, path) => {
  const res = await app.http(method, concretePath(path), { key: app.platformKey, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
  expect(res.status).toBe(403);
});

test('a malformed, unknown or revoked key is 401', async () => {
  expect((await app.http('GET', '/v1/settings', { key: 'nonsense' })).status).toBe(401);
  expect((await app.http('GET', '/v1/settings', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  const forged = keys['tenant-admin'].slice(0, -4) + 'AAAA';
  expect((await app.http('GET', '/v1/settings', { key: forged })).status).toBe(401);
  const created = await app.http('POST', '/v1/api-keys', { key: keys['tenant-admin'], body: { name: 'temp', role: 'approver' } });
  expect((await app.http('GET', '/v1/settings', { key: created.body.key })).status).toBe(200);
  expect((await app.http('DELETE', `/v1/api-keys/${created.body.apiKey.id}`, { key: keys['tenant-admin'] })).status).toBe(200);
  expect((await app.http('GET', '/v1/settings', { key: created.body.key })).status).toBe(401);
});

test('a wrong platform key is 401', async () => {
  expect((await app.http('GET', '/v1/tenants', { key: `trp_${'x'.repeat(43)}` })).status).toBe(401);
  expect((await app.http('GET', '/v1/tenants', { key: app.platformKey })).status).toBe(200);
});
