import { whoMustAct } from './approval-steps';
import type { DealApproval } from './deal-approval';
import type { DealHistoryEntry, DealStatus, DealStepView } from './deal';

/** What the deal workflow publishes to the read model: its live state, nothing the API owns. */
export interface DealView {
  status: DealStatus;
  purpose: 'registration' | 'extension';
  plan?: { rule: string; action: string; reason?: string; notes: string[] };
  currentStep: { id: string; name: string; role: string; anyone: boolean; actors: string[]; deadline?: string; escalated: boolean } | null;
  awaitingRole: string | null;
  steps: DealStepView[];
  protectedUntil: string | null;
  extensionsUsed: number;
  /** Entries from `historyFrom` on (the ones new since the last publish); without it, all of them. */
  history: DealHistoryEntry[];
  historyFrom?: number;
  outcome?: 'won' | 'lost';
  closedAmountMinor?: number;
  closedCurrency?: string;
  closedAmountTenantMinor?: number;
  closedAt?: string;
  closeReason?: string;
}

/** The parts of a deal's process state the read model shows. */
export type ProjectedState = Pick<
  DealApproval,
  'status' | 'purpose' | 'plan' | 'steps' | 'current' | 'closed' | 'protectedUntil' | 'extensionsUsed' | 'pending' | 'published'
>;

/**
 * The deal document as its process state shows it: who must act now, every step with its
 * decisions, the protection, the close, and the history entries not yet published. Pure.
 */
export function projectDeal(deal: ProjectedState): DealView {
  const { status, plan, closed } = deal;
  const awaiting = deal.current?.status === 'active' && !closed ? deal.current : undefined;
  const who = awaiting ? whoMustAct(awaiting) : undefined;
  return {
    status,
    purpose: deal.purpose,
    plan: plan ? { rule: plan.rule, action: plan.action, reason: plan.reason, notes: plan.notes } : undefined,
    currentStep: awaiting && who
      ? { id: awaiting.id, name: awaiting.name, role: who.role, anyone: who.anyone, actors: who.actors, deadline: awaiting.deadline, escalated: awaiting.escalated }
      : null,
    // Waiting for the partner's information, the approvers' inbox need not show the deal.
    awaitingRole: awaiting && status !== 'info-requested' ? awaiting.role : null,
    steps: deal.steps.map((s) => ({ id: s.id, name: s.name, role: s.role, mode: s.mode, eligible: s.eligible, status: s.status, escalated: s.escalated, deadline: s.deadline, decisions: s.decisions })),
    protectedUntil: deal.protectedUntil !== undefined ? new Date(deal.protectedUntil).toISOString() : null,
    extensionsUsed: deal.extensionsUsed,
    history: [...deal.pending],
    historyFrom: deal.published,
    ...(closed
      ? { outcome: closed.outcome, closedAmountMinor: closed.amountMinor, closedCurrency: closed.currency, closedAmountTenantMinor: closed.amountTenantMinor, closedAt: closed.closedAt, closeReason: closed.reason }
      : {}),
  };
}
