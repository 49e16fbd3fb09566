import { startTestTrellis, TestTrellis } from '../support/trellis';
import { currentTenantId, inTenant } from '../../platform/tenant-context';
import { newId, OperationIds } from '../../platform/ids';
import { DomainError } from '../../domain/errors';
import { DealModel } from '../../models/deals/deal';
import { DealService, reapStaleDeals } from '../../services/deals/deals';
import { holderIsLive, keysHeldBy } from '../../services/deals/claims';
import { dealTenant, registration, DealTenant } from './deal-fixtures';

/**
 * The deal use cases scope themselves: called directly, with no tenant scope around them (the API
 * sets none for them either), each reads and writes only the tenant it is given, and another
 * tenant's deal id is simply not found. A repository call that lost its tenant would throw here.
 */
let app: TestTrellis;
let a: DealTenant;
let b: DealTenant;

beforeAll(async () => {
  app = await startTestTrellis();
  [a, b] = [await dealTenant(app), await dealTenant(app)];
});
afterAll(async () => {
  await app?.stop();
});

const partnerActor = (p: { keyId: string; partnerId: string }) => ({ keyId: p.keyId, role: 'partner' as const, partyId: p.partnerId });
const refusedAs = async (work: Promise<unknown>): Promise<string> => {
  const err = await work.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err.kind;
};

describe('deal use cases called outside any tenant scope', () => {
  test("each tenant's register, get, list, decide, reverse and claims see only that tenant", async () => {
    expect(currentTenantId()).toBeUndefined();
    const deals = new DealService(app.running.services);
    const [pa, pb] = [await a.partner('gold'), await b.partner('gold')];
    const [sa, sb] = [await a.staff('tenant-admin'), await b.staff('tenant-admin')];
    const [adminA, adminB] = [{ keyId: sa.keyId, role: 'tenant-admin' }, { keyId: sb.keyId, role: 'tenant-admin' }];

    const dealA = await deals.register(a.tenantId, partnerActor(pa), registration({ amount: '100' }), new OperationIds(`scope-a-${Date.now()}`));
    const dealB = await deals.register(b.tenantId, partnerActor(pb), registration({ amount: '100' }), new OperationIds(`scope-b-${Date.now()}`));
    expect([dealA.tenantId, dealB.tenantId]).toEqual([a.tenantId, b.tenantId]);
    expect([dealA.status, dealB.status]).toEqual(['protected', 'protected']);

    expect((await deals.get(a.tenantId, adminA, dealA._id))._id).toBe(dealA._id);
    expect(await refusedAs(deals.get(a.tenantId, adminA, dealB._id))).toBe('not-found');
    expect(await refusedAs(deals.get(b.tenantId, adminB, dealA._id))).toBe('not-found');

    const listed = await deals.list(a.tenantId, adminA, { limit: 200 });
    expect(listed.items.map((d) => d._id)).toContain(dealA._id);
    expect(listed.items.map((d) => d._id)).not.toContain(dealB._id);
    expect(new Set(listed.items.map((d) => d.tenantId))).toEqual(new Set([a.tenantId]));

    // A change addressed to another tenant's deal finds nothing to change.
    expect(await refusedAs(deals.decide(a.tenantId, adminA, dealB._id, { decision: 'approve' }))).toBe('not-found');
    expect(await refusedAs(deals.close(a.tenantId, adminA, dealB._id, { outcome: 'lost' }))).toBe('not-found');
    expect(await refusedAs(deals.reverse(a.tenantId, adminA, dealB._id, { kind: 'refund', amount: '1', reason: 'x' }))).toBe('not-found');
    expect((await deals.get(b.tenantId, adminB, dealB._id)).status).toBe('protected');

    // Claims are per tenant too: B's deal holds its keys in B and nothing in A.
    expect((await keysHeldBy(b.tenantId, dealB._id)).length).toBeGreaterThan(0);
    expect(await keysHeldBy(a.tenantId, dealB._id)).toEqual([]);
    expect(await holderIsLive(b.tenantId, dealB._id, { isLive: async () => false })).toBe(true);
    expect(await holderIsLive(a.tenantId, dealB._id, { isLive: async () => false })).toBe(false);
    expect(currentTenantId()).toBeUndefined();
  });

  test("the stale-deal reaper of one tenant leaves another tenant's orphan alone", async () => {
    const orphan = newId('deal');
    await inTenant(b.tenantId, () =>
      DealModel.create({
        _id: orphan, partnerId: newId('ptn'), registeredBy: newId('key'), customer: { name: 'Orphan', country: 'DE' },
        customerKeys: [], amountMinor: 100, currency: 'USD', amountTenantMinor: 100, tenantCurrency: 'USD', fxRate: '1',
        products: ['suite'], expectedCloseDate: new Date('2027-01-01'), tierAtRegistration: 'gold', ruleSetVersion: 2, status: 'submitted',
        history: [{ at: new Date().toISOString(), type: 'registered' }],
      }),
    );
    const later = new Date(Date.now() + 60 * 60_000);
    expect((await reapStaleDeals(app.running.services, a.tenantId, 0, { now: later })).reaped).not.toContain(orphan);
    expect((await inTenant(b.tenantId, () => DealModel.findOne({ _id: orphan }).lean()))?.status).toBe('submitted');
    expect((await reapStaleDeals(app.running.services, b.tenantId, 0, { now: later })).reaped).toContain(orphan);
  });
});
