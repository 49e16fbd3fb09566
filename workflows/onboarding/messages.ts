import { defineUpdate, defineQuery } from '@temporalio/workflow';
import type {
  AgreementAcceptance, ReviewDecision, Resubmission, Withdrawal, TrainingCompletion, SubmittedDocument, Actor,
  OnboardingState, ApplicationStatus,
} from '../../domain/onboarding/state';

/**
 * Messages of the onboarding workflow. Each decision is an Update with a validator, so a refused
 * one answers the caller at once with the reason and never enters history.
 */
export interface OnboardingInput {
  tenantId: string;
  applicationId: string;
  partnerId: string;
  ruleSetVersion: number;
  /** History length after which a long wait continues as new (Temporal's own suggestion also counts). */
  continueAsNewAfter?: number;
  /** Set when a run continued as new: where and with what state it picks up. */
  resume?: OnboardingResume;
}

/**
 * What a run carries into the next when a long wait (review reminders, enablement) continues as
 * new. Times are epoch ms of the workflow clock; `state.history` keeps only its recent entries
 * (the read model has all of them).
 */
export interface OnboardingResume {
  step: 'vendor-review' | 'enablement';
  state: OnboardingState;
  seq: number;
  review?: { opened: number; nextReminder: number };
  enablement?: { dueAt: number; overdue: boolean; seen: number; nextReminder: number };
}

export interface OnboardingAnswer {
  status: ApplicationStatus;
  currentStep: string | null;
  round: number;
}

export const acceptAgreementUpdate = defineUpdate<OnboardingAnswer, [AgreementAcceptance]>('acceptAgreement');
export const submitDocumentsUpdate = defineUpdate<OnboardingAnswer, [{ documents: SubmittedDocument[]; actor: Actor }]>('submitDocuments');
export const decideUpdate = defineUpdate<OnboardingAnswer, [ReviewDecision]>('decide');
export const resubmitUpdate = defineUpdate<OnboardingAnswer, [Resubmission]>('resubmit');
export const withdrawUpdate = defineUpdate<OnboardingAnswer, [Withdrawal]>('withdraw');
export const completeTrainingUpdate = defineUpdate<OnboardingAnswer, [TrainingCompletion]>('completeTraining');
export const onboardingStateQuery = defineQuery<OnboardingState>('onboardingState');
