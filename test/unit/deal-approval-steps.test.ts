import { applyDecision, escalate, newStep, refusal, whoMustAct, StepState } from '../../domain/deals/approval-steps';

const owner = { partnerId: 'ptn_owner', registeredBy: 'key_partner' };
const approver = (keyId: string, role = 'approver') => ({ keyId, role });
const at = '2026-01-01T00:00:00.000Z';

function active(mode: 'any' | 'all' | 'sequential', eligible: string[] | null): StepState {
  const step = newStep({ name: 'review', role: 'approver', mode, sla: '1 day', onTimeout: 'reject' }, 'r-1');
  step.eligible = eligible;
  step.status = 'active';
  return step;
}

describe('review step semantics', () => {
  test('any: the first approval completes the step', () => {
    const step = active('any', null);
    expect(refusal(step, approver('key_a'), 'approve', owner, 'pending-approval')).toBeUndefined();
    expect(applyDecision(step, { actorId: 'key_a', decision: 'approve', at })).toBe('approved');
  });

  test('all: every approver must approve, each once', () => {
    const step = active('all', ['key_a', 'key_b']);
    expect(applyDecision(step, { actorId: 'key_a', decision: 'approve', at })).toBe('active');
    expect(refusal(step, approver('key_a'), 'approve', owner, 'pending-approval')).toMatch(/already approved/);
    expect(whoMustAct(step)).toEqual({ role: 'approver', anyone: false, actors: ['key_b'] });
    expect(applyDecision(step, { actorId: 'key_b', decision: 'approve', at })).toBe('approved');
  });

  test('sequential: approvers act in order', () => {
    const step = active('sequential', ['key_a', 'key_b']);
    expect(whoMustAct(step).actors).toEqual(['key_a']);
    expect(refusal(step, approver('key_b'), 'approve', owner, 'pending-approval')).toMatch(/not your turn/);
    applyDecision(step, { actorId: 'key_a', decision: 'approve', at });
    expect(whoMustAct(step).actors).toEqual(['key_b']);
    expect(applyDecision(step, { actorId: 'key_b', decision: 'approve', at })).toBe('approved');
  });

  test('one rejection rejects the step', () => {
    const step = active('all', ['key_a', 'key_b']);
    applyDecision(step, { actorId: 'key_a', decision: 'approve', at });
    expect(applyDecision(step, { actorId: 'key_b', decision: 'reject', at })).toBe('rejected');
  });

  test('the registering partner can never decide, whatever key it uses', () => {
    const step = active('any', null);
    expect(refusal(step, { keyId: 'key_partner', role: 'approver' }, 'approve', owner, 'pending-approval')).toMatch(/registering partner/);
    expect(refusal(step, { keyId: 'key_x', role: 'partner', partyId: 'ptn_owner' }, 'approve', owner, 'pending-approval')).toMatch(/registering partner/);
  });

  test('wrong role, not named, finished or stale steps are refused with a reason', () => {
    const step = active('all', ['key_a']);
    expect(refusal(step, approver('key_f', 'finance'), 'approve', owner, 'pending-approval')).toMatch(/decided by the approver role/);
    expect(refusal(step, approver('key_z'), 'approve', owner, 'pending-approval')).toMatch(/not one of the approvers/);
    expect(refusal(step, approver('key_a'), 'approve', owner, 'pending-approval', 'r-0')).toMatch(/already finished/);
    applyDecision(step, { actorId: 'key_a', decision: 'approve', at });
    expect(refusal(step, approver('key_a'), 'approve', owner, 'protected')).toMatch(/no step of this deal awaits a decision \(the deal is protected\)/);
  });

  test('escalation hands the step to another role, decided by anyone in it', () => {
    const step = active('all', ['key_a']);
    escalate(step, 'tenant-admin');
    expect(whoMustAct(step)).toEqual({ role: 'tenant-admin', anyone: true, actors: [] });
    expect(refusal(step, approver('key_admin', 'tenant-admin'), 'approve', owner, 'pending-approval')).toBeUndefined();
  });
});
