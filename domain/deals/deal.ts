/**
 * A registered deal's status, history entries and step views: what its approval workflow holds
 * and publishes, and what the read model (models/deals/deal.ts) stores. Pure types.
 */
export const DEAL_STATUSES = [
  'submitted',
  'pending-approval',
  'info-requested',
  'protected',
  'extension-review',
  'rejected',
  'expired',
  'closed',
  /** Its process died or never started (a crash mid-registration): closed by the reaper. */
  'abandoned',
] as const;

export type DealStatus = (typeof DEAL_STATUSES)[number];

export interface DealHistoryEntry {
  at: string;
  type: string;
  actorId?: string;
  stepId?: string;
  detail?: string;
  /** The request's Update id (`op:…`), so a retried decision finds that it was already applied. */
  updateId?: string;
}

export interface DealStepView {
  id: string;
  name: string;
  role: string;
  mode: string;
  eligible: string[] | null;
  status: string;
  escalated: boolean;
  deadline?: string;
  decisions: { actorId: string; decision: string; comment?: string; at: string }[];
}
