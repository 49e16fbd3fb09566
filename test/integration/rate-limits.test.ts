import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { parseTenantKey } from '../../domain/tenancy/api-key-format';

/**
 * Budgets through HTTP, with small limits. The test client connects over loopback, which
 * `trust proxy` trusts, so X-Forwarded-For names the client address as a proxy in front would.
 */
let app: TestTrellis;
let tenant: { tenantId: string; adminKey: string; slug: string };
let partnerKey: string;

const TENANT_LIMIT = 30;
const PARTY_LIMIT = 3;
const PUBLIC_LIMIT = 3;
const UNAUTHENTICATED_LIMIT = 4;

beforeAll(async () => {
  app = await startTestTrellis({
    RATE_LIMIT_PER_MINUTE: String(TENANT_LIMIT),
    PARTY_KEY_RATE_LIMIT_PER_MINUTE: String(PARTY_LIMIT),
    PUBLIC_RATE_LIMIT_PER_MINUTE: String(PUBLIC_LIMIT),
    UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: String(UNAUTHENTICATED_LIMIT),
    REDIS_PREFIX: `rate-${Date.now()}`,
  });
  tenant = await provisionTenant(app);
  const partnerId = newId('ptn');
  await inTenant(tenant.tenantId, () =>
    PartnerModel.create({ _id: partnerId, name: 'Budget Partner', email: 'p@budget.test', emailDomain: 'budget.test', country: 'US', status: 'active', tier: 'registered', tierHistory: [], goodStanding: true, payoutEligibility: { eligible: false, reasons: [] } }),
  );
  const res = await app.http('POST', '/v1/api-keys', { key: tenant.adminKey, body: { name: 'partner', role: 'partner', partyId: partnerId } });
  expect(res.status).toBe(201);
  partnerKey = res.body.key;
});
// Budgets are per clock minute: each test starts well inside one, so its burst cannot span two.
beforeEach(async () => {
  const toNextMinute = 60_000 - (Date.now() % 60_000);
  if (toNextMinute < 10_000) await new Promise((r) => setTimeout(r, toNextMinute + 100));
});

afterAll(async () => {
  await app?.stop();
});

/** Budgets are per minute: start a sequence well inside one, so it does not straddle a reset. */
async function insideOneMinute(): Promise<void> {
  const intoMinute = Date.now() % 60000;
  if (intoMinute > 45000) await new Promise((resolve) => setTimeout(resolve, 60000 - intoMinute + 200));
}

let addressCounter = 0;
const freshAddress = () => `198.51.100.${(addressCounter += 1)}`;
const from = (address: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...headers });

function expectRateLimited(res: { status: number; headers: Headers; body: any }) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe('urn:trellis:problem:rate-limited');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expect(Number(res.headers.get('ratelimit-limit'))).toBeGreaterThan(0);
}

/** A well-formed tenant key for this tenant that was never issued. */
function madeUpKey(): string {
  const { tenantId } = parseTenantKey(tenant.adminKey)!;
  const keyId = newId('key');
  return `trk_${tenantId.slice(4)}_${keyId.slice(4)}_${'x'.repeat(43)}`;
}

test('the public budget is per client address as the trusted proxy reports it (req.ip), not per socket', async () => {
  await insideOneMinute();
  const path = `/v1/public/${tenant.slug}/partner-applications/${newId('app')}`;
  const a = freshAddress();
  for (let i = 0; i < PUBLIC_LIMIT; i++) expect((await app.http('GET', path, { headers: from(a) })).status).toBe(404);
  expectRateLimited(await app.http('GET', path, { headers: from(a) }));
  // Another client behind the same proxy has its own budget.
  const other = await app.http('GET', path, { headers: from(freshAddress()) });
  expect(other.status).toBe(404);
  expect(other.headers.get('ratelimit-limit')).toBe(String(PUBLIC_LIMIT));
});

test('IPv6 clients share a budget per /64', async () => {
  await insideOneMinute();
  const path = `/v1/public/${tenant.slug}/partner-applications/${newId('app')}`;
  for (let i = 0; i < PUBLIC_LIMIT; i++) expect((await app.http('GET', path, { headers: from(`2001:db8:77:1::${i + 1}`) })).status).toBe(404);
  expectRateLimited(await app.http('GET', path, { headers: from('2001:db8:77:1:abcd::9') }));
  expect((await app.http('GET', path, { headers: from('2001:db8:77:2::1') })).status).toBe(404);
});

test('requests without a key spend the address budget before authentication', async () => {
  await insideOneMinute();
  const a = freshAddress();
  for (let i = 0; i < UNAUTHENTICATED_LIMIT; i++) expect((await app.http('GET', '/v1/settings', { headers: from(a) })).status).toBe(401);
  expectRateLimited(await app.http('GET', '/v1/settings', { headers: from(a) }));
});

test('a new made-up key each time gets no fresh budget: failed authentications count against the address', async () => {
  await insideOneMinute();
  const a = freshAddress();
  for (let i = 0; i < UNAUTHENTICATED_LIMIT; i++) expect((await app.http('GET', '/v1/settings', { key: madeUpKey(), headers: from(a) })).status).toBe(401);
  expectRateLimited(await app.http('GET', '/v1/settings', { key: madeUpKey(), headers: from(a) }));
  expectRateLimited(await app.http('GET', '/v1/settings', { key: 'not-even-a-key', headers: from(a) }));
  // The address is refused before any key is looked up; other addresses are not affected.
  expectRateLimited(await app.http('GET', '/v1/settings', { key: tenant.adminKey, headers: from(a) }));
  expect((await app.http('GET', '/v1/settings', { key: tenant.adminKey, headers: from(freshAddress()) })).status).toBe(200);
});

test('a party-bound key has its own, smaller budget and cannot spend the tenant budget', async () => {
  await insideOneMinute();
  const a = freshAddress();
  const first = await app.http('GET', '/v1/deals', { key: tenant.adminKey, headers: from(a) });
  expect(first.status).toBe(200);
  const tenantRemaining = Number(first.headers.get('ratelimit-remaining'));

  for (let i = 0; i < PARTY_LIMIT; i++) {
    const res = await app.http('GET', '/v1/deals', { key: partnerKey, headers: from(a) });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe(String(PARTY_LIMIT));
  }
  for (let i = 0; i < 5; i++) expectRateLimited(await app.http('GET', '/v1/deals', { key: partnerKey, headers: from(a) }));

  // Staff still have the tenant's budget, less only what the partner was allowed to spend.
  const staff = await app.http('GET', '/v1/deals', { key: tenant.adminKey, headers: from(a) });
  expect(staff.status).toBe(200);
  expect(Number(staff.headers.get('ratelimit-remaining'))).toBe(tenantRemaining - PARTY_LIMIT - 1);
});
