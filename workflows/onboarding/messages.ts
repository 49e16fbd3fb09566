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

/** ApplicationFailure types the API maps to problems: Refused → 409, InvalidInput → 422. */
export { REFUSED, INVALID_INPUT } from '../../domain/refusals';
