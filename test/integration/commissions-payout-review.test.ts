import { startTestTrellis, waitFor, TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, DealTenant } from './deal-fixtures';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { payoutStore } from '../../models/commissions/payout-repository';
import { frozenHolds } from '../../services/commissions/payout-snapshot';
import { payoutRunWorkflow } from '../../domain/workflow-ids';
import { keepHistory } from '../support/histories';

/**
 * The review step of payout runs on the real stack: two distinct approvers above the tenant's
 * amount (never the trigger, never one user twice), the approval SLA with reminders and the
 * overdue escalation, finance's manual payout holds (frozen into the snapshot, carried forward,
 * audited) and the variance against the previous period's run.
 */
let app: TestTrellis;

const PLAN = { rates: { default: '0.05', byTier: { gold: '0.08' } }, minimumPayout: '100' };
const monthsAgo = (n: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1)).toISOString().slice(0, 7);
};
const midMonth = (n: number) => `${monthsAgo(n)}-15T12:00:00.000Z`;

beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

const post = (key: string, path: string, body: unknown = {}) => app.http('POST', path, { key, body });
const get = (key: string, path: string) => app.http('GET', path, { key });

interface Finance {
  t: DealTenant;
  maker: { key: string; keyId: string };
  checker: { key: string; keyId: string };
  second: { key: string; keyId: string };
}

async function financeTenant(payouts?: Record<string, unknown>): Promise<Finance> {
  const t = await dealTenant(app);
  expect((await post(t.adminKey, '/v1/rule-sets/commission/versions', { definition: PLAN, effectiveFrom: '2020-01-01T00:00:00Z' })).status).toBe(201);
  if (payouts) expect((await putPayouts(t, payouts)).status).toBe(200);
  return { t, maker: await t.staff('finance'), checker: await t.staff('finance'), second: await t.staff('finance') };
}

/** Replaces the tenant's settings with its current ones plus `payouts`. */
async function putPayouts(t: DealTenant, payouts: Record<string, unknown>) {
  const current = await get(t.adminKey, '/v1/settings');
  const { version: _version, ...settings } = current.body;
  return app.http('PUT', '/v1/settings', { key: t.adminKey, headers: { 'if-match': current.headers.get('etag')! }, body: { ...settings, payouts } });
}

async function payable(t: DealTenant, partnerId: string) {
  const verified = { submittedAt: new Date(), verifiedAt: new Date(), verifiedBy: 'test', reference: 'doc' };
  await inTenant(t.tenantId, () => PartnerModel.updateOne({ _id: partnerId }, { $set: { documents: [{ kind: 'tax-form', ...verified }, { kind: 'bank-details', ...verified }] } }));
}

async function payablePartner(t: DealTenant) {
  const p = await t.partner('gold');
  await payable(t, p.partnerId);
  return p;
}

async function closedWon(partner: { key: string }, amount: string, closedAt: string): Promise<string> {
  const res = await post(partner.key, '/v1/deals', registration({ amount }));
  await dealWhen(app, partner.key, res.body.id, (d) => d.status === 'protected');
  expect((await post(partner.key, `/v1/deals/${res.body.id}/close`, { outcome: 'won', amount, closedAt })).status).toBe(200);
  return res.body.id as string;
}

async function runWhen(key: string, id: string, predicate: (run: any) => boolean, timeoutMs = 30000): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await get(key, `/v1/payout-runs/${id}`)).body;
    return predicate(last);
  }, timeoutMs).catch((err) => {
    throw new Error(`${(err as Error).message}; last run view: ${JSON.stringify(last)}`);
  });
  return last;
}

async function auditOf(key: string, type: string, id: string): Promise<{ action: string; data: any; actor: any }[]> {
  return (await get(key, `/v1/audit?entityType=${type}&entityId=${id}&limit=200`)).body.items;
}

test('payout settings are checked like other rule durations and amounts: a 422 naming the field, nothing changed', async () => {
  const t = await dealTenant(app);
  const before = await get(t.adminKey, '/v1/settings');
  for (const [payouts, field] of [
    [{ approvalSla: '5 parsecs' }, 'body.payouts.approvalSla'],
    [{ approvalSla: '500 days' }, 'body.payouts.approvalSla'],
    [{ approvalSla: '10 seconds', reminderEvery: '1 minute' }, 'body.payouts.reminderEvery'],
    [{ dualApprovalAbove: '10.001' }, 'body.payouts.dualApprovalAbove'],
  ] as const) {
    const res = await putPayouts(t, payouts);
    expect(res.status).toBe(422);
    expect(res.body.field).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}`));
  }
  expect((await get(t.adminKey, '/v1/settings')).body).toEqual(before.body);
  const accepted = await putPayouts(t, { dualApprovalAbove: '5000.00', approvalSla: '2 days', reminderEvery: '12 hours' });
  expect(accepted.status).toBe(200);
  expect(accepted.body.payouts).toEqual({ dualApprovalAbove: '5000.00', approvalSla: '2 days', reminderEvery: '12 hours' });
  expect((await get(t.adminKey, '/v1/settings')).body.payouts).toEqual(accepted.body.payouts);
});

test('above the dual-approval amount: two distinct finance users, neither the trigger; the first is recorded, the second executes', async () => {
  const { t, maker, checker, second } = await financeTenant({ dualApprovalAbove: '500.00', approvalSla: '1 hour', reminderEvery: '30 minutes' });
  const gold = await payablePartner(t);
  await closedWon(gold, '10000.00', midMonth(1));

  const trigger = await post(maker.key, '/v1/payout-runs', { period: monthsAgo(1) });
  expect(trigger.status).toBe(202);
  const runId = trigger.body.id as string;
  const run = await runWhen(maker.key, runId, (r) => r.status === 'awaiting-approval');
  expect(run).toMatchObject({ approvalsRequired: 2, approvals: [], overdue: false, remindersSent: 0, totals: { payable: '800.00' } });
  const dueIn = Date.parse(run.approvalDueAt) - Date.now();
  expect(dueIn).toBeGreaterThan(50 * 60_000);
  expect(dueIn).toBeLessThanOrEqual(3_600_000);

  const own = await post(maker.key, `/v1/payout-runs/${runId}/approve`);
  expect(own.status).toBe(409);
  expect(own.body.detail).toMatch(/triggered a payout run cannot approve it/);

  // The same user twice at once: the workflow takes one and refuses the other.
  const both = await Promise.all([1, 2].map(() => post(checker.key, `/v1/payout-runs/${runId}/approve`)));
  expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
  const first = both.find((r) => r.status === 200)!;
  expect(first.body).toMatchObject({ status: 'awaiting-approval', approvalsRequired: 2, approvals: [{ by: checker.keyId, at: expect.any(String) }] });
  expect((await get(maker.key, `/v1/payout-runs/${runId}/instructions`)).body.items).toEqual([]);

  const twice = await post(checker.key, `/v1/payout-runs/${runId}/approve`);
  expect(twice.status).toBe(409);
  expect(twice.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(twice.body.detail).toMatch(/already approved the payout run; it needs 2 approvals by distinct finance users/);
  expect((await post(maker.key, `/v1/payout-runs/${runId}/approve`)).status).toBe(409);

  const executed = await post(second.key, `/v1/payout-runs/${runId}/approve`);
  expect(executed.status).toBe(200);
  expect(executed.body).toMatchObject({ status: 'approved', approvals: [{ by: checker.keyId }, { by: second.keyId }] });
  expect((await get(maker.key, `/v1/payout-runs/${runId}/instructions`)).body.items).toEqual([expect.objectContaining({ partnerId: gold.partnerId, amount: '800.00' })]);
  const audit = await auditOf(maker.key, 'payout-run', runId);
  expect(audit.map((e) => e.action).sort()).toEqual([
    'payout-run.approval-recorded', 'payout-run.approved', 'payout-run.awaiting-approval', 'payout-run.executed', 'payout-run.snapshot-frozen', 'payout-run.triggered',
  ]);
  expect(audit.find((e) => e.action === 'payout-run.triggered')!.actor).toMatchObject({ type: 'api-key', id: maker.keyId });
  expect(audit.find((e) => e.action === 'payout-run.approved')!.data.approvals.map((a: { by: string }) => a.by)).toEqual([checker.keyId, second.keyId]);

  // At or below the amount one approval (not the trigger's) executes.
  const small = await payablePartner(t);
  await closedWon(small, '5000.00', midMonth(2));
  const single = await post(maker.key, '/v1/payout-runs', { period: monthsAgo(2) });
  expect(await runWhen(maker.key, single.body.id, (r) => r.status === 'awaiting-approval')).toMatchObject({ approvalsRequired: 1, totals: { payable: '400.00' } });
  expect((await post(checker.key, `/v1/payout-runs/${single.body.id}/approve`)).body).toMatchObject({ status: 'approved', approvals: [{ by: checker.keyId }] });
});

test('an approval SLA: reminders until it passes, then one overdue escalation; the run can still be approved', async () => {
  const { t, maker, checker, second } = await financeTenant({ dualApprovalAbove: '100.00', approvalSla: '8 seconds', reminderEvery: '2 seconds' });
  const gold = await payablePartner(t);
  await closedWon(gold, '10000.00', midMonth(1));
  const runId = (await post(maker.key, '/v1/payout-runs', { period: monthsAgo(1) })).body.id as string;
  const opened = await runWhen(maker.key, runId, (r) => r.status === 'awaiting-approval');
  expect(opened).toMatchObject({ overdue: false, approvalsRequired: 2 });
  expect(Date.parse(opened.approvalDueAt) - Date.parse(opened.createdAt)).toBeGreaterThanOrEqual(8000);
  expect((await post(checker.key, `/v1/payout-runs/${runId}/approve`)).body).toMatchObject({ status: 'awaiting-approval', approvals: [{ by: checker.keyId }] });

  // Generous: the SLA is 8 s, a loaded machine may fire the timers late.
  const overdue = await runWhen(maker.key, runId, (r) => r.overdue === true, 60_000);
  const events = await auditOf(maker.key, 'payout-run', runId);
  const reminders = events.filter((e) => e.action === 'payout-run.approval-reminder');
  // Every 2 s before the 8 s SLA: at most 3; a late timer may merge some into the escalation.
  expect(reminders.length).toBeGreaterThanOrEqual(1);
  expect(reminders.length).toBeLessThanOrEqual(3);
  expect(overdue.remindersSent).toBe(reminders.length);
  expect(reminders[0].data).toMatchObject({ approvalsRequired: 2, approvalDueAt: opened.approvalDueAt });
  const escalations = events.filter((e) => e.action === 'payout-run.approval-overdue');
  expect(escalations).toHaveLength(1);
  expect(escalations[0].data).toMatchObject({ approvals: 1, approvalsRequired: 2, approvalDueAt: opened.approvalDueAt });
  // No reminder after the escalation, and nothing more while it waits.
  await new Promise((r) => setTimeout(r, 4000));
  expect((await auditOf(maker.key, 'payout-run', runId)).filter((e) => e.action.startsWith('payout-run.approval-')).length).toBe(reminders.length + 2);

  const approved = await post(second.key, `/v1/payout-runs/${runId}/approve`);
  expect(approved.body).toMatchObject({ status: 'approved', overdue: true });
  const handle = app.running.services.workflows.handle(t.tenant, payoutRunWorkflow, runId);
  expect(await handle.result()).toEqual({ status: 'approved' });
  await keepHistory(handle, 'payout-run-dual-approval-overdue');
});

test('a manual payout hold: placed and released by finance with a reason, audited, frozen into the run, carried forward; and the variance against the previous period', async () => {
  const { t, maker, checker } = await financeTenant();
  const held = await payablePartner(t);
  const paid = await payablePartner(t);
  const other = await financeTenant();
  const otherPartner = await other.t.partner('gold');

  // Only finance places or releases a hold; another tenant's partner is unknown here, and ours there.
  const reason = 'bank details under fraud review';
  expect((await post(held.key, `/v1/partners/${held.partnerId}/payout-hold`, { reason })).status).toBe(403);
  expect((await post(t.adminKey, `/v1/partners/${held.partnerId}/payout-hold`, { reason })).status).toBe(403);
  expect((await get(held.key, `/v1/partners/${held.partnerId}/payout-hold`)).status).toBe(403);
  expect((await post(other.maker.key, `/v1/partners/${held.partnerId}/payout-hold`, { reason })).status).toBe(404);
  expect((await post(maker.key, `/v1/partners/${otherPartner.partnerId}/payout-hold`, { reason })).status).toBe(404);
  expect((await app.http('DELETE', `/v1/partners/${held.partnerId}/payout-hold`, { key: other.maker.key })).status).toBe(404);
  const noReason = await post(maker.key, `/v1/partners/${held.partnerId}/payout-hold`, {});
  expect(noReason.status).toBe(422);
  expect(noReason.body.field).toMatch(/reason/);
  expect((await app.http('DELETE', `/v1/partners/${held.partnerId}/payout-hold`, { key: maker.key })).status).toBe(404);

  const placed = await post(maker.key, `/v1/partners/${held.partnerId}/payout-hold`, { reason });
  expect(placed.status).toBe(200);
  expect(placed.body).toMatchObject({ partnerId: held.partnerId, held: true, reason, placedBy: maker.keyId });
  expect((await get(t.adminKey, `/v1/partners/${held.partnerId}/payout-hold`)).body).toMatchObject({ held: true, reason });

  await closedWon(held, '5000.00', midMonth(2));
  await closedWon(paid, '10000.00', midMonth(2));
  const firstId = (await post(maker.key, '/v1/payout-runs', { period: monthsAgo(2) })).body.id as string;
  const first = await runWhen(maker.key, firstId, (r) => r.status === 'awaiting-approval');
  expect(first.holds).toEqual([{ partnerId: held.partnerId, amount: '400.00', reasons: [`manual hold: ${reason}`] }]);
  expect(first.totals).toMatchObject({ total: '1200.00', payable: '800.00', held: '400.00', payees: 1 });
  // No earlier run: everything compares with 0.
  expect(first.variance).toMatchObject({ previousRunId: null, previousPeriod: monthsAgo(3), total: { previous: '0.00', current: '1200.00', change: '1200.00', percent: null } });
  const frozen = await frozenHolds(t.tenantId, firstId, (await payoutStore(t.tenantId).snapshotOf(firstId))!.generation);
  expect(frozen.manualHolds).toEqual({ [held.partnerId]: { reason, by: maker.keyId, at: placed.body.placedAt } });

  // Released while the run waits: the frozen hold still applies to it.
  const released = await app.http('DELETE', `/v1/partners/${held.partnerId}/payout-hold`, { key: maker.key });
  expect(released.status).toBe(200);
  expect(released.body).toMatchObject({ held: false, reason, releasedBy: maker.keyId });
  expect((await post(checker.key, `/v1/payout-runs/${firstId}/approve`)).body).toMatchObject({ status: 'approved' });
  expect((await get(maker.key, `/v1/payout-runs/${firstId}/instructions`)).body.items.map((i: { partnerId: string }) => i.partnerId)).toEqual([paid.partnerId]);
  const holdEvents = await auditOf(maker.key, 'payout-hold', held.partnerId);
  expect(holdEvents.map((e) => [e.action, e.data.reason, e.actor.id])).toEqual(expect.arrayContaining([
    ['payout-hold.placed', reason, maker.keyId], ['payout-hold.released', reason, maker.keyId],
  ]));
  expect(holdEvents).toHaveLength(2);

  // The next period pays what the hold carried forward, and compares with the run before.
  await closedWon(held, '2500.00', midMonth(1));
  await closedWon(paid, '12500.00', midMonth(1));
  const secondId = (await post(maker.key, '/v1/payout-runs', { period: monthsAgo(1) })).body.id as string;
  const second = await runWhen(maker.key, secondId, (r) => r.status === 'awaiting-approval');
  expect(second.holds).toEqual([]);
  expect(second.totals).toMatchObject({ total: '1600.00', payable: '1600.00', payees: 2 });
  expect(second.variance).toEqual({
    previousRunId: firstId,
    previousPeriod: monthsAgo(2),
    total: { previous: '1200.00', current: '1600.00', change: '400.00', percent: '33.33' },
    partners: expect.arrayContaining([
      { partnerId: held.partnerId, previous: '400.00', current: '600.00', change: '200.00', percent: '50.00' },
      { partnerId: paid.partnerId, previous: '800.00', current: '1000.00', change: '200.00', percent: '25.00' },
    ]),
  });
  const statements = (await get(maker.key, `/v1/payout-runs/${secondId}/statements`)).body.items;
  const heldStatement = statements.find((s: { partnerId: string }) => s.partnerId === held.partnerId);
  expect(heldStatement.variance).toEqual({ previous: '400.00', current: '600.00', change: '200.00', percent: '50.00' });
  expect(heldStatement.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual(expect.arrayContaining([['carried-in', '400.00'], ['commission', '200.00']]));
  expect((await post(checker.key, `/v1/payout-runs/${secondId}/approve`)).body).toMatchObject({ status: 'approved' });
  const instructions = (await get(maker.key, `/v1/payout-runs/${secondId}/instructions`)).body.items;
  expect(instructions.map((i: { partnerId: string; amount: string }) => [i.partnerId, i.amount]).sort()).toEqual([[held.partnerId, '600.00'], [paid.partnerId, '1000.00']].sort());
  // A partner sees its own statement's variance once approved, and nothing of another tenant's run.
  const own = (await get(held.key, `/v1/payout-runs/${secondId}/statements`)).body.items;
  expect(own).toHaveLength(1);
  expect(own[0].variance).toMatchObject({ percent: '50.00' });
  expect((await get(other.maker.key, `/v1/payout-runs/${secondId}`)).status).toBe(404);

  // Two first placements at once: both answer, one hold remains with one of the reasons.
  const racer = await t.partner('gold');
  const raced = await Promise.all(['first reason', 'second reason'].map((r) => post(maker.key, `/v1/partners/${racer.partnerId}/payout-hold`, { reason: r })));
  expect(raced.map((r) => r.status)).toEqual([200, 200]);
  const kept = (await get(maker.key, `/v1/partners/${racer.partnerId}/payout-hold`)).body;
  expect(kept).toMatchObject({ held: true, reason: expect.stringMatching(/^(first|second) reason$/) });
  expect((await get(otherPartner.key, `/v1/payout-runs/${secondId}/statements`)).status).toBe(404);
});
