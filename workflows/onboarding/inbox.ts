import { setHandler, condition, patched } from '@temporalio/workflow';
import type { OnboardingRules } from '../../domain/onboarding/definition';
import {
  OnboardingState, CLOSED_STATUSES, Actor, AgreementAcceptance, SubmittedDocument, ReviewDecision, Resubmission, Withdrawal, TrainingCompletion,
  refuseAgreement, refuseDocuments, refuseDecision, refuseResubmission, refuseWithdrawal, refuseTraining, ALREADY_APPROVED,
} from '../../domain/onboarding/state';
import { refused, notReady, type Refusal } from '../../domain/refusals';
import { handleUpdate } from '../updates';
import {
  OnboardingAnswer, acceptAgreementUpdate, submitDocumentsUpdate, decideUpdate, resubmitUpdate, withdrawUpdate, completeTrainingUpdate,
  onboardingStateQuery,
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
  const busy = (pending: unknown, message: string): Refusal | undefined => (pending === undefined ? undefined : refused(message));
  /** The checks that need the pinned rules; until the first activity loaded them, "in a moment". */
  const whenReady = (check: (pinned: OnboardingRules) => Refusal | undefined): Refusal | undefined => {
    const pinned = rules();
    return pinned ? check(pinned) : notReady('the application is still starting; try again in a moment');
  };
  const answer = (): OnboardingAnswer => ({ status: state.status, currentStep: state.currentStep, round: state.round });
  const handled = async (taken: () => boolean): Promise<OnboardingAnswer> => {
    const settle = patched(ANSWER_WHEN_SETTLED);
    await condition(() => (taken() || CLOSED_STATUSES.includes(state.status)) && (!settle || flow.settled()));
    return answer();
  };

  setHandler(onboardingStateQuery, () => state);
  handleUpdate(acceptAgreementUpdate, {
    refuse: (a) => busy(inbox.agreement, 'an acceptance is already being recorded') ?? whenReady((r) => refuseAgreement(state, r, a)),
    apply: (a) => {
      inbox.agreement = a;
      return handled(() => inbox.agreement !== a);
    },
  });
  handleUpdate(submitDocumentsUpdate, {
    refuse: (d) => busy(inbox.documents, 'documents are already being recorded') ?? whenReady((r) => refuseDocuments(state, r, d.documents)),
    apply: (d) => {
      inbox.documents = d;
      return handled(() => inbox.documents !== d);
    },
  });
  handleUpdate(decideUpdate, {
    refuse: (d) =>
      busy(inbox.decision, 'another decision is being applied')
      ?? busy(inbox.withdrawal, 'the application is being withdrawn')
      ?? whenReady((r) => refuseDecision(state, r, d)),
    apply: (d) => {
      inbox.decision = d;
      return handled(() => inbox.decision !== d);
    },
  });
  handleUpdate(resubmitUpdate, {
    refuse: (r) => busy(inbox.resubmission, 'a resubmission is already being recorded') ?? whenReady((pinned) => refuseResubmission(state, pinned, r)),
    apply: (r) => {
      inbox.resubmission = r;
      return handled(() => inbox.resubmission !== r);
    },
  });
  handleUpdate(withdrawUpdate, {
    refuse: () =>
      busy(inbox.withdrawal, 'the application is already being withdrawn')
      ?? refuseWithdrawal(state)
      // An approval accepted but not yet taken by the flow wins: the partner is about to be made.
      ?? (inbox.decision?.decision === 'approve' ? refused(ALREADY_APPROVED) : undefined),
    apply: (w) => {
      inbox.withdrawal = w;
      return handled(() => state.status === 'withdrawn' || inbox.withdrawal !== w);
    },
  });
  handleUpdate(completeTrainingUpdate, {
    refuse: (t) => busy(inbox.training.has(t.module) ? t : undefined, `module ${t.module} is already being recorded`) ?? whenReady((r) => refuseTraining(state, r, t)),
    apply: async (t) => {
      inbox.training.add(t.module);
      try {
        await recordTraining(t);
        state.completedModules.push(t.module);
      } finally {
        inbox.training.delete(t.module);
      }
      return answer();
    },
  });
  return inbox;
}
