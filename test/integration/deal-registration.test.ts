import { startTestTrellis, TestTrellis, waitFor } from '../support/trellis';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { DealClaimEntryModel, claimEntryId } from '../../models/deals/deal-claim';
import { keysHeldBy } from '../../services/deals/claims';
import { dealTenant, registration, dealWhen, testRules, quickStep, DealTenant } from './deal-fixtures';

let app: TestTrellis;
let t: DealTenant;
beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
});
afterAll(async () => {
  await app?.stop();
});

const count = async (key: string) => (await app.http('GET', '/v1/deals?limit=200', { key })).body.items.length;

describe('deal registration', () => {
  test('a gold partner under the threshold is auto-approved and protected; amounts are exact', async () => {
    const p = await t.partner('gold');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '40000.50', currency: 'EUR' }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/deals/${res.body.id}`);
    expect(res.body).toMatchObject({
      partnerId: p.partnerId,
      amount: { amount: '40000.50', currency: 'EUR' },
      amountInTenantCurrency: { amount: '44000.55', currency: 'USD', rate: '1.10' },
      tierAtRegistration: 'gold',
      ruleSetVersion: 2,
      holdsProtectionClaim: true,
    });
    const deal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    expect(deal.plan).toMatchObject({ rule: 'gold under 50k', action: 'auto-approve' });
    expect(deal.currentStep).toBeNull();
    expect(new Date(deal.protectedUntil).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(deal.history.map((h: { type: string }) => h.type)).toEqual(['registered', 'plan', 'auto-approved', 'protected']);
    // The workflow audits each history entry right after writing the read model.
    await waitFor(async () => {
      const audit = await app.http('GET', `/v1/audit?entityId=${deal.id}`, { key: t.adminKey });
      const actions = audit.body.items.map((e: { action: string }) => e.action);
      return ['deal.registered', 'deal.auto-approved', 'deal.protected'].every((a) => actions.includes(a));
    });
  });

  test('the tier is the one in force on the registration date, not a later one', async () => {
    const p = await t.partner('gold', { tierHistory: [{ tier: 'silver', effectiveFrom: new Date(0) }, { tier: 'gold', effectiveFrom: new Date(Date.now() + 86_400_000) }] });
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) });
    expect(res.status).toBe(201);
    expect(res.body.tierAtRegistration).toBe('silver');
    const deal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'pending-approval' && d.currentStep);
    expect(deal.plan.rule).toBe('fallback');
    expect(deal.currentStep).toMatchObject({ name: 'channel manager', role: 'approver', anyone: true });
  });

  test('a rule may reject at once (region)', async () => {
    const p = await t.partner('silver');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ customer: { name: 'Pyongyang Trading', country: 'KP' } }) });
    expect(res.status).toBe(201);
    const deal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'rejected');
    expect(deal.plan).toMatchObject({ rule: 'embargo', action: 'auto-reject', reason: 'embargoed country' });
    expect(deal.holdsProtectionClaim).toBe(false);
  });

  test('a retried registration with the same Idempotency-Key creates one deal', async () => {
    const p = await t.partner('gold');
    const body = registration({ amount: '100' });
    const headers = { 'Idempotency-Key': `reg-${Date.now()}` };
    const first = await app.http('POST', '/v1/deals', { key: p.key, body, headers });
    const again = await app.http('POST', '/v1/deals', { key: p.key, body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await count(p.key)).toBe(1);
  });

  test('bad input is refused with problem+json and creates nothing', async () => {
    const p = await t.partner('gold');
    const cases: [Record<string, unknown>, string][] = [
      [{ ...registration(), extra: 1 }, 'body.extra'],
      [registration({ amount: '10.001' }), 'body.amount'],
      [registration({ amount: '-5' }), 'body.amount'],
      [registration({ amount: 100 }), 'body.amount'],
      [registration({ currency: 'GBP' }), 'body.currency'],
      [registration({ currency: 'XYZ' }), 'body.currency'],
      [registration({ products: [] }), 'body.products'],
      [registration({ expectedCloseDate: '2027-02-30x' }), 'body.expectedCloseDate'],
      [registration({ customer: { name: '$gt', country: 'DE', domain: { $ne: 1 } } }), 'body.customer.domain'],
      [registration({ customer: { name: '!!!', country: 'DE' } }), 'body.customer.name'],
    ];
    for (const [body, field] of cases) {
      const res = await app.http('POST', '/v1/deals', { key: p.key, body });
      expect({ field, status: res.status }).toEqual({ field, status: 422 });
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.field).toBe(field);
    }
    expect(await count(p.key)).toBe(0);
  });

  test('roles: only partners register; only staff decide and read the inbox', async () => {
    const p = await t.partner('gold');
    const approver = await t.staff('approver');
    expect((await app.http('POST', '/v1/deals', { key: approver.key, body: registration() })).status).toBe(403);
    expect((await app.http('GET', '/v1/approvals', { key: p.key })).status).toBe(403);
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) });
    expect((await app.http('POST', `/v1/deals/${res.body.id}/decisions`, { key: p.key, body: { decision: 'approve' } })).status).toBe(403);
    expect((await app.http('POST', `/v1/deals/${res.body.id}/reversals`, { key: p.key, body: { kind: 'refund', amount: '1', reason: 'x' } })).status).toBe(403);
    expect((await app.http('GET', `/v1/deals/not-an-id`, { key: p.key })).status).toBe(422);
  });

  test("every endpoint refuses other partners' and other tenants' deals (404)", async () => {
    const owner = await t.partner('gold');
    const other = await t.partner('gold');
    const deal = (await app.http('POST', '/v1/deals', { key: owner.key, body: registration({ amount: '100' }) })).body;
    await dealWhen(app, owner.key, deal.id, (d) => d.status === 'protected');
    const stranger = await dealTenant(app);
    const strangerPartner = await stranger.partner('gold');
    const strangerApprover = await stranger.staff('approver');

    const partnerCalls: [string, string, unknown?][] = [
      ['GET', `/v1/deals/${deal.id}`],
      ['POST', `/v1/deals/${deal.id}/info`, { note: 'x' }],
      ['POST', `/v1/deals/${deal.id}/extension`, { reason: 'x' }],
      ['POST', `/v1/deals/${deal.id}/close`, { outcome: 'lost' }],
    ];
    for (const key of [other.key, strangerPartner.key]) {
      for (const [method, path, body] of partnerCalls) {
        const res = await app.http(method, path, { key, body });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
      expect((await app.http('GET', '/v1/deals', { key })).body.items.map((d: { id: string }) => d.id)).not.toContain(deal.id);
    }
    const staffCalls: [string, string, string, unknown?][] = [
      [strangerApprover.key, 'GET', `/v1/deals/${deal.id}`],
      [strangerApprover.key, 'POST', `/v1/deals/${deal.id}/decisions`, { decision: 'approve' }],
      [stranger.adminKey, 'POST', `/v1/deals/${deal.id}/close`, { outcome: 'lost' }],
      [stranger.adminKey, 'POST', `/v1/deals/${deal.id}/reversals`, { kind: 'refund', amount: '1', reason: 'x' }],
    ];
    for (const [key, method, path, body] of staffCalls) {
      const res = await app.http(method, path, { key, body });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    expect((await app.http('GET', '/v1/approvals', { key: strangerApprover.key })).body.items).toEqual([]);
    // The owner still sees it, untouched.
    expect((await app.http('GET', `/v1/deals/${deal.id}`, { key: owner.key })).body.status).toBe('protected');
  });

  test('lists page with a cursor; a partner lists only its own deals, staff see all', async () => {
    const p = await t.partner('gold');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) })).body.id);
    const first = await app.http('GET', '/v1/deals?limit=2', { key: p.key });
    expect(first.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const second = await app.http('GET', `/v1/deals?limit=2&cursor=${first.body.nextCursor}`, { key: p.key });
    expect(second.body.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    const all = await app.http('GET', '/v1/deals?limit=200', { key: t.adminKey });
    expect(all.body.items.length).toBeGreaterThan(3);
  });
});

describe('channel conflict', () => {
  test('the same customer spelled differently is detected and handled as the rules say (reject)', async () => {
    const a = await t.partner('gold');
    const b = await t.partner('gold');
    const first = await app.http('POST', '/v1/deals', { key: a.key, body: registration({ amount: '100', customer: { name: 'Globex Corporation', domain: 'https://www.globex.example/', country: 'US' } }) });
    await dealWhen(app, a.key, first.body.id, (d) => d.status === 'protected');
    const second = await app.http('POST', '/v1/deals', { key: b.key, body: registration({ amount: '100', customer: { name: 'GLOBEX corp.', country: 'US' } }) });
    expect(second.status).toBe(201);
    const rejected = await dealWhen(app, b.key, second.body.id, (d) => d.status === 'rejected');
    expect(rejected.conflict).toEqual({ detected: true, action: 'reject', matchedOn: ['name'] });
    expect(rejected.holdsProtectionClaim).toBe(false);
    // Staff see which deal it collided with; the partner does not.
    const staffView = await app.http('GET', `/v1/deals/${second.body.id}`, { key: t.adminKey });
    expect(staffView.body.conflict.conflictingDealIds).toEqual([first.body.id]);
    // The same partner registering the same customer again is not a channel conflict.
    const again = await app.http('POST', '/v1/deals', { key: a.key, body: registration({ amount: '200', customer: { name: 'Globex', domain: 'globex.example', country: 'US' } }) });
    expect(again.body.conflict).toBeUndefined();
  });

  test('two partners registering the same customer at the same moment: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await t.partner('gold');
      const b = await t.partner('gold');
      const customer = { name: `Initech ${round} LLC`, domain: `initech-${round}-${Date.now()}.example`, country: 'US' };
      const [ra, rb] = await Promise.all([
        app.http('POST', '/v1/deals', { key: a.key, body: registration({ amount: '100', customer }) }),
        app.http('POST', '/v1/deals', { key: b.key, body: registration({ amount: '100', customer: { ...customer, name: `INITECH ${round}` } }) }),
      ]);
      expect([ra.status, rb.status]).toEqual([201, 201]);
      const finals = await Promise.all([
        dealWhen(app, a.key, ra.body.id, (d) => d.status === 'protected' || d.status === 'rejected'),
        dealWhen(app, b.key, rb.body.id, (d) => d.status === 'protected' || d.status === 'rejected'),
      ]);
      expect(finals.map((d) => d.status).sort()).toEqual(['protected', 'rejected']);
      expect(finals.filter((d) => d.holdsProtectionClaim)).toHaveLength(1);
      expect(finals.find((d) => d.status === 'rejected').conflict.detected).toBe(true);
    }
  });

  test('routed conflicts go to a channel manager first; flagged ones proceed with a flag', async () => {
    const routed = await dealTenant(app, testRules({ conflict: { action: 'route', role: 'tenant-admin', sla: '60 seconds', onTimeout: 'reject' } }));
    const [a, b] = [await routed.partner('gold'), await routed.partner('gold')];
    const customer = { name: 'Umbrella Corp', domain: 'umbrella.example', country: 'GB' };
    const [ra, rb] = await Promise.all([
      app.http('POST', '/v1/deals', { key: a.key, body: registration({ amount: '100', customer }) }),
      app.http('POST', '/v1/deals', { key: b.key, body: registration({ amount: '100', customer }) }),
    ]);
    const deals = await Promise.all([
      dealWhen(app, routed.adminKey, ra.body.id, (d) => d.status !== 'submitted' && (d.status !== 'pending-approval' || d.currentStep)),
      dealWhen(app, routed.adminKey, rb.body.id, (d) => d.status !== 'submitted' && (d.status !== 'pending-approval' || d.currentStep)),
    ]);
    const winner = deals.find((d) => d.holdsProtectionClaim);
    const loser = deals.find((d) => !d.holdsProtectionClaim);
    expect(winner.status).toBe('protected');
    expect(loser.status).toBe('pending-approval');
    expect(loser.currentStep).toMatchObject({ name: 'channel conflict review', role: 'tenant-admin' });
    const inbox = await app.http('GET', '/v1/approvals', { key: routed.adminKey });
    expect(inbox.body.items.map((d: { id: string }) => d.id)).toEqual([loser.id]);

    const flagged = await dealTenant(app, testRules({ conflict: { action: 'flag' } }));
    const [c, d] = [await flagged.partner('gold'), await flagged.partner('gold')];
    const rc = await app.http('POST', '/v1/deals', { key: c.key, body: registration({ amount: '100', customer }) });
    const rd = await app.http('POST', '/v1/deals', { key: d.key, body: registration({ amount: '100', customer }) });
    const flaggedDeal = await dealWhen(app, d.key, rd.body.id, (x) => x.status === 'protected');
    expect(flaggedDeal.conflict).toMatchObject({ detected: true, action: 'flag' });
    expect(flaggedDeal.plan.notes).toEqual(['channel conflict: allowed with a flag']);
    expect(flaggedDeal.holdsProtectionClaim).toBe(false);
    expect((await dealWhen(app, c.key, rc.body.id, (x) => x.status === 'protected')).holdsProtectionClaim).toBe(true);
  });

  test('a claim left behind by a deal that protects nothing any more does not block the customer', async () => {
    const p = await t.partner('gold');
    const customer = { name: 'Stark Industries', domain: 'stark.example', country: 'US' };
    // As if a process had died between ending its deal and releasing the claim.
    const ghost = newId('deal');
    await inTenant(t.tenantId, () => DealClaimEntryModel.create({ _id: claimEntryId(t.tenantId, 'domain:stark.example', 1), customerKey: 'domain:stark.example', seq: 1, partnerId: newId('ptn'), dealIds: [ghost], change: 'take', byDealId: ghost, at: new Date() }));
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100', customer }) });
    const deal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    expect(deal.conflict).toBeUndefined();
    expect(deal.holdsProtectionClaim).toBe(true);
    expect(await keysHeldBy(t.tenantId, deal.id)).toEqual(['domain:stark.example', 'name:US:stark industries']);
    expect(await keysHeldBy(t.tenantId, ghost)).toEqual([]);
  });

  test('when the protecting deal ends, the customer is free again', async () => {
    const a = await t.partner('gold');
    const b = await t.partner('gold');
    const customer = { name: 'Hooli', domain: 'hooli.example', country: 'US' };
    const first = await app.http('POST', '/v1/deals', { key: a.key, body: registration({ amount: '100', customer }) });
    await dealWhen(app, a.key, first.body.id, (d) => d.status === 'protected');
    const closed = await app.http('POST', `/v1/deals/${first.body.id}/close`, { key: a.key, body: { outcome: 'lost', reason: 'went with a competitor' } });
    expect(closed.status).toBe(200);
    await dealWhen(app, a.key, first.body.id, (d) => d.status === 'closed' && !d.holdsProtectionClaim);
    const second = await app.http('POST', '/v1/deals', { key: b.key, body: registration({ amount: '100', customer }) });
    const deal = await dealWhen(app, b.key, second.body.id, (d) => d.status === 'protected');
    expect(deal.conflict).toBeUndefined();
    expect(deal.holdsProtectionClaim).toBe(true);
  });
});

describe('dry run', () => {
  test('shows the chain a hypothetical deal would get, for the rules in force or a draft', async () => {
    const inForce = await app.http('POST', '/v1/rule-sets/deal-approval/dry-run', {
      key: t.adminKey,
      body: { input: { tier: 'silver', amount: '100000', currency: 'EUR', tenantCurrency: 'USD', country: 'DE', products: ['suite'] } },
    });
    expect(inForce.status).toBe(200);
    expect(inForce.body.version).toBe(2);
    expect(inForce.body.result).toMatchObject({ rule: 'fallback', action: 'review', amountInTenantCurrency: '110000.00', rate: '1.10' });
    expect(inForce.body.result.steps.map((s: { name: string; slaMs: number }) => [s.name, s.slaMs])).toEqual([['channel manager', 60000], ['sales director', 60000]]);

    const draft = testRules({ rules: [{ name: 'everything over 1000 needs all approvers', when: { minAmount: '1000' }, action: 'review', steps: [quickStep({ mode: 'all' }) as never] }] });
    const tried = await app.http('POST', '/v1/rule-sets/deal-approval/dry-run', { key: t.adminKey, body: { definition: draft, input: { tier: 'gold', amount: '5000', currency: 'USD', country: 'US', conflict: true } } });
    expect(tried.body.version).toBeNull();
    expect(tried.body.result).toMatchObject({ action: 'auto-reject', notes: ['channel conflict: rejected by the rules'] });

    const invalid = await app.http('POST', '/v1/rule-sets/deal-approval/dry-run', { key: t.adminKey, body: { definition: { ...draft, conflict: { action: 'route' } }, input: { tier: 'gold', amount: '1', currency: 'USD', country: 'US' } } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.field).toBe('body.definition.conflict.role');
    // Nothing was published by trying.
    expect((await app.http('GET', '/v1/rule-sets/deal-approval', { key: t.adminKey })).body.inForceVersion).toBe(2);
  });
});
