import { setHandler, condition, ApplicationFailure } from '@temporalio/workflow';
import type { OnboardingRules } from '../../domain/onboarding/definition';
import {
  OnboardingState, Refusal, CLOSED_STATUSES, Actor, AgreementAcceptance, SubmittedDocument, ReviewDecision, Resubmission, Withdrawal, TrainingCompletion,
  refuseAgreement, refuseDocuments, refuseDecision, refuseResubmission, refuseWithdrawal, refuseTraining,
} from '../../domain/onboarding/state';
import {
  OnboardingAnswer, acceptAgreementUpdate, submitDocumentsUpdate, decideUpdate, resubmitUpdate, withdrawUpdate, completeTrainingUpdate,
  onboardingStateQuery, REFUSED, INVALID_INPUT,
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

export function openInbox(
  state: OnboardingState,
  rules: () => OnboardingRules | undefined,
  recordTraining: (completion: TrainingCompletion) => Promise<void>,
): Inbox {
  const inbox: Inbox = { training: new Set() };
  const refuse = (refusal: Refusal | undefined): void => {
    if (refusal) throw ApplicationFailure.create({ type: refusal.kind === 'input' ? INVALID_INPUT : REFUSED, message: refusal.message, nonRetryable: true });
  };
  const ready = (): OnboardingRules => {
    const pinned = rules();
    if (!pinned) refuse({ kind: 'state', message: 'the application is still starting; try again in a moment' });
    return pinned!;
  };
  const busy = (pending: unknown, message: string): void => refuse(pending === undefined ? undefined : { kind: 'state', message });
  const answer = (): OnboardingAnswer => ({ status: state.status, currentStep: state.currentStep, round: state.round });
  const handled = async (taken: () => boolean): Promise<OnboardingAnswer> => {
    await condition(() => taken() || CLOSED_STATUSES.includes(state.status));
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
  }, { validator: (d) => { busy(inbox.decision, 'another decision is being applied'); refuse(refuseDecision(state, ready(), d)); } });
  setHandler(resubmitUpdate, (r) => {
    inbox.resubmission = r;
    return handled(() => inbox.resubmission !== r);
  }, { validator: (r) => { busy(inbox.resubmission, 'a resubmission is already being recorded'); refuse(refuseResubmission(state, ready(), r)); } });
  setHandler(withdrawUpdate, (w) => {
    inbox.withdrawal = w;
    return handled(() => state.status === 'withdrawn' || inbox.withdrawal !== w);
  }, { validator: (_w) => { busy(inbox.withdrawal, 'the application is already being withdrawn'); refuse(refuseWithdrawal(state)); } });
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
