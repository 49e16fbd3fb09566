import { createHash } from 'node:crypto';
import { startTestTrellis, TestTrellis, waitFor } from '../support/trellis';
import { inTenant } from '../../platform/tenant-context';
import { OperationIds } from '../../platform/ids';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import { DealModel } from '../../models/deals/deal';
import { DealReversalModel } from '../../models/deals/deal-reversal';
import { keysHeldBy } from '../../services/deals/claims';
import { AuditOutboxModel } from '../../models/tenancy/audit-outbox';
import { PartnerPerformanceModel } from '../../models/tiers/partner-performance';
import { DealService } from '../../services/deals/deals';
import { relayOutbox } from '../../services/tenancy/outbox';
import { dealTenant, registration, dealWhen, decide, testRules, quickStep, DealTenant } from './deal-fixtures';
import { dealWorkflow } from '../../domain/workflow-ids';

/**
 * Deals survive a crash at any point of a request: a retry with the same operation ids (what the
 * Idempotency-Key gives a retried request) finds the first attempt's work and finishes it.
 */
let app: TestTrellis;
let t: DealTenant;
let short: DealTenant;

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
  short = await dealTenant(app, testRules({
    protection: { period: '8 seconds', extensionPeriod: '3 seconds', maxExtensions: 1 },
    rules: [
      { name: 'gold under 50k', when: { tiers: ['gold'], maxAmount: '50000' }, action: 'auto-approve' },
      { name: 'chatty', when: { products: ['chatty'] }, action: 'review', steps: [quickStep({ name: 'chatty', sla: '10 seconds', remindEvery: '1 second', onTimeout: 'approve' }) as never] },
    ],
    fallback: { action: 'review', steps: [quickStep() as never] },
  }));
});
afterAll(async () => {
  await app?.stop();
});

const events = (tenantId: string, filter: Record<string, unknown>) => inTenant(tenantId, () => AuditEventModel.find(filter).lean());
const runHistory = (tenant: DealTenant, workflowId: string, runId: string) =>
  app.running.services.workflows.client(tenant.tenant).workflow.getHandle(workflowId, runId).fetchHistory();
const partnerActor = (p: { keyId: string; partnerId: string }) => ({ keyId: p.keyId, role: 'partner' as const, partyId: p.partnerId });

describe('registration owned by the workflow', () => {
  test('a registration retried with the same operation ids (its first process gone) is one deal, one workflow, one deal.registered event', async () => {
    const p = await t.partner('gold');
    const body = registration({ amount: '100' });
    const seed = `retry-${Date.now()}`;
    const firstSeenAt = Date.now();
    // Two service instances, as two API processes would be: nothing is shared but the store and Temporal.
    const first = await new DealService(app.running.services).register(t.tenantId, partnerActor(p), body, new OperationIds(seed, firstSeenAt));
    const again = await new DealService(app.running.services).register(t.tenantId, partnerActor(p), body, new OperationIds(seed, firstSeenAt));
    expect(again._id).toBe(first._id);
    expect(first.claimHeld).toBe(true);
    expect(await inTenant(t.tenantId, () => DealModel.countDocuments({ partnerId: p.partnerId }))).toBe(1);
    const registered = await events(t.tenantId, { 'entity.id': first._id, action: 'deal.registered' });
    expect(registered).toHaveLength(1);
    const client = app.running.services.workflows.client(t.tenant);
    const handle = app.running.services.workflows.handle(t.tenant, dealWorkflow, first._id);
    const { runId } = await handle.describe();
    const runs: string[] = [];
    await waitFor(async () => {
      runs.length = 0;
      for await (const w of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(w.runId);
      return runs.length > 0;
    });
    // The auto-approved deal continued as new once when protected: one workflow, whose runs chain.
    const history = await runHistory(t, handle.workflowId, runId);
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(started.firstExecutionRunId).toBeTruthy();
    for (const r of runs) {
      const h = await runHistory(t, handle.workflowId, r);
      expect(h.events![0].workflowExecutionStartedEventAttributes!.firstExecutionRunId).toBe(started.firstExecutionRunId);
    }
  });

  test('the record, its claim and its registration event come from the workflow itself', async () => {
    const p = await t.partner('gold');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }), headers: { 'Idempotency-Key': `own-${Date.now()}` } });
    expect(res.status).toBe(201);
    const history = await app.running.services.workflows.handle(t.tenant, dealWorkflow, res.body.id).fetchHistory();
    // Either this run registered the deal, or it continued from the run that did.
    const input = JSON.parse(Buffer.from(history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!).toString('utf8'));
    expect(input.registrationStaged ?? input.resume).toBeTruthy();
    expect((await keysHeldBy(t.tenantId, res.body.id)).length).toBeGreaterThan(0);
    expect(await events(t.tenantId, { 'entity.id': res.body.id, action: 'deal.registered' })).toHaveLength(1);
  });
});

describe('a retried decision', () => {
  test('whose first attempt was applied but never answered gets the deal, not a refusal of its own decision', async () => {
    const p = await t.partner('silver');
    const approver = await t.staff('approver');
    const id = (await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) })).body.id;
    const deal = await dealWhen(app, p.key, id, (d) => d.currentStep);
    const key = `decide-${id}`;
    const decision = { decision: 'approve', comment: 'looks fine', stepId: deal.currentStep.id };
    const first = await app.http('POST', `/v1/deals/${id}/decisions`, { key: approver.key, body: decision, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(200);
    // The API died after the Update landed and before it stored the answer: the key's record is gone.
    const { redis } = app.running.services.conns;
    const digest = createHash('sha256').update(key).digest('hex');
    const records = (await redis.keys(`${app.config.redisPrefix}:idem:*`)).filter((k) => k.endsWith(digest));
    expect(records).toHaveLength(1);
    await redis.del(...records);
    const retry = await app.http('POST', `/v1/deals/${id}/decisions`, { key: approver.key, body: decision, headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(id);
    const after = (await app.http('GET', `/v1/deals/${id}`, { key: approver.key })).body;
    const mine = after.steps.flatMap((s: { decisions: { actorId: string }[] }) => s.decisions).filter((d: { actorId: string }) => d.actorId === approver.keyId);
    expect(mine).toHaveLength(1);
  });
});

describe('workflow payloads', () => {
  test("carry no customer name, domain or notes (they outlive an offboarded tenant in the shared namespace's histories)", async () => {
    const p = await t.partner('gold');
    const body = registration({ amount: '100', notes: 'call Jane Roe on +49 30 1234567' });
    const res = await app.http('POST', '/v1/deals', { key: p.key, body });
    expect(res.status).toBe(201);
    await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    const workflowId = app.running.services.workflows.handle(t.tenant, dealWorkflow, res.body.id).workflowId;
    const client = app.running.services.workflows.client(t.tenant);
    const runs: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
    expect(runs.length).toBeGreaterThan(0);
    for (const runId of runs) {
      const text = JSON.stringify((await runHistory(t, workflowId, runId)).events!.map((e) => e.workflowExecutionStartedEventAttributes?.input ?? e.activityTaskScheduledEventAttributes?.input ?? null)
        .flatMap((payloads) => payloads?.payloads ?? []).map((payload) => Buffer.from(payload.data!).toString('utf8')));
      expect(text).not.toContain(body.customer.name);
      expect(text).not.toContain(body.customer.domain);
      expect(text).not.toContain('Jane Roe');
    }
    // The deal itself has them, read from the staged registration.
    expect((await app.http('GET', `/v1/deals/${res.body.id}`, { key: p.key })).body.customer.name).toBe(body.customer.name);
  });
});

describe('the close answer', () => {
  test('shows the customer already free (no claim held), as the next read does', async () => {
    const p = await t.partner('gold');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) });
    await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    const closed = await app.http('POST', `/v1/deals/${res.body.id}/close`, { key: p.key, body: { outcome: 'lost' } });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', holdsProtectionClaim: false });
    expect(await keysHeldBy(t.tenantId, res.body.id)).toEqual([]);
  });
});

describe('reversals', () => {
  test('a reversal whose audit append failed, retried with the same operation ids, is one row, one metric, one event', async () => {
    const finance = await t.staff('finance');
    const p = await t.partner('gold');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '1000' }) });
    await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    await app.http('POST', `/v1/deals/${res.body.id}/close`, { key: p.key, body: { outcome: 'won', amount: '1000' } });
    const actor = { keyId: finance.keyId, role: 'finance' as const };
    const svc = new DealService(app.running.services);
    const seed = `rev-${Date.now()}`;
    const at = Date.now();
    const body = { kind: 'refund' as const, amount: '100.00', reason: 'x' };
    // The first attempt commits its row, then the audit append fails (the review's repro).
    const audit = app.running.services.audit;
    const record = audit.record.bind(audit);
    let failures = 0;
    audit.record = (tenantId, input) => {
      if (input.action === 'deal.reversed' && failures === 0) {
        failures += 1;
        return Promise.reject(new Error('store paused'));
      }
      return record(tenantId, input);
    };
    try {
      await expect(svc.reverse(t.tenantId, actor, res.body.id, body, new OperationIds(seed, at))).rejects.toThrow('store paused');
    } finally {
      audit.record = record;
    }
    await svc.reverse(t.tenantId, actor, res.body.id, body, new OperationIds(seed, at));
    const rows = await inTenant(t.tenantId, () => DealReversalModel.find({ dealId: res.body.id }).lean());
    expect(rows.map((r) => [r.seq, r.amountMinor])).toEqual([[1, 10000]]);
    expect(await inTenant(t.tenantId, () => PartnerPerformanceModel.countDocuments({ sourceId: rows[0]._id }))).toBe(1);
    expect(await events(t.tenantId, { action: 'deal.reversed', 'entity.id': res.body.id })).toHaveLength(1);
    expect(await inTenant(t.tenantId, () => AuditOutboxModel.countDocuments({}))).toBe(0);
  });

  test('a reversal committed before a crash gets its audit event from the relay, once', async () => {
    const finance = await t.staff('finance');
    const p = await t.partner('gold');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '500' }) });
    await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    await app.http('POST', `/v1/deals/${res.body.id}/close`, { key: p.key, body: { outcome: 'won', amount: '500' } });
    const audit = app.running.services.audit;
    const record = audit.record.bind(audit);
    audit.record = () => Promise.reject(new Error('process died'));
    try {
      await expect(new DealService(app.running.services).reverse(t.tenantId, { keyId: finance.keyId, role: 'finance' }, res.body.id, { kind: 'cancellation', amount: '500', reason: 'gone' })).rejects.toThrow('process died');
    } finally {
      audit.record = record;
    }
    expect(await events(t.tenantId, { action: 'deal.reversed', 'entity.id': res.body.id })).toHaveLength(0);
    const relayed = await relayOutbox(app.running.services, t.tenantId, { leaseMs: 0 });
    expect(relayed.appended).toBeGreaterThanOrEqual(1);
    await relayOutbox(app.running.services, t.tenantId, { leaseMs: 0 });
    const found = await events(t.tenantId, { action: 'deal.reversed', 'entity.id': res.body.id });
    expect(found).toHaveLength(1);
    expect(JSON.parse(found[0].data)).toMatchObject({ kind: 'cancellation', amountMinor: 50000 });
    expect((await app.http('GET', '/v1/audit/verify', { key: t.adminKey })).body.valid).toBe(true);
  });
});

describe('history growth', () => {
  test('each publish carries only its new history entries; a dead worker is noticed within 5 s (heartbeat)', async () => {
    const p = await short.partner('silver');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100', products: ['chatty'] }) });
    const deal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected', 30000);
    const types = deal.history.map((h: { type: string }) => h.type);
    expect(types.filter((x: string) => x === 'reminder').length).toBeGreaterThanOrEqual(4);
    const handle = app.running.services.workflows.handle(short.tenant, dealWorkflow, res.body.id);
    // The approval ran in the run the protected one continued from.
    let firstRun = '';
    await waitFor(async () => {
      const { runId } = await handle.describe();
      firstRun = (await runHistory(short, handle.workflowId, runId)).events![0].workflowExecutionStartedEventAttributes!.continuedExecutionRunId ?? '';
      return firstRun !== '';
    });
    const history = await runHistory(short, handle.workflowId, firstRun!);
    const scheduled = history.events!.map((e) => e.activityTaskScheduledEventAttributes).filter((a) => a);
    const publishes = scheduled.filter((a) => a!.activityType!.name === 'publishDealView');
    expect(publishes.length).toBeGreaterThanOrEqual(6);
    for (const a of publishes) {
      const args = a!.input!.payloads!.map((x) => JSON.parse(Buffer.from(x.data!).toString('utf8')));
      expect(args[3].history.length).toBeLessThanOrEqual(3);
    }
    for (const a of scheduled) expect(Number(a!.heartbeatTimeout!.seconds)).toBeLessThanOrEqual(5);
    // The read model holds every entry once, in order, and each became one audit event (and the
    // approval one more: deal.approved).
    const audited = await events(short.tenantId, { 'entity.id': res.body.id });
    expect(audited.filter((e) => e.action !== 'deal.approved')).toHaveLength(deal.history.length);
    expect(audited.filter((e) => e.action === 'deal.approved')).toHaveLength(deal.history.some((h: { type: string }) => h.type === 'protected') ? 1 : 0);
    expect(new Set(audited.map((e) => e.eventKey)).size).toBe(audited.length);
  });

  test('protection continues as new with its state: extension, close and history carry on', async () => {
    const approver = await short.staff('approver');
    const p = await short.partner('silver');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '100' }) });
    await dealWhen(app, p.key, res.body.id, (d) => d.currentStep);
    await decide(app, approver.key, res.body.id, 'approve');
    const protectedDeal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    const handle = app.running.services.workflows.handle(short.tenant, dealWorkflow, res.body.id);
    await waitFor(async () => {
      const { runId } = await handle.describe();
      const h = await runHistory(short, handle.workflowId, runId);
      return Boolean(h.events![0].workflowExecutionStartedEventAttributes!.continuedExecutionRunId);
    });
    const asked = await app.http('POST', `/v1/deals/${res.body.id}/extension`, { key: p.key, body: { reason: 'more time' } });
    expect(asked.status).toBe(202);
    expect(asked.body.currentStep).toMatchObject({ id: 'x1-1' });
    const approved = await decide(app, approver.key, res.body.id, 'approve');
    expect(approved.body).toMatchObject({ status: 'protected', extensionsUsed: 1 });
    expect(new Date(approved.body.protectedUntil).getTime()).toBe(new Date(protectedDeal.protectedUntil).getTime() + 3000);
    // The extension round's steps replace the registration's, as before the hand-over.
    expect(approved.body.steps.map((s: { id: string }) => s.id)).toEqual(['x1-1']);
    const closed = await app.http('POST', `/v1/deals/${res.body.id}/close`, { key: p.key, body: { outcome: 'lost' } });
    expect(closed.body).toMatchObject({ status: 'closed', holdsProtectionClaim: false });
    const final = await dealWhen(app, p.key, res.body.id, (d) => d.history.at(-1)?.type === 'closed-lost' || d.history.at(-1)?.type === 'closed');
    expect(final.history.map((h: { type: string }) => h.type)).toEqual([
      'registered', 'plan', 'step-started', 'approved-step', 'protected',
      'extension-requested', 'plan', 'step-started', 'approved-step', 'extension-approved', 'closed-lost',
    ]);
    expect(final.history.every((h: unknown) => h !== null)).toBe(true);
    await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED');
    const audited = await events(short.tenantId, { 'entity.id': res.body.id });
    expect(audited.filter((e) => e.action !== 'deal.approved')).toHaveLength(final.history.length);
    expect(audited.filter((e) => e.action === 'deal.approved')).toHaveLength(1);
  });
});
