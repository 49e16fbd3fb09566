import { startTestTrellis, TestTrellis } from '../support/trellis';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import { DealModel } from '../../models/deals/deal';
import { DealClaimEntryModel } from '../../models/deals/deal-claim';
import { claimCustomer, keysHeldBy } from '../../services/deals/claims';
import { AuditOutboxModel } from '../../models/tenancy/audit-outbox';
import { reapStaleDeals } from '../../services/deals/deals';
import { relayOutbox, stageAudit, withAudit } from '../../services/tenancy/outbox';
import { dealTenant, registration, dealWhen, DealTenant } from './deal-fixtures';
import { dealWorkflow } from '../../domain/workflow-ids';

/** What a crash leaves half-done is closed by the reaper and the outbox relay, against the real store. */
let app: TestTrellis;
let t: DealTenant;

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
});
afterAll(async () => {
  await app?.stop();
});

const eventsOf = (filter: Record<string, unknown>) => inTenant(t.tenantId, () => AuditEventModel.find(filter).lean());

/** A deal as the old registration left it when the API died between its insert and the workflow start. */
async function orphan(partnerId: string): Promise<string> {
  const dealId = newId('deal');
  const customerKey = `domain:orphan-${dealId}.example`;
  await inTenant(t.tenantId, async () => {
    await DealModel.create({
      _id: dealId, partnerId, registeredBy: newId('key'), customer: { name: 'Orphan', domain: `orphan-${dealId}.example`, country: 'DE' },
      customerKeys: [customerKey], amountMinor: 100, currency: 'USD', amountTenantMinor: 100, tenantCurrency: 'USD', fxRate: '1',
      products: ['suite'], expectedCloseDate: new Date('2027-01-01'), tierAtRegistration: 'gold', ruleSetVersion: 2, status: 'submitted',
      claimHeld: true, history: [{ at: new Date().toISOString(), type: 'registered' }],
    });
  });
  expect((await claimCustomer(t.tenantId, dealId, partnerId, [customerKey])).held).toBe(true);
  return dealId;
}

describe('reapStaleDeals', () => {
  test('a submitted deal with no workflow is abandoned, its claim released, audited once; a live one is left alone', async () => {
    const p = await t.partner('silver');
    const stale = await orphan(p.partnerId);
    const live = (await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) })).body.id;
    await dealWhen(app, p.key, live, (d) => d.currentStep);
    // Far enough ahead that the live deal's step deadline has "passed": only its running workflow saves it.
    const later = new Date(Date.now() + 10 * 60_000);
    const first = await reapStaleDeals(app.running.services, t.tenantId, 0, { now: later });
    expect(first.reaped).toEqual([stale]);
    expect(first.checked).toBeGreaterThanOrEqual(2);
    const deal = (await inTenant(t.tenantId, () => DealModel.findOne({ _id: stale }).lean()))!;
    expect(deal).toMatchObject({ status: 'abandoned', claimHeld: false });
    expect(deal.history.map((h) => h.type)).toEqual(['registered', 'abandoned']);
    expect(await keysHeldBy(t.tenantId, stale)).toEqual([]);
    expect((await app.http('GET', `/v1/deals/${live}`, { key: p.key })).body.status).toBe('pending-approval');
    // Running it again changes nothing and records nothing twice.
    expect((await reapStaleDeals(app.running.services, t.tenantId, 0, { now: later })).reaped).toEqual([]);
    expect(await eventsOf({ action: 'deal.abandoned', 'entity.id': stale })).toHaveLength(1);
    const view = await app.http('GET', `/v1/deals/${stale}`, { key: p.key });
    expect(view.body.status).toBe('abandoned');
    expect((await app.http('POST', `/v1/deals/${stale}/close`, { key: p.key, body: { outcome: 'lost' } })).status).toBe(409);
  });

  test('an open deal behind a terminated workflow is abandoned and frees its customer', async () => {
    const p = await t.partner('silver');
    const id = (await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) })).body.id;
    await dealWhen(app, p.key, id, (d) => d.currentStep);
    await app.running.services.workflows.handle(t.tenant, dealWorkflow, id).terminate('history limit');
    expect((await reapStaleDeals(app.running.services, t.tenantId, 60 * 60_000)).reaped).not.toContain(id);
    const reaped = await reapStaleDeals(app.running.services, t.tenantId, 0, { now: new Date(Date.now() + 10 * 60_000) });
    expect(reaped.reaped).toContain(id);
    const view = (await app.http('GET', `/v1/deals/${id}`, { key: p.key })).body;
    expect(view).toMatchObject({ status: 'abandoned', holdsProtectionClaim: false, currentStep: null });
    expect(view.history.at(-1).detail).toMatch(/terminated/);
    expect(await keysHeldBy(t.tenantId, id)).toEqual([]);
    expect((await app.http('GET', '/v1/audit/verify', { key: t.adminKey })).body.valid).toBe(true);
  });
});

describe('the audit outbox', () => {
  const settingsLike = (suffix: string) => ({
    actor: { type: 'system' as const, id: 'test' },
    action: 'test.effect',
    entity: { type: 'claim', id: suffix },
    data: { suffix },
    eventKey: `test.effect:${suffix}`,
  });

  test('an effect committed and then the audit append failing leaves an entry the relay turns into exactly one event', async () => {
    const claimId = newId('dcl');
    const event = settingsLike(claimId);
    await expect(withAudit(app.running.services, t.tenantId, event, { model: 'DealClaimEntry', filter: { _id: claimId } }, async () => {
      await inTenant(t.tenantId, () => DealClaimEntryModel.create({ _id: claimId, customerKey: `domain:${claimId}.example`, seq: 1, partnerId: newId('ptn'), dealIds: [], change: 'take', byDealId: newId('deal'), at: new Date() }));
      throw new Error('crashed after the commit');
    })).rejects.toThrow('crashed after the commit');
    expect(await eventsOf({ eventKey: event.eventKey })).toHaveLength(0);
    // Within its lease the entry is left to the request that staged it.
    expect((await relayOutbox(app.running.services, t.tenantId)).appended).toBe(0);
    const relayed = await relayOutbox(app.running.services, t.tenantId, { leaseMs: 0 });
    expect(relayed.appended).toBe(1);
    expect((await relayOutbox(app.running.services, t.tenantId, { leaseMs: 0 })).appended).toBe(0);
    const found = await eventsOf({ eventKey: event.eventKey });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ action: 'test.effect', entity: { type: 'claim', id: claimId } });
    expect(await inTenant(t.tenantId, () => AuditOutboxModel.countDocuments({ eventKey: event.eventKey }))).toBe(0);
    expect((await app.http('GET', '/v1/audit/verify', { key: t.adminKey })).body.valid).toBe(true);
  });

  test('an entry whose effect never happened waits out the grace period, then is dropped with no event', async () => {
    const claimId = newId('dcl');
    const event = settingsLike(claimId);
    await stageAudit(t.tenantId, event, { model: 'DealClaimEntry', filter: { _id: claimId } });
    expect(await relayOutbox(app.running.services, t.tenantId, { leaseMs: 0 })).toMatchObject({ appended: 0, dropped: 0, waiting: 1 });
    expect(await relayOutbox(app.running.services, t.tenantId, { leaseMs: 0, graceMs: 0 })).toMatchObject({ appended: 0, dropped: 1 });
    expect(await inTenant(t.tenantId, () => AuditOutboxModel.countDocuments({ eventKey: event.eventKey }))).toBe(0);
    expect(await eventsOf({ eventKey: event.eventKey })).toHaveLength(0);
  });

  test("a tenant's relay never sees another tenant's entries", async () => {
    const other = await dealTenant(app);
    const claimId = newId('dcl');
    await stageAudit(other.tenantId, settingsLike(claimId), { model: 'Tenant', filter: { status: 'active' } });
    expect((await relayOutbox(app.running.services, t.tenantId, { leaseMs: 0 })).appended).toBe(0);
    expect((await relayOutbox(app.running.services, other.tenantId, { leaseMs: 0 })).appended).toBe(1);
    expect(await inTenant(other.tenantId, () => AuditEventModel.countDocuments({ eventKey: `test.effect:${claimId}` }))).toBe(1);
  });

  test('a rule-set publication retried with the same id is one version', async () => {
    const id = newId('rs');
    const ruleSets = app.running.services.ruleSets;
    const current = (await ruleSets.inForce(t.tenantId, 'deal-approval'))!;
    const input = { definition: current.definition, note: 'retried', publishedBy: 'test', id };
    const first = await ruleSets.publish(t.tenantId, 'deal-approval', input);
    const again = await ruleSets.publish(t.tenantId, 'deal-approval', input);
    expect(again.version).toBe(first.version);
    expect((await ruleSets.versions(t.tenantId, 'deal-approval')).filter((v) => v.note === 'retried')).toHaveLength(1);
  });
});
