import { startTestTrellis, provisionTenant, waitFor, TestTrellis } from '../support/trellis';
import { asTenantId } from '../../platform/tenant-id';
import { dealTenant, registration, decide, dealWhen, DealTenant } from './deal-fixtures';
import { supplyTenant, orderBody, place, SupplyTenant } from './supply-fixtures';
import { fastRules, publishOnboarding, keyFor, applyAndSubmit, UNLIMITED_PUBLIC } from './onboarding-helpers';
import { Receiver, verified } from './webhook-receiver';

/**
 * Onboarding, deal, supply and payout events reach webhooks by one mechanism (the audit chain),
 * against the real stack: a vendor's `deal.approved` when a deal is approved through the API, an
 * onboarding's approval and activation, a supplier's own orders and only those, and a payout-run
 * event. Every delivery is verified with the `standardwebhooks` verifier.
 */
let app: TestTrellis;
let deals: DealTenant;
let supply: SupplyTenant;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  app = await startTestTrellis({ ...UNLIMITED_PUBLIC, WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RELAY_INTERVAL_MS: '200', WEBHOOK_TIMEOUT_MS: '5000' });
  deals = await dealTenant(app);
  supply = await supplyTenant(app);
});
afterAll(async () => {
  await app?.stop();
  await receiver.stop();
});

const subscribe = async (key: string, path: string, eventTypes: string[]) => {
  const res = await app.http('POST', '/v1/webhook-endpoints', { key, body: { url: `${receiver.base}${path}`, eventTypes } });
  expect([res.status, res.text]).toEqual([201, expect.any(String)]);
  return { id: res.body.endpoint.id as string, secret: res.body.secret as string };
};

/** The messages `path` received, verified with the endpoint's secret. */
const messagesAt = (path: string, secret: string) => receiver.at(path).map((r) => verified(secret, r));

describe('the catalogue of event types', () => {
  test('lists the families and types, the payout ones included; filters must name them', async () => {
    const res = await app.http('GET', '/v1/webhook-event-types', { key: deals.adminKey });
    expect(res.status).toBe(200);
    const types = (res.body.families as { family: string; types: string[] }[]).flatMap((f) => f.types);
    expect(types).toEqual(expect.arrayContaining([
      'deal.approved', 'deal.protected', 'partner-application.approved', 'partner.activated', 'purchase-order.created',
      'payout-run.awaiting-approval', 'payout-run.approved', 'payout-run.paid',
    ]));
    const partnerView = await app.http('GET', '/v1/webhook-event-types', { key: (await deals.partner()).key });
    expect(partnerView.body).toEqual(res.body);
    expect((await app.http('GET', '/v1/webhook-event-types', { key: (await deals.staff('finance')).key })).status).toBe(403);
    expect((await app.http('GET', '/v1/webhook-event-types')).status).toBe(401);

    for (const [filter, why] of [['deal.aproved', /not a deal event type.*deal\.approved/], ['dael.*', /no known event family/], ['invoice.paid', /not a known event type/]] as const) {
      const refused = await app.http('POST', '/v1/webhook-endpoints', { key: deals.adminKey, body: { url: `${receiver.base}/never`, eventTypes: ['deal.protected', filter] } });
      expect([filter, refused.status, refused.body.field]).toEqual([filter, 422, 'body.eventTypes.1']);
      expect(refused.body.detail).toMatch(why);
    }
    const listed = await app.http('GET', '/v1/webhook-endpoints?limit=200', { key: deals.adminKey });
    expect(listed.body.items.filter((e: { url: string }) => e.url.endsWith('/never'))).toEqual([]);
    for (const ok of [['deal.*'], ['payout-run.*'], ['*'], ['payout-run.paid', 'partner.activated']]) await subscribe(deals.adminKey, '/accepted', ok);
  });
});

describe('deal events', () => {
  test("a vendor's deal.approved arrives signed when the approval chain approves a deal; the partner's own endpoint gets it, another partner's not", async () => {
    const vendor = await subscribe(deals.adminKey, '/vendor-deals', ['deal.approved']);
    const p = await deals.partner('gold');
    const other = await deals.partner('gold');
    const mine = await subscribe(p.key, `/partner-deals-${p.partnerId}`, ['deal.approved']);
    const theirs = await subscribe(other.key, `/partner-deals-${other.partnerId}`, ['deal.approved']);
    // Over the auto-approval limit: the two-step review (approver, then tenant admin) decides.
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '90000.00' }) });
    expect(res.status).toBe(201);
    const dealId = res.body.id as string;
    const approver = await deals.staff('approver');
    await dealWhen(app, p.key, dealId, (d) => d.currentStep?.name === 'channel manager');
    expect((await decide(app, approver.key, dealId, 'approve')).status).toBe(200);
    await dealWhen(app, p.key, dealId, (d) => d.currentStep?.name === 'sales director');
    expect(messagesAt('/vendor-deals', vendor.secret)).toEqual([]);
    expect((await decide(app, deals.adminKey, dealId, 'approve')).status).toBe(200);

    await waitFor(async () => receiver.at('/vendor-deals').length === 1 && receiver.at(`/partner-deals-${p.partnerId}`).length === 1, 30000);
    const [approved] = messagesAt('/vendor-deals', vendor.secret);
    expect(approved).toMatchObject({ type: 'deal.approved', data: { entity: { type: 'deal', id: dealId }, details: { partnerId: p.partnerId, status: 'protected' } } });
    expect(messagesAt(`/partner-deals-${p.partnerId}`, mine.secret)[0].data.entity.id).toBe(dealId);
    // The other partner's endpoint, on the same relay passes, got nothing.
    expect(receiver.at(`/partner-deals-${other.partnerId}`)).toHaveLength(0);
    const theirDeliveries = await app.http('GET', `/v1/webhook-deliveries?endpointId=${theirs.id}`, { key: other.key });
    expect(theirDeliveries.body.items).toEqual([]);
    // An auto-approved deal is approved too (by the rules), with the same event.
    const auto = await app.http('POST', '/v1/deals', { key: p.key, body: registration() });
    await waitFor(async () => messagesAt('/vendor-deals', vendor.secret).some((m) => m.data.entity.id === auto.body.id));
  });
});

describe('onboarding events', () => {
  test("an application's approval and the partner's activation reach the vendor, signed", async () => {
    const tenant = await provisionTenant(app);
    await publishOnboarding(app, tenant.adminKey, fastRules());
    const vendor = await subscribe(tenant.adminKey, '/onboarding', ['partner-application.approved', 'partner.activated']);
    const { id } = await applyAndSubmit(app, tenant.slug, tenant.adminKey);
    const approverKey = await keyFor(app, tenant.adminKey, 'approver');
    const approved = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approverKey, body: { decision: 'approve', reason: 'strong pipeline' } });
    expect(approved.status).toBe(200);
    const partnerId = approved.body.partnerId as string;

    await waitFor(async () => receiver.at('/onboarding').length === 2, 30000);
    const messages = messagesAt('/onboarding', vendor.secret);
    expect(messages.map((m) => m.type).sort()).toEqual(['partner-application.approved', 'partner.activated']);
    expect(messages.find((m) => m.type === 'partner-application.approved')!.data.entity.id).toBe(id);
    expect(messages.find((m) => m.type === 'partner.activated')!.data.entity).toEqual({ type: 'partner', id: partnerId });

    // The new partner's own endpoint receives its partner's events (a finance verification).
    const partnerEndpoint = await subscribe(approved.body.partnerKey as string, `/onboarded-${partnerId}`, ['partner.*']);
    const financeKey = await keyFor(app, tenant.adminKey, 'finance');
    expect((await app.http('POST', `/v1/partners/${partnerId}/document-verifications`, { key: financeKey, body: { kind: 'tax-form' } })).status).toBe(200);
    await waitFor(async () => receiver.at(`/onboarded-${partnerId}`).length === 1);
    expect(messagesAt(`/onboarded-${partnerId}`, partnerEndpoint.secret)[0]).toMatchObject({ type: 'partner.document-verified', data: { entity: { id: partnerId } } });
  });
});

describe('supply events and party scoping', () => {
  test("a supplier's endpoint receives its own orders' events only; the manufacturer its own", async () => {
    const maker = await supply.party('manufacturer');
    const s1 = await supply.party('supplier');
    const s2 = await supply.party('supplier');
    const e1 = await subscribe(s1.key, `/supplier-${s1.partyId}`, ['purchase-order.*']);
    const e2 = await subscribe(s2.key, `/supplier-${s2.partyId}`, ['purchase-order.*']);
    const em = await subscribe(maker.key, `/maker-${maker.partyId}`, ['purchase-order.created']);

    const toS1 = await place(app, maker.key, orderBody(s1.partyId, [{ sku: 'BOLT-1', quantity: 10, unitPrice: '1.25' }]));
    await waitFor(async () => receiver.at(`/supplier-${s1.partyId}`).length >= 1 && receiver.at(`/maker-${maker.partyId}`).length >= 1, 30000);
    const created = messagesAt(`/supplier-${s1.partyId}`, e1.secret).find((m) => m.type === 'purchase-order.created')!;
    expect(created.data).toMatchObject({ entity: { type: 'purchase-order', id: toS1.id }, details: { supplierId: s1.partyId, manufacturerId: maker.partyId } });
    expect(messagesAt(`/maker-${maker.partyId}`, em.secret)[0].data.entity.id).toBe(toS1.id);

    // S2's first order arrives at S2: by then the relay has passed S1's events, and S2 got none of them.
    const toS2 = await place(app, maker.key, orderBody(s2.partyId, [{ sku: 'NUT-1', quantity: 5, unitPrice: '0.10' }]));
    await waitFor(async () => receiver.at(`/supplier-${s2.partyId}`).length >= 1, 30000);
    const s2Orders = new Set(messagesAt(`/supplier-${s2.partyId}`, e2.secret).map((m) => m.data.entity.id));
    expect([...s2Orders]).toEqual([toS2.id]);
    expect(new Set(messagesAt(`/supplier-${s1.partyId}`, e1.secret).map((m) => m.data.entity.id))).toEqual(new Set([toS1.id]));
    // Nor does S2 see S1's deliveries.
    const s2Deliveries = await app.http('GET', '/v1/webhook-deliveries?limit=200', { key: s2.key });
    expect(s2Deliveries.body.items.every((d: { endpointId: string }) => d.endpointId === e2.id)).toBe(true);
  });
});

describe('payout events', () => {
  test('an event of a known family is delivered, even one the catalogue does not list yet', async () => {
    const finance = await subscribe(supply.adminKey, '/payouts', ['payout-run.*']);
    const audit = app.running.services.audit;
    const tenantId = asTenantId(supply.tenantId);
    const runId = `run-${Date.now()}`;
    // Recorded the way the payout area records its run's steps: an audit event (services/tenancy/audit.ts).
    for (const action of ['payout-run.awaiting-approval', 'payout-run.paid', 'payout-run.disputed']) {
      await audit.record(tenantId, { actor: { type: 'system', id: 'payout-run' }, action, entity: { type: 'payout-run', id: runId }, data: { totalMinor: 120000, currency: 'EUR' }, eventKey: `${action}:${runId}` });
    }
    await waitFor(async () => receiver.at('/payouts').length === 3);
    expect(messagesAt('/payouts', finance.secret).map((m) => m.type).sort()).toEqual(['payout-run.awaiting-approval', 'payout-run.disputed', 'payout-run.paid']);
  });
});
