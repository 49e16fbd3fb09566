import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { payoutHold } from '../../services/onboarding/partners';
import { keyFor, apply, waitForStatus, UNLIMITED_PUBLIC } from './onboarding-helpers';
import { asTenantId } from '../../platform/tenant-id';
import { partnerStore } from '../../models/onboarding/partner-repository';

/** Partners, applications, invitations and tier reviews refuse other tenants' and other partners' ids. */
let app: TestTrellis;
let a: { tenantId: string; adminKey: string; slug: string };
let b: { tenantId: string; adminKey: string; slug: string };
let mine: string;
let theirs: string;
let partnerKey: string;

async function seedPartner(tenantId: string, name: string): Promise<string> {
  const id = newId('ptn');
  await inTenant(tenantId, () => PartnerModel.create({
    _id: id, name, email: `${name}@${name}.example`, emailDomain: `${name}.example`, country: 'US', status: 'active', tier: 'Registered',
    tierHistory: [{ tier: 'Registered', effectiveFrom: new Date(), reason: 'seeded', changedBy: 'test', source: 'seed' }],
    goodStanding: true, payoutEligibility: { eligible: false, reasons: ['tax-form not verified', 'bank-details not verified'] },
    documents: [{ kind: 'tax-form', reference: 'vault://1', submittedAt: new Date() }, { kind: 'bank-details', reference: 'vault://2', submittedAt: new Date() }],
    training: [],
  }));
  return id;
}

beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
  [a, b] = await Promise.all([provisionTenant(app), provisionTenant(app)]);
  mine = await seedPartner(a.tenantId, 'mine');
  theirs = await seedPartner(a.tenantId, 'theirs');
  partnerKey = await keyFor(app, a.adminKey, 'partner', mine);
});
let limited: TestTrellis | undefined;
afterAll(async () => {
  await limited?.stop();
  await app?.stop();
});

test('a partner key sees and acts for its own partner only', async () => {
  const list = await app.http('GET', '/v1/partners', { key: partnerKey });
  expect(list.status).toBe(200);
  expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([mine]);
  expect((await app.http('GET', `/v1/partners/${mine}`, { key: partnerKey })).status).toBe(200);
  expect((await app.http('GET', `/v1/partners/${theirs}`, { key: partnerKey })).status).toBe(404);
  expect((await app.http('POST', `/v1/partners/${theirs}/training-completions`, { key: partnerKey, body: { module: 'x' } })).status).toBe(404);
  expect((await app.http('POST', `/v1/partners/${mine}/document-verifications`, { key: partnerKey, body: { kind: 'tax-form' } })).status).toBe(403);
  for (const path of ['/v1/partner-applications', '/v1/partner-invitations', '/v1/tier-reviews']) {
    expect((await app.http('GET', path, { key: partnerKey })).status).toBe(403);
  }
  expect((await app.http('POST', '/v1/tier-reviews', { key: partnerKey })).status).toBe(403);
  const someApplication = 'app_01m8gr338hvjwse0qz60x4xs2c';
  expect((await app.http('POST', `/v1/partner-applications/${someApplication}/decisions`, { key: partnerKey, body: { decision: 'approve' } })).status).toBe(403);
});

test("another tenant's ids are not found, whatever the route", async () => {
  const { id: applicationId, token } = await apply(app, a.slug);
  await waitForStatus(app, a.adminKey, applicationId, 'awaiting-agreement');
  const invitation = (await app.http('POST', '/v1/partner-invitations', { key: a.adminKey, body: { email: 'x@y.example' } })).body.invitation.id;
  const bApprover = await keyFor(app, b.adminKey, 'approver');
  const attempts: [string, string, string, unknown?][] = [
    ['GET', `/v1/partners/${mine}`, b.adminKey],
    ['POST', `/v1/partners/${mine}/document-verifications`, b.adminKey, { kind: 'tax-form' }],
    ['POST', `/v1/partners/${mine}/training-completions`, b.adminKey, { module: 'x' }],
    ['GET', `/v1/partner-applications/${applicationId}`, b.adminKey],
    ['POST', `/v1/partner-applications/${applicationId}/decisions`, bApprover, { decision: 'reject', reason: 'no' }],
    ['GET', `/v1/partner-invitations/${invitation}`, b.adminKey],
    ['DELETE', `/v1/partner-invitations/${invitation}`, b.adminKey],
  ];
  for (const [method, path, key, body] of attempts) {
    const res = await app.http(method, path, { key, body });
    expect([method, path, res.status]).toEqual([method, path, 404]);
  }
  expect((await app.http('GET', '/v1/partners', { key: b.adminKey })).body.items).toEqual([]);
  expect((await app.http('GET', '/v1/partner-applications', { key: b.adminKey })).body.items).toEqual([]);
  // The applicant's token does not open the application through another tenant's programme.
  const viaB = await app.http('GET', `/v1/public/${b.slug}/partner-applications/${applicationId}`, { headers: { 'x-applicant-token': token } });
  expect(viaB.status).toBe(404);
  expect((await app.http('GET', `/v1/public/${a.slug}/partner-applications/${applicationId}`, { headers: { 'x-applicant-token': token } })).status).toBe(200);
  // And nothing changed in tenant A.
  expect((await app.http('GET', `/v1/partner-invitations/${invitation}`, { key: a.adminKey })).body.status).toBe('open');
  expect(await waitForStatus(app, a.adminKey, applicationId, 'awaiting-agreement')).toMatchObject({ review: expect.objectContaining({ decisions: [] }) });
});

test('wrong roles are refused and bad input changes nothing', async () => {
  const approver = await keyFor(app, a.adminKey, 'approver');
  expect((await app.http('POST', `/v1/partners/${mine}/document-verifications`, { key: approver, body: { kind: 'tax-form' } })).status).toBe(403);
  expect((await app.http('POST', '/v1/partner-invitations', { key: approver, body: { email: 'x@y.example' } })).status).toBe(403);
  expect((await app.http('GET', '/v1/partners/not-an-id', { key: a.adminKey })).status).toBe(422);
  const unknownKind = await app.http('POST', `/v1/partners/${mine}/document-verifications`, { key: a.adminKey, body: { kind: 'passport' } });
  expect(unknownKind.status).toBe(422);
  expect(unknownKind.headers.get('content-type')).toContain('application/problem+json');
  const extra = await app.http('POST', `/v1/partners/${mine}/document-verifications`, { key: a.adminKey, body: { kind: 'tax-form', $set: { verifiedAt: 1 } } });
  expect(extra.status).toBe(422);
  expect((await app.http('GET', `/v1/partners/${mine}`, { key: a.adminKey })).body.documents.every((d: { verifiedAt?: string }) => !d.verifiedAt)).toBe(true);
});

test('payouts hold a partner until its tax form and bank details are verified', async () => {
  expect(await payoutHold(asTenantId(a.tenantId), theirs)).toEqual({ hold: true, reasons: ['tax-form not verified', 'bank-details not verified'] });
  const finance = await keyFor(app, a.adminKey, 'finance');
  await app.http('POST', `/v1/partners/${theirs}/document-verifications`, { key: finance, body: { kind: 'tax-form' } });
  const twice = await app.http('POST', `/v1/partners/${theirs}/document-verifications`, { key: finance, body: { kind: 'tax-form' } });
  expect(twice.status).toBe(200);
  expect(await payoutHold(asTenantId(a.tenantId), theirs)).toEqual({ hold: true, reasons: ['bank-details not verified'] });
  await app.http('POST', `/v1/partners/${theirs}/document-verifications`, { key: a.adminKey, body: { kind: 'bank-details' } });
  expect(await payoutHold(asTenantId(a.tenantId), theirs)).toEqual({ hold: false, reasons: [] });
  const audit = await app.http('GET', `/v1/audit?entityId=${theirs}&action=partner.document-verified`, { key: a.adminKey });
  expect(audit.body.items).toHaveLength(2);
});

test('the public application endpoint is rate limited per client address', async () => {
  limited = await startTestTrellis({ PUBLIC_RATE_LIMIT_PER_MINUTE: '3' });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    statuses.push((await limited.http('POST', '/v1/public/no-such-programme/partner-applications', { body: {} })).status);
  }
  expect(statuses.at(-1)).toBe(429);
});

test('a partner outside enablement records training directly: once, audited once', async () => {
  const first = await app.http('POST', `/v1/partners/${mine}/training-completions`, { key: partnerKey, body: { module: 'advanced-selling' } });
  expect(first.status).toBe(200);
  const again = await app.http('POST', `/v1/partners/${mine}/training-completions`, { key: a.adminKey, body: { module: 'advanced-selling' } });
  expect(again.status).toBe(200);
  const stored = await inTenant(a.tenantId, () => PartnerModel.findOne({ _id: mine }).lean());
  expect(stored!.training!.filter((t) => t.module === 'advanced-selling')).toHaveLength(1);
  const audit = await app.http('GET', `/v1/audit?action=partner.training-completed&entityId=${mine}`, { key: a.adminKey });
  expect(audit.body.items).toHaveLength(1);
  expect(audit.body.items[0].data).toMatchObject({ module: 'advanced-selling' });
});

test('a partner repository reads and writes only the tenant it was obtained for', async () => {
  const ofA = partnerStore(asTenantId(a.tenantId));
  const ofB = partnerStore(asTenantId(b.tenantId));
  expect((await ofA.byId(mine))?._id).toBe(mine);
  expect(await ofB.byId(mine)).toBeNull();
  expect((await ofB.list({ limit: 50 })).map((p) => p._id)).not.toContain(mine);
  const change = { tier: 'Gold', effectiveFrom: new Date(), reason: 'test', changedBy: 'test', source: 'test:cross-tenant' };
  expect(await ofB.changeTierOnce(mine, change)).toBe(false);
  expect((await ofA.byId(mine))?.tier).toBe('Registered');
});
