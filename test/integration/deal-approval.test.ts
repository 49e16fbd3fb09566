import { WorkflowUpdateFailedError } from '@temporalio/client';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { keepHistory } from '../support/histories';
import { decideUpdate } from '../../workflows/deals/deal-approval';
import { dealTenant, registration, dealWhen, decide, testRules, quickStep, DealTenant } from './deal-fixtures';
import { dealWorkflow } from '../../domain/workflow-ids';

let app: TestTrellis;
let t: DealTenant;
let approverA: { key: string; keyId: string };
let approverB: { key: string; keyId: string };
let admin: { key: string; keyId: string };

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
  approverA = await t.staff('approver');
  approverB = await t.staff('approver');
  admin = await t.staff('tenant-admin');
  const named = [approverA.keyId, approverB.keyId];
  await t.publish(testRules({
    rules: [
      { name: 'security board', when: { products: ['firewall'] }, action: 'review', steps: [quickStep({ name: 'security board', mode: 'all', approvers: named }) as never] },
      { name: 'in turn', when: { products: ['router'] }, action: 'review', steps: [quickStep({ name: 'in turn', mode: 'sequential', approvers: named }) as never] },
      {
        name: 'fast lane', when: { products: ['escalate'] }, action: 'review',
        // Reminders every second within a 3 s SLA: a reminder is due twice before the deadline, so a
        // worker slowed by a loaded machine still sends one before escalating.
        steps: [quickStep({ name: 'fast lane', sla: '3 seconds', remindEvery: '1 second', escalateTo: 'tenant-admin', escalationSla: '4 seconds', onTimeout: 'escalate', onEscalationTimeout: 'approve' }) as never],
      },
      { name: 'strict', when: { products: ['timeout'] }, action: 'review', steps: [quickStep({ name: 'strict', sla: '2 seconds', onTimeout: 'reject' }) as never] },
      { name: 'single', when: { products: ['single'] }, action: 'review', steps: [quickStep() as never] },
    ],
  }));
});
afterAll(async () => {
  await app?.stop();
});

const inboxIds = async (key: string): Promise<string[]> => (await app.http('GET', '/v1/approvals?limit=200', { key })).body.items.map((d: { id: string }) => d.id);
const register = async (partnerKey: string, products: string[]) => {
  const res = await app.http('POST', '/v1/deals', { key: partnerKey, body: registration({ amount: '75000', products }) });
  expect(res.status).toBe(201);
  return dealWhen(app, partnerKey, res.body.id, (d) => d.status === 'pending-approval' && d.currentStep);
};

describe('approval by the deal-approval rules', () => {
  test('a two-level sequential chain: manager, then director; each inbox shows it in turn', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['suite']);
    expect(deal.plan.rule).toBe('fallback');
    expect(deal.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([['channel manager', 'active'], ['sales director', 'waiting']]);
    expect(new Date(deal.currentStep.deadline).getTime()).toBeGreaterThan(Date.now());
    expect(await inboxIds(approverA.key)).toContain(deal.id);
    expect(await inboxIds(admin.key)).not.toContain(deal.id);

    const first = await decide(app, approverA.key, deal.id, 'approve', { comment: 'good fit', stepId: 'r-1' });
    expect(first.status).toBe(200);
    expect(first.body.currentStep).toMatchObject({ id: 'r-2', name: 'sales director', role: 'tenant-admin' });
    expect(await inboxIds(approverA.key)).not.toContain(deal.id);
    expect(await inboxIds(admin.key)).toContain(deal.id);
    // The approver cannot decide the director's step.
    const wrongRole = await decide(app, approverB.key, deal.id, 'approve');
    expect(wrongRole.status).toBe(409);
    expect(wrongRole.body.type).toBe('urn:trellis:problem:decision-refused');
    expect(wrongRole.body.detail).toMatch(/decided by the tenant-admin role/);

    const second = await decide(app, admin.key, deal.id, 'approve');
    expect(second.status).toBe(200);
    const approved = await dealWhen(app, p.key, deal.id, (d) => d.status === 'protected');
    expect(approved.steps.map((s: { status: string }) => s.status)).toEqual(['approved', 'approved']);
    expect(approved.steps[0].decisions[0]).toMatchObject({ actorId: approverA.keyId, decision: 'approve', comment: 'good fit' });
    // A decision on a step that has finished is refused with a clear reason.
    const late = await decide(app, approverA.key, deal.id, 'approve', { stepId: 'r-1' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/no step of this deal awaits a decision \(the deal is protected\)/);
    await keepHistory(app.running.services.workflows.handle(t.tenant, dealWorkflow, deal.id), 'deal-approval-two-level');
  });

  test('an `all` step needs every named approver, each once', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['firewall']);
    expect(deal.currentStep).toMatchObject({ name: 'security board', anyone: false, actors: [approverA.keyId, approverB.keyId] });
    const outsider = await t.staff('approver');
    expect(await inboxIds(outsider.key)).not.toContain(deal.id);
    expect((await decide(app, outsider.key, deal.id, 'approve')).body.detail).toMatch(/not one of the approvers/);

    expect((await decide(app, approverA.key, deal.id, 'approve')).status).toBe(200);
    const twice = await decide(app, approverA.key, deal.id, 'approve');
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/already approved step "security board"/);
    expect(await inboxIds(approverA.key)).not.toContain(deal.id);
    expect(await inboxIds(approverB.key)).toContain(deal.id);

    expect((await decide(app, approverB.key, deal.id, 'approve')).status).toBe(200);
    const approved = await dealWhen(app, p.key, deal.id, (d) => d.status === 'protected');
    expect(approved.steps[0].decisions.map((d: { actorId: string }) => d.actorId)).toEqual([approverA.keyId, approverB.keyId]);
  });

  test('the same approver deciding twice at the same moment on an `all` step: exactly one counts', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['firewall']);
    const results = await Promise.all([1, 2, 3].map(() => decide(app, approverA.key, deal.id, 'approve')));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const after = (await app.http('GET', `/v1/deals/${deal.id}`, { key: p.key })).body;
    expect(after.steps[0].decisions).toHaveLength(1);
    expect(after.currentStep.actors).toEqual([approverB.keyId]);
  });

  test('a sequential step takes its approvers in order', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['router']);
    expect(deal.currentStep.actors).toEqual([approverA.keyId]);
    expect((await decide(app, approverB.key, deal.id, 'approve')).body.detail).toMatch(/not your turn/);
    expect(await inboxIds(approverB.key)).not.toContain(deal.id);
    await decide(app, approverA.key, deal.id, 'approve');
    expect(await inboxIds(approverB.key)).toContain(deal.id);
    await decide(app, approverB.key, deal.id, 'approve');
    await dealWhen(app, p.key, deal.id, (d) => d.status === 'protected');
  });

  test('an SLA passes: reminders, escalation to the next role, then the timeout action', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['escalate']);
    expect(await inboxIds(approverA.key)).toContain(deal.id);
    const escalated = await dealWhen(app, p.key, deal.id, (d) => d.currentStep?.escalated === true, 10000);
    expect(escalated.currentStep).toMatchObject({ role: 'tenant-admin', anyone: true });
    expect(escalated.history.some((h: { type: string }) => h.type === 'reminder')).toBe(true);
    expect(await inboxIds(admin.key)).toContain(deal.id);
    expect(await inboxIds(approverA.key)).not.toContain(deal.id);
    // Nobody acts on the escalation either: the rules approve it.
    const approved = await dealWhen(app, p.key, deal.id, (d) => d.status === 'protected', 10000);
    expect(approved.steps[0]).toMatchObject({ status: 'approved', escalated: true });
    expect(approved.steps[0].decisions).toEqual([expect.objectContaining({ actorId: 'system', decision: 'timeout-approve' })]);
    expect(approved.history.map((h: { type: string }) => h.type)).toEqual(expect.arrayContaining(['reminder', 'escalated', 'timeout', 'protected']));
    await keepHistory(app.running.services.workflows.handle(t.tenant, dealWorkflow, deal.id), 'deal-approval-escalation');
  });

  test('a step whose timeout action is reject rejects the deal when its SLA passes', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['timeout']);
    const rejected = await dealWhen(app, p.key, deal.id, (d) => d.status === 'rejected', 10000);
    expect(rejected.steps[0].decisions).toEqual([expect.objectContaining({ actorId: 'system', decision: 'timeout-reject' })]);
    expect(rejected.currentStep).toBeNull();
  });

  test('a rejection ends the deal; nothing can be decided afterwards', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['suite']);
    const res = await decide(app, approverA.key, deal.id, 'reject', { comment: 'customer is a direct account' });
    expect(res.status).toBe(200);
    const rejected = await dealWhen(app, p.key, deal.id, (d) => d.status === 'rejected' && !d.holdsProtectionClaim);
    expect(rejected.steps.map((s: { status: string }) => s.status)).toEqual(['rejected', 'waiting']);
    const after = await decide(app, admin.key, deal.id, 'approve');
    expect(after.status).toBe(409);
    expect(after.body.detail).toMatch(/the deal is rejected/);
    expect(await inboxIds(admin.key)).not.toContain(deal.id);
  });

  test('request-info: the partner answers, then the approver approves', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['single']);
    const asked = await decide(app, approverA.key, deal.id, 'request-info', { comment: 'who is the economic buyer?' });
    expect(asked.status).toBe(200);
    expect(asked.body.status).toBe('info-requested');
    expect(await inboxIds(approverA.key)).not.toContain(deal.id);
    expect((await decide(app, approverA.key, deal.id, 'request-info')).body.detail).toMatch(/already requested/);
    // Another partner cannot answer for it; the owner can.
    const other = await t.partner('silver');
    expect((await app.http('POST', `/v1/deals/${deal.id}/info`, { key: other.key, body: { note: 'me' } })).status).toBe(404);
    const answered = await app.http('POST', `/v1/deals/${deal.id}/info`, { key: p.key, body: { note: 'the CFO, Jane Roe' } });
    expect(answered.status).toBe(200);
    expect(answered.body.status).toBe('pending-approval');
    expect(await inboxIds(approverA.key)).toContain(deal.id);
    expect((await app.http('POST', `/v1/deals/${deal.id}/info`, { key: p.key, body: { note: 'again' } })).body.detail).toMatch(/no information was requested/);
    await decide(app, approverA.key, deal.id, 'approve');
    const approved = await dealWhen(app, p.key, deal.id, (d) => d.status === 'protected');
    expect(approved.history.map((h: { type: string }) => h.type)).toEqual(expect.arrayContaining(['info-requested', 'info-provided', 'approved-step', 'protected']));
    expect(approved.steps[0].decisions.map((d: { decision: string }) => d.decision)).toEqual(['request-info', 'approve']);
  });

  test('the workflow itself refuses the registering partner and its key, whatever the API lets through', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['single']);
    const handle = app.running.services.workflows.handle(t.tenant, dealWorkflow, deal.id);
    for (const actor of [{ keyId: p.keyId, role: 'approver' }, { keyId: 'key_00000000000000000000000000', role: 'approver', partyId: p.partnerId }]) {
      const err = await handle.executeUpdate(decideUpdate, { args: [{ actor, decision: 'approve' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((err as WorkflowUpdateFailedError).cause as Error).message).toBe('the registering partner can never decide on its own deal');
    }
    const unchanged = (await app.http('GET', `/v1/deals/${deal.id}`, { key: p.key })).body;
    expect(unchanged.steps[0].decisions).toEqual([]);
    expect(unchanged.status).toBe('pending-approval');
  });

  test('bad decisions are refused at the edge', async () => {
    const p = await t.partner('silver');
    const deal = await register(p.key, ['single']);
    expect((await app.http('POST', `/v1/deals/${deal.id}/decisions`, { key: approverA.key, body: { decision: 'maybe' } })).status).toBe(422);
    expect((await app.http('POST', `/v1/deals/${deal.id}/decisions`, { key: approverA.key, body: { decision: 'approve', extra: true } })).status).toBe(422);
    const stale = await decide(app, approverA.key, deal.id, 'approve', { stepId: 'r-9' });
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toMatch(/step r-9 is already finished or not started/);
  });
});

describe('approvers resolved from the role', () => {
  test('an `all` step without named approvers needs every active key of the role (not the revoked one)', async () => {
    const r = await dealTenant(app, testRules({ fallback: { action: 'review', steps: [quickStep({ name: 'whole team', mode: 'all' }) as never] } }));
    const [one, two, gone] = [await r.staff('approver'), await r.staff('approver'), await r.staff('approver')];
    await app.running.services.apiKeys.revoke(r.tenantId, gone.keyId);
    const p = await r.partner('silver');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '75000' }) });
    const deal = await dealWhen(app, p.key, res.body.id, (d) => d.currentStep);
    expect(deal.steps[0].eligible).toEqual([one.keyId, two.keyId]);
    expect((await decide(app, one.key, deal.id, 'approve')).body.currentStep.actors).toEqual([two.keyId]);
    expect((await decide(app, two.key, deal.id, 'approve')).body.status).toBe('protected');
  });

  test('a dedicated tenant runs its deals in its own namespace', async () => {
    const d = await dealTenant(app, testRules(), { isolation: 'dedicated' });
    expect(d.tenant.placement.isolation).toBe('dedicated');
    const approver = await d.staff('approver');
    const admin2 = await d.staff('tenant-admin');
    const p = await d.partner('silver');
    const res = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '75000' }) });
    await dealWhen(app, p.key, res.body.id, (x) => x.currentStep?.id === 'r-1');
    await decide(app, approver.key, res.body.id, 'approve');
    expect((await decide(app, admin2.key, res.body.id, 'approve')).body.status).toBe('protected');
    const described = await app.running.services.workflows.handle(d.tenant, dealWorkflow, res.body.id).describe();
    expect(described.workflowId).toBe(`${d.tenantId}/deal/${res.body.id}`);
    expect(d.tenant.placement.namespace).not.toBe(app.config.temporalNamespace);
  });
});

describe('rule versions', () => {
  test('a version published mid-flight does not change a running deal; new deals get it', async () => {
    const v = await dealTenant(app);
    const p = await v.partner('silver');
    const approver = await v.staff('approver');
    const running = await register(p.key, ['suite']);
    expect(running.ruleSetVersion).toBe(2);
    const published = await v.publish(testRules({ rules: [{ name: 'everything is fine', when: {}, action: 'auto-approve' }] }));
    expect(published).toBe(3);

    const fresh = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '75000' }) });
    const freshDeal = await dealWhen(app, p.key, fresh.body.id, (d) => d.status === 'protected');
    expect(freshDeal).toMatchObject({ ruleSetVersion: 3, plan: { rule: 'everything is fine' } });

    const stillPending = (await app.http('GET', `/v1/deals/${running.id}`, { key: p.key })).body;
    expect(stillPending).toMatchObject({ status: 'pending-approval', ruleSetVersion: 2, plan: { rule: 'fallback' } });
    await decide(app, approver.key, running.id, 'approve');
    const director = await dealWhen(app, p.key, running.id, (d) => d.currentStep?.name === 'sales director');
    expect(director.ruleSetVersion).toBe(2);
  });
});
