import { defineUpdate } from '@temporalio/workflow';
import type { DealRegistrationRecord } from '../../activities/deals/index';
import type { DealFacts } from '../../domain/deals/approval-plan';
import type { DealApprovalRules } from '../../domain/deals/approval-rules';
import type { CloseInput, DealCarriedState, DealUpdateResult, DecisionInput, PartnerInput } from '../../domain/deals/deal-approval';

export type { CloseInput, DealCarriedState, DealUpdateResult, DecisionInput, PartnerInput };

/**
 * Messages of the deal approval workflow: its input, and the Updates that carry decisions,
 * information, extension requests and the close. Each is validated by the workflow, so a refused
 * one answers the caller with a reason and changes nothing.
 */
export interface DealApprovalInput {
  tenantId: string;
  dealId: string;
  partnerId: string;
  registeredBy: string;
  /** The rule set is pinned at start: later versions never change this deal. */
  ruleSetVersion: number;
  rules: DealApprovalRules;
  /** `conflict` is decided by the registration activity when `registration` is given. */
  facts: DealFacts;
  /** ISO time of registration. */
  registeredAt: string;
  /**
   * The deal's record: the workflow's first activity writes it, claims the customer and audits
   * the registration, so a crash can never leave a deal without its process or its event.
   * Absent in workflows started before that (the API wrote the record and the event itself).
   */
  registration?: DealRegistrationRecord;
  /**
   * The registration record waits in the store under the deal's id (models/deal-registration.ts):
   * the payload carries no customer data. Set by current registrations instead of `registration`.
   */
  registrationStaged?: boolean;
  /** State carried over continue-as-new into the protection period. */
  resume?: DealCarriedState;
}

export const decideUpdate = defineUpdate<DealUpdateResult, [DecisionInput]>('decide');
export const provideInfoUpdate = defineUpdate<DealUpdateResult, [PartnerInput]>('provideInfo');
export const requestExtensionUpdate = defineUpdate<DealUpdateResult, [PartnerInput]>('requestExtension');
export const closeDealUpdate = defineUpdate<DealUpdateResult, [CloseInput]>('closeDeal');
