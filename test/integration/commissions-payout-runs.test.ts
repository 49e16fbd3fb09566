import { startTestTrellis, waitFor, TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, DealTenant } from './deal-fixtures';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { DealReversalModel } from '../../models/deals/deal-reversal';
import { newId } from '../../platform/ids';
import { executeRun } from '../../services/commissions/payout-execution';
import { storedSnapshotHash } from '../../services/commissions/payout-snapshot';
import { payoutStore } from '../../models/commissions/payout-repository';
import { PayoutChunkTotalsModel } from '../../models/commissions/payout-chunk-totals';
import { snapshotChunkId } from '../../models/commissions/payout-snapshot';
import { statementTotalsOfRun } from '../../services/commissions/run-totals';
import { payoutRunWorkflow } from '../../domain/workflow-ids';
import { keepHistory } from '../support/histories';

/**
 * Payout runs on the real stack: one run per period whatever the concurrency, a frozen and hashed
 * snapshot, holds with their reasons, maker-checker approval, exactly one payment instruction per
 * payable partner and a balanced ledger; partners see only their own statement, after approval.
 */
let app: TestTrellis;
let t: DealTenant;
let other: DealTenant;
let maker: string;
let checker: string;

const PLAN = { rates: { default: '0.05', byTier: { gold: '0.08' } }, minimumPayout: '100', clawback: { withinDays: 90 } };
const thisPeriod = () => new Date().toISOString().slice(0, 7);
const monthsAgo = (n: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1)).toISOString().slice(0, 7);
};
/** Runs pay ended periods: the deals close in the middle of an earlier month. */
const midMonth = (n: number) => `${monthsAgo(n)}-15T12:00:00.000Z`;

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
  other = await dealTenant(app);
  maker = (await t.staff('finance')).key;
  checker = (await t.staff('finance')).key;
  expect((await app.http('POST', '/v1/rule-sets/commission/versions', { key: t.adminKey, body: { definition: PLAN, effectiveFrom: '2020-01-01T00:00:00Z' } })).status).toBe(201);
});
afterAll(async () => {
  await app?.stop();
});

const post = (key: string, path: string, body: unknown = {}) => app.http('POST', path, { key, body });
const get = (key: string, path: string) => app.http('GET', path, { key });

async function payable(partner: { partnerId: string }, tenant: DealTenant = t) {
  const verified = { submittedAt: new Date(), verifiedAt: new Date(), verifiedBy: 'test', reference: 'doc' };
  await inTenant(tenant.tenantId, () => PartnerModel.updateOne({ _id: partner.partnerId }, { $set: { documents: [{ kind: 'tax-form', ...verified }, { kind: 'bank-details', ...verified }] } }));
}

async function closedWon(partner: { key: string }, amount: string, closedAt?: string): Promise<string> {
  const res = await post(partner.key, '/v1/deals', registration({ amount }));
  await dealWhen(app, partner.key, res.body.id, (d) => d.status === 'protected');
  expect((await post(partner.key, `/v1/deals/${res.body.id}/close`, { outcome: 'won', amount, ...(closedAt ? { closedAt } : {}) })).status).toBe(200);
  return res.body.id as string;
}

/** The run's workflow history, kept for test/integration/replay.test.ts once the workflow has ended. */
async function keepRunHistory(tenant: DealTenant, runId: string, name: string): Promise<void> {
  const handle = app.running.services.workflows.handle(tenant.tenant, payoutRunWorkflow, runId);
  await handle.result();
  await keepHistory(handle, name);
}

async function runWhen(id: string, status: string, key = maker): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await get(key, `/v1/payout-runs/${id}`)).body;
    return last.status === status;
  }, 30000);
  return last;
}

describe('a payout run', () => {
  test('one run per period, held partners with reasons, maker-checker, one instruction per partner, a balanced ledger', async () => {
    const gold = await t.partner('gold');
    const small = await t.partner('gold');
    const unverified = await t.partner('gold');
    await payable(gold);
    await payable(small);
    await closedWon(gold, '10000.00', midMonth(1));
    await closedWon(small, '1000.00', midMonth(1));
    await closedWon(unverified, '5000.00', midMonth(1));

    const triggers = await Promise.all([1, 2].map(() => post(maker, '/v1/payout-runs', { period: monthsAgo(1) })));
    expect(triggers.map((r) => r.status).sort()).toEqual([200, 202]);
    expect(triggers[0].body.id).toBe(triggers[1].body.id);
    const runId = triggers[0].body.id as string;

    const run = await runWhen(runId, 'awaiting-approval');
    expect(run).toMatchObject({ period: monthsAgo(1), attempt: 1, currency: 'USD', progress: { processed: 3, total: 3 }, planVersion: expect.any(Number) });
    expect(run.snapshotHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.totals).toEqual({ total: '1200.00', payable: '800.00', held: '400.00', partners: 3, payees: 1 });
    expect(run.holds).toEqual(expect.arrayContaining([
      { partnerId: unverified.partnerId, amount: '400.00', reasons: ['tax-form not submitted', 'bank-details not submitted'] },
      { partnerId: small.partnerId, amount: '0.00', reasons: ['below the minimum payout: carried forward'] },
    ]));
    const again = await post(maker, '/v1/payout-runs', { period: monthsAgo(1) });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(runId);

    const statements = (await get(maker, `/v1/payout-runs/${runId}/statements`)).body.items;
    expect(statements.map((s: { partnerId: string; total: string }) => [s.partnerId, s.total]).sort()).toEqual(
      [[gold.partnerId, '800.00'], [small.partnerId, '0.00'], [unverified.partnerId, '400.00']].sort(),
    );
    // Before approval a partner sees nothing of the run.
    expect((await get(gold.key, `/v1/payout-runs/${runId}/statements`)).body.items).toEqual([]);
    expect((await get(gold.key, `/v1/payout-runs/${runId}/statements/${gold.partnerId}`)).status).toBe(404);

    const own = await post(maker, `/v1/payout-runs/${runId}/approve`);
    expect(own.status).toBe(409);
    expect(own.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(own.body.detail).toMatch(/triggered a payout run cannot approve it/);
    expect((await post(t.adminKey, `/v1/payout-runs/${runId}/approve`)).status).toBe(403);
    expect((await post(other.adminKey, `/v1/payout-runs/${runId}/approve`)).status).toBe(403);
    const otherFinance = (await other.staff('finance')).key;
    expect((await post(otherFinance, `/v1/payout-runs/${runId}/approve`)).status).toBe(404);
    expect((await get(otherFinance, `/v1/payout-runs/${runId}`)).status).toBe(404);
    expect((await get(otherFinance, `/v1/payout-runs/${runId}/statements`)).status).toBe(404);

    const approved = await post(checker, `/v1/payout-runs/${runId}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedAt: expect.any(String) });
    expect((await post(checker, `/v1/payout-runs/${runId}/approve`)).status).toBe(409);
    await keepRunHistory(t, runId, 'payout-run-approved');

    const instructions = (await get(maker, `/v1/payout-runs/${runId}/instructions`)).body.items;
    expect(instructions).toEqual([{ id: `${runId}:${gold.partnerId}`, partnerId: gold.partnerId, amount: '800.00', currency: 'USD', idempotencyKey: `${runId}:${gold.partnerId}`, endToEndId: expect.stringMatching(/^TR[0-9A-F]{33}$/), status: 'instructed' }]);
    const ledger = (await get(maker, '/v1/ledger')).body;
    expect(ledger).toMatchObject({ postings: 1, balanced: true, debitMinor: 80000, creditMinor: 80000, payableByPartner: { [gold.partnerId]: 80000 } });
    expect(ledger.accounts).toEqual([
      { account: 'commission-expense', debitMinor: 80000, creditMinor: 0, balanceMinor: 80000 },
      { account: 'partner-payable', debitMinor: 0, creditMinor: 80000, balanceMinor: -80000 },
      { account: 'cash', debitMinor: 0, creditMinor: 0, balanceMinor: 0 },
    ]);
    expect((await get(otherFinance, '/v1/ledger')).body).toMatchObject({ postings: 0, balanced: true });

    // An execution retried after a crash (the activity ran again) adds no instruction and no posting.
    await executeRun(app.running.services, t.tenantId, runId, 'key_retry', new Date());
    expect((await get(maker, `/v1/payout-runs/${runId}/instructions`)).body.items).toHaveLength(1);
    expect((await get(maker, '/v1/ledger')).body).toMatchObject({ postings: 1, balanced: true, debitMinor: 80000 });
    expect((await get(maker, `/v1/payout-runs/${runId}`)).body.decidedAt).toBe(approved.body.decidedAt);
    // Every step with money in it is in the audit chain, once each.
    const audit = (await get(maker, `/v1/audit?entityType=payout-run&entityId=${runId}`)).body.items.map((e: { action: string }) => e.action).sort();
    expect(audit).toEqual(['payout-run.approved', 'payout-run.awaiting-approval', 'payout-run.executed', 'payout-run.snapshot-frozen', 'payout-run.triggered']);
    // The stored snapshot (header and chunks, re-read and re-hashed chunk by chunk) still hashes to what the run recorded.
    expect(await storedSnapshotHash(t.tenantId, runId)).toBe(run.snapshotHash);
    expect((await payoutStore(t.tenantId).snapshotOf(runId))!.chunks.length).toBeGreaterThan(0);
    // The review and the execution added up the totals the calculation wrote per chunk (read by _id): the statements' own.
    const store = payoutStore(t.tenantId);
    const header = (await store.snapshotOf(runId))!;
    const ofStatements = (await store.statementTotalsOf(runId, 100)).map(({ partnerId, totalMinor, carriedForwardMinor }) => ({ partnerId, totalMinor, carriedForwardMinor }));
    expect(ofStatements).toHaveLength(3);
    const perChunk = await Promise.all(header.chunks.map((c) => store.chunkTotals(runId, header.generation, c.index)));
    expect(perChunk.flatMap((c) => c!.statements)).toEqual(ofStatements);
    expect(await statementTotalsOfRun(t.tenantId, runId)).toEqual(ofStatements);
    // A run calculated before the per-chunk totals has none: its statements are read instead.
    await inTenant(t.tenantId, () => PayoutChunkTotalsModel.deleteOne({ _id: snapshotChunkId(runId, header.generation, 0) }));
    expect((await statementTotalsOfRun(t.tenantId, runId)).map(({ partnerId, totalMinor, carriedForwardMinor }) => ({ partnerId, totalMinor, carriedForwardMinor }))).toEqual(ofStatements);
    await store.writeChunkTotals(runId, header.generation, 0, perChunk[0]!.statements);

    // After approval: the partner sees its own statement only, and its earnings count it as paid.
    const mine = (await get(gold.key, `/v1/payout-runs/${runId}/statements`)).body.items;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ partnerId: gold.partnerId, total: '800.00', lines: [expect.objectContaining({ kind: 'commission', amount: '800.00', rule: 'tier gold rate 0.08' })] });
    expect((await get(gold.key, `/v1/payout-runs/${runId}/statements/${unverified.partnerId}`)).status).toBe(404);
    const earnings = (await get(gold.key, `/v1/partners/${gold.partnerId}/earnings`)).body;
    expect(earnings.pending.total).toBe('0');
    expect(earnings.paid).toEqual({ totalMinor: 80000, total: '800.00', runs: [{ runId, period: monthsAgo(1), total: '800.00' }] });
  });

  test('a rejection needs a reason and lets the period run again; bad input is a 422 naming the field', async () => {
    const period = monthsAgo(2);
    const first = await post(maker, '/v1/payout-runs', { period });
    expect(first.status).toBe(202);
    await runWhen(first.body.id, 'awaiting-approval');
    const noReason = await post(checker, `/v1/payout-runs/${first.body.id}/reject`, {});
    expect(noReason.status).toBe(422);
    expect(noReason.body.field).toMatch(/reason/);
    const rejected = await post(maker, `/v1/payout-runs/${first.body.id}/reject`, { reason: 'plan version was wrong' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectReason: 'plan version was wrong' });
    await keepRunHistory(t, first.body.id, 'payout-run-rejected');
    const second = await post(maker, '/v1/payout-runs', { period });
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ attempt: 2 });
    expect(second.body.id).not.toBe(first.body.id);

    const bad = await post(maker, '/v1/payout-runs', { period: '2025-13' });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('body.period');
    for (const open of ['2999-01', thisPeriod()]) {
      const refused = await post(maker, '/v1/payout-runs', { period: open });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ field: 'body.period', detail: expect.stringMatching(/has not ended/) });
    }
    expect((await post(t.adminKey, '/v1/payout-runs', { period })).status).toBe(403);
  });
});

test('a clawback of a deal paid in an earlier run lands in the later period, at the rate paid', async () => {
  const c = await dealTenant(app);
  const [m, k] = [(await c.staff('finance')).key, (await c.staff('finance')).key];
  // In force since long before, so the earlier periods are paid under it.
  const plan = await post(c.adminKey, '/v1/rule-sets/commission/versions', { definition: { rates: { default: '0.05', byTier: { gold: '0.08' } }, clawback: { withinDays: 90 } }, effectiveFrom: '2020-01-01T00:00:00Z' });
  expect(plan.status).toBe(201);
  const p = await c.partner('gold');
  await payable(p, c);
  const dealId = await closedWon(p, '10000.00', midMonth(2));

  const earlier = await post(m, '/v1/payout-runs', { period: monthsAgo(2) });
  await runWhen(earlier.body.id, 'awaiting-approval', m);
  expect((await post(k, `/v1/payout-runs/${earlier.body.id}/approve`)).body.totals).toMatchObject({ payable: '800.00' });

  // A refund recorded last month (written as the deals area records it), then another one now.
  await inTenant(c.tenantId, () => DealReversalModel.create({
    _id: newId('drv'), dealId, partnerId: p.partnerId, seq: 1, kind: 'refund', amountMinor: 100000, currency: 'USD', totalReversedMinor: 100000,
    reason: 'one seat returned', at: new Date(`${monthsAgo(1)}-20T12:00:00.000Z`), recordedBy: 'key_test',
  }));
  expect((await post(m, `/v1/deals/${dealId}/reversals`, { kind: 'refund', amount: '2500.00', reason: 'seats returned' })).status).toBe(201);

  const later = await post(m, '/v1/payout-runs', { period: monthsAgo(1) });
  const run = await runWhen(later.body.id, 'awaiting-approval', m);
  expect(run.holds).toEqual([{ partnerId: p.partnerId, amount: '0.00', reasons: ['negative balance after clawbacks: carried forward'] }]);
  const statement = (await get(m, `/v1/payout-runs/${later.body.id}/statements/${p.partnerId}`)).body;
  expect(statement.lines[0]).toMatchObject({ kind: 'clawback', dealId, amount: '-80.00', rate: '0.08', inputs: expect.objectContaining({ paidMinor: 80000, reversedMinor: 100000 }) });
  expect(statement).toMatchObject({ total: '0.00', carriedForward: '-80.00' });

  // The refund of this month is already in the partner's pending earnings, on top of what was clawed back before.
  const pending = (await get(p.key, `/v1/partners/${p.partnerId}/earnings`)).body.pending;
  expect(pending.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual([['clawback', '-200.00'], ['carried-forward', '200.00']]);
  expect(pending).toMatchObject({ total: '0.00', carriedForward: '-200.00' });
});
