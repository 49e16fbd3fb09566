import { setHandler, condition, ApplicationFailure, patched } from '@temporalio/workflow';
import type { OnboardingRules } from '../../domain/onboarding/definition';
import {
  OnboardingState, Refusal, CLOSED_STATUSES, Actor, AgreementAcceptance, SubmittedDocument, ReviewDecision, Resubmission, Withdrawal, TrainingCompletion,
  refuseAgreement, refuseDocuments, refuseDecision, refuseResubmission, refuseWithdrawal, refuseTraining, ALREADY_APPROVED,
} from '../../domain/onboarding/state';
import {
  OnboardingAnswer, acceptAgreementUpdate, submitDocumentsUpdate, decideUpdate, resubmitUpdate, withdrawUpdate, completeTrainingUpdate,
  onboardingStateQuery, REFUSED, INVALID_INPUT, NOT_READY,
} from './messages';

/**
 * Messages an application has received and the main flow has not yet taken. Each Update's
 * validator refuses what does not fit the state (domain/onboarding/state.ts); an accepted message
 * waits here and its caller is answered once the flow took it, or the application closed anyway.
 */
export interface Inbox {
  agreement?: AgreementAcceptance;
  documents?: { documents: SubmittedDocument[]; actor: Actor };
  decision?: ReviewDecision;
  resubmission?: Resubmission;
  withdrawal?: Withdrawal;
  /** Modules being recorded right now (the training Update records them itself). */
  training: Set<string>;
}

/**
 * Whether what the flow last did is in the read model: no progress write is in flight and the
 * flow is parked waiting for a message or a timer. An answer waits for this, so a GET right after
 * it shows the same state.
 */
export interface Settledness {
  settled(): boolean;
}

/** Patch id: answers wait until the read model shows them (histories from before answered earlier). */
export const ANSWER_WHEN_SETTLED = 'onboarding-answer-when-settled';

export function openInbox(
  state: OnboardingState,
  rules: () => OnboardingRules | undefined,
  recordTraining: (completion: TrainingCompletion) => Promise<void>,
  flow: Settledness,
): Inbox {
  const inbox: Inbox = { training: new Set() };
  const refuse = (refusal: Refusal | undefined): void => {
    if (refusal) throw ApplicationFailure.create({ type: refusal.kind === 'input' ? INVALID_INPUT : REFUSED, message: refusal.message, nonRetryable: true });
  };
  const ready = (): OnboardingRules => {
    const pinned = rules();
    if (!pinned) throw ApplicationFailure.create({ type: NOT_READY, message: 'the application is still starting; try again in a moment', nonRetryable: true });
    return pinned!;
  };
  const busy = (pending: unknown, message: string): void => refuse(pending === undefined ? undefined : { kind: 'state', message });
  const answer = (): OnboardingAnswer => ({ status: state.status, currentStep: state.currentStep, round: state.round });
  const handled = async (taken: () => boolean): Promise<OnboardingAnswer> => {
    const settle = patched(ANSWER_WHEN_SETTLED);
    await condition(() => (taken() || CLOSED_STATUSES.includes(state.status)) && (!settle || flow.settled()));
    return answer();
  };

  setHandler(onboardingStateQuery, () => state);
  setHandler(acceptAgreementUpdate, (a) => {
    inbox.agreement = a;
    return handled(() => inbox.agreement !== a);
  }, { validator: (a) => { busy(inbox.agreement, 'an acceptance is already being recorded'); refuse(refuseAgreement(state, ready(), a)); } });
  setHandler(submitDocumentsUpdate, (d) => {
    inbox.documents = d;
    return handled(() => inbox.documents !== d);
  }, { validator: (d) => { busy(inbox.documents, 'documents are already being recorded'); refuse(refuseDocuments(state, ready(), d.documents)); } });
  setHandler(decideUpdate, (d) => {
    inbox.decision = d;
    return handled(() => inbox.decision !== d);
  }, { validator: (d) => {
    busy(inbox.decision, 'another decision is being applied');
    busy(inbox.withdrawal, 'the application is being withdrawn');
    refuse(refuseDecision(state, ready(), d));
  } });
  setHandler(resubmitUpdate, (r) => {
    inbox.resubmission = r;
    return handled(() => inbox.resubmission !== r);
  }, { validator: (r) => { busy(inbox.resubmission, 'a resubmission is already being recorded'); refuse(refuseResubmission(state, ready(), r)); } });
  setHandler(withdrawUpdate, (w) => {
    inbox.withdrawal = w;
    return handled(() => state.status === 'withdrawn' || inbox.withdrawal !== w);
  }, { validator: (_w) => {
    busy(inbox.withdrawal, 'the application is already being withdrawn');
    refuse(refuseWithdrawal(state));
    // An approval accepted but not yet taken by the flow wins: the partner is about to be made.
    if (inbox.decision?.decision === 'approve') refuse({ kind: 'state', message: ALREADY_APPROVED });
  } });
  setHandler(completeTrainingUpdate, async (t) => {
    inbox.training.add(t.module);
    try {
      await recordTraining(t);
      state.completedModules.push(t.module);
    } finally {
      inbox.training.delete(t.module);
    }
    return answer();
  }, { validator: (t) => { busy(inbox.training.has(t.module) ? t : undefined, `module ${t.module} is already being recorded`); refuse(refuseTraining(state, ready(), t)); } });
  return inbox;
}
