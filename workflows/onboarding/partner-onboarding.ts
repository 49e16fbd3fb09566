import { proxyActivities, condition, allHandlersFinished, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { OnboardingActivities, Progress, ApplicationPatch } from '../../activities/onboarding/index';
import type { OnboardingRules, OnboardingStep } from '../../domain/onboarding/definition';
import { requireDurationMs } from '../../domain/durations';
import { OnboardingState, ApplicationStatus, Actor, ReviewDecision, missingDocuments, mergeDocuments } from '../../domain/onboarding/state';
import type { OnboardingInput, OnboardingResume } from './messages';
import { openInbox } from './inbox';
import { Publisher } from '../publisher';

export * from './messages';

// Store writes and reads: short, so an attempt lost with a dying worker is retried in seconds.
const acts = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
// Provisioning does several writes and heartbeats between them: a dead worker is noticed at the heartbeat timeout.
const provisioningActs = proxyActivities<Pick<OnboardingActivities, 'provisionPartner'>>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Past this many history events a long wait continues as new; Temporal's suggestion also counts. */
const CONTINUE_AS_NEW_AFTER = 2000;
/** History entries a continued run keeps for the live Query (the read model keeps all). */
const CARRIED_HISTORY = 20;

type Outcome = { status: ApplicationStatus };

/**
 * One partner application, from the first automated check to the end of enablement. The steps
 * and every duration come from the tenant's `onboarding` rule set, pinned at start. The workflow
 * owns the process; the read model and audit log are written through activities.
 */
export async function partnerOnboarding(input: OnboardingInput): Promise<Outcome> {
  const { tenantId, applicationId, partnerId } = input;
  let resume: OnboardingResume | undefined = input.resume;
  const state: OnboardingState = resume?.state ?? {
    applicationId, partnerId, status: 'submitted', currentStep: null, ruleSetVersion: input.ruleSetVersion,
    round: 0, escalated: false, documents: [], completedModules: [], history: [],
  };
  let rules: OnboardingRules | undefined;
  const progress = new Publisher();
  // The flow is "settled" while it waits and no progress write is in flight: answers wait for that.
  let parked = false;
  async function park<T>(wait: () => Promise<T>): Promise<T> {
    parked = true;
    try {
      return await wait();
    } finally {
      parked = false;
    }
  }
  // Messages are listened for before anything is awaited, so none is lost or left unanswered.
  const inbox = openInbox(state, () => rules, (t) => acts.recordTrainingCompleted(tenantId, partnerId, t.module, t.completedAt, t.actor), {
    settled: () => parked && progress.idle,
  });

  let seq = resume?.seq ?? 0;
  const iso = (ms: number = Date.now()): string => new Date(ms).toISOString();
  async function record(step: OnboardingStep | 'application', event: string, opts: Omit<Progress, 'entry'> & { detail?: string; actor?: Actor } = {}): Promise<void> {
    const { detail, actor, ...rest } = opts;
    const entry = { seq: ++seq, at: iso(), step, event, ...(detail ? { detail } : {}), ...(actor ? { actor } : {}) };
    state.history.push(entry);
    await progress.write(() => acts.recordProgress(tenantId, applicationId, { entry, ...rest }));
  }

  /**
   * Continues as new at a wait point once history is long (a review or enablement with reminders
   * can live for weeks), carrying the state. Only when no message is pending or being handled.
   */
  async function continueIfLong(at: Omit<OnboardingResume, 'state' | 'seq'>): Promise<void> {
    const info = workflowInfo();
    const long = info.continueAsNewSuggested || info.historyLength >= (input.continueAsNewAfter ?? CONTINUE_AS_NEW_AFTER);
    const pending = inbox.agreement || inbox.documents || inbox.decision || inbox.resubmission || inbox.withdrawal || inbox.training.size > 0;
    if (!long || pending || !allHandlersFinished()) return;
    const carried: OnboardingState = { ...state, history: state.history.slice(-CARRIED_HISTORY) };
    await continueAsNew<typeof partnerOnboarding>({ ...input, resume: { ...at, state: carried, seq } });
  }
  async function transition(status: ApplicationStatus, step: OnboardingStep | null, event: string, opts: Omit<Progress, 'entry'> & { detail?: string; actor?: Actor } = {}): Promise<void> {
    state.status = status;
    state.currentStep = step;
    await record(step ?? 'application', event, { audit: `partner-application.${event}`, ...opts, set: { status, currentStep: step, ...opts.set } });
  }
  async function close(status: ApplicationStatus, reason: string, opts: { actor?: Actor; set?: ApplicationPatch; decision?: Progress['decision'] } = {}): Promise<Outcome> {
    await transition(status, state.currentStep, status, { ...opts, detail: reason, set: { closedReason: reason, closedAt: iso(), ...opts.set } });
    return { status };
  }

  const pinned = await acts.loadOnboardingRules(tenantId, input.ruleSetVersion);
  rules = pinned.rules;
  state.agreementHash = pinned.agreementHash;
  const expireMs = requireDurationMs(rules.expireAfter);

  /** Waits for the applicant until `done`, a withdrawal, or the stall deadline. */
  async function waitForApplicant(done: () => boolean, deadline: number): Promise<Outcome | undefined> {
    const inTime = await park(() => condition(() => done() || inbox.withdrawal !== undefined, Math.max(1, deadline - Date.now())));
    if (inbox.withdrawal) return withdrawn();
    if (!inTime) return close('expired', `nothing from the applicant within ${rules!.expireAfter} while ${state.status}`);
    return undefined;
  }
  async function withdrawn(): Promise<Outcome> {
    const w = inbox.withdrawal!;
    const outcome = await close('withdrawn', w.reason?.trim() || 'withdrawn by the applicant', { actor: w.actor });
    inbox.withdrawal = undefined;
    return outcome;
  }

  async function automatedChecks(r: OnboardingRules): Promise<Outcome | undefined> {
    await transition('checking', 'automated-checks', 'checks-started', { audit: undefined });
    const findings = await acts.runAutomatedChecks(tenantId, applicationId, r.checks);
    if (findings.length > 0) {
      return close('declined', findings.map((f) => f.detail).join('; '), { set: { findings } });
    }
    await record('automated-checks', 'checks-passed', { set: { findings: [] } });
    return inbox.withdrawal ? withdrawn() : undefined;
  }

  async function agreement(r: OnboardingRules): Promise<Outcome | undefined> {
    await transition('awaiting-agreement', 'agreement', 'agreement-presented', { detail: `${r.agreement.title} version ${r.agreement.version}`, audit: undefined });
    const stalled = await waitForApplicant(() => inbox.agreement !== undefined, Date.now() + expireMs);
    if (stalled) return stalled;
    const a = inbox.agreement!;
    state.agreement = a;
    // Who signed, and from where, is evidence in the store: history names the acceptance only.
    const signer = a.acceptanceId
      ? { actor: { type: 'public' as const, id: `applicant:${applicationId}` }, detail: `accepted (acceptance ${a.acceptanceId})`, fields: { acceptanceId: a.acceptanceId } }
      : { actor: { type: 'public' as const, id: a.ip ?? 'unknown' }, detail: `accepted by ${a.signerName} <${a.signerEmail}>`, fields: { signerName: a.signerName, signerEmail: a.signerEmail, ip: a.ip } };
    await record('agreement', 'agreement-accepted', {
      actor: signer.actor,
      detail: signer.detail,
      audit: 'partner-application.agreement-accepted',
      set: { agreement: { version: a.agreementVersion, hash: a.agreementHash, acceptedAt: a.acceptedAt, ...signer.fields } },
    });
    inbox.agreement = undefined;
    return undefined;
  }

  async function documents(r: OnboardingRules): Promise<Outcome | undefined> {
    if (r.documents.required.length === 0) return undefined;
    await transition('awaiting-documents', 'documents', 'documents-requested', { detail: r.documents.required.join(', '), audit: undefined });
    const deadline = Date.now() + expireMs;
    while (missingDocuments(r, state.documents).length > 0) {
      const stalled = await waitForApplicant(() => inbox.documents !== undefined, deadline);
      if (stalled) return stalled;
      const d = inbox.documents!;
      state.documents = mergeDocuments(state.documents, d.documents);
      await record('documents', 'documents-submitted', { actor: d.actor, detail: d.documents.map((x) => x.kind).join(', '), audit: 'partner-application.documents-submitted', set: { documents: state.documents } });
      inbox.documents = undefined;
    }
    return undefined;
  }

  let approval: ReviewDecision | undefined;
  async function vendorReview(r: OnboardingRules): Promise<Outcome | undefined> {
    const sla = requireDurationMs(r.review.sla);
    const every = requireDurationMs(r.review.reminderEvery);
    for (;;) {
      const resumed = resume?.step === 'vendor-review' ? resume.review : undefined;
      resume = undefined;
      const opened = resumed?.opened ?? Date.now();
      const slaAt = opened + sla;
      const expireAt = opened + expireMs;
      if (!resumed) {
        state.round += 1;
        state.escalated = false;
        await transition('in-review', 'vendor-review', 'review-opened', {
          detail: `round ${state.round}: for ${r.review.approverRole} by ${iso(slaAt)}`,
          set: { 'review.round': state.round, 'review.dueAt': iso(slaAt) },
        });
      }
      let nextReminder = resumed?.nextReminder ?? opened + every;
      while (!inbox.decision) {
        const now = Date.now();
        if (now >= expireAt) return close('expired', `no review decision within ${r.expireAfter}`);
        const wakeAt = Math.min(nextReminder, state.escalated ? expireAt : slaAt, expireAt);
        await park(() => condition(() => inbox.decision !== undefined || inbox.withdrawal !== undefined, Math.max(1, wakeAt - now)));
        if (inbox.withdrawal) return withdrawn();
        if (inbox.decision) break;
        const t = Date.now();
        if (!state.escalated && t >= slaAt) {
          state.escalated = true;
          nextReminder = t + every;
          await record('vendor-review', 'escalated', {
            detail: `review sla of ${r.review.sla} passed; escalated to ${r.review.escalateTo}`,
            audit: 'partner-application.escalated',
            set: { 'review.escalatedAt': iso(t), 'review.escalatedTo': r.review.escalateTo },
          });
        } else if (t >= nextReminder) {
          const to = state.escalated ? r.review.escalateTo : r.review.approverRole;
          nextReminder = t + every;
          await record('vendor-review', 'reminder-sent', { detail: `review reminder to ${to}`, audit: 'partner-application.reminder-sent', reminder: { step: 'vendor-review', to, at: iso(t) } });
        }
        await continueIfLong({ step: 'vendor-review', review: { opened, nextReminder } });
      }
      const d = inbox.decision!;
      const decision = { round: state.round, decision: d.decision, reason: d.reason, by: d.actor.id, role: d.actor.role, at: d.decidedAt };
      if (d.decision === 'reject') {
        const outcome = await close('rejected', d.reason ?? 'rejected', { actor: d.actor, decision });
        inbox.decision = undefined;
        return outcome;
      }
      if (d.decision === 'approve') {
        // The approval is answered after provisioning, so the key it returns already works.
        approval = d;
        state.approvedAt = d.decidedAt;
        await record('vendor-review', 'approved', { actor: d.actor, detail: d.reason, decision, audit: 'partner-application.approved' });
        return undefined;
      }
      await transition('changes-requested', 'vendor-review', 'changes-requested', { actor: d.actor, detail: d.reason, decision });
      inbox.decision = undefined;
      const stalled = await waitForApplicant(() => inbox.resubmission !== undefined, Date.now() + expireMs);
      if (stalled) return stalled;
      const re = inbox.resubmission!;
      state.documents = mergeDocuments(state.documents, re.documents);
      await record('vendor-review', 'resubmitted', { actor: re.actor, detail: re.note, audit: 'partner-application.resubmitted', set: { documents: state.documents } });
      inbox.resubmission = undefined;
    }
  }

  let enablementDueAt: number | undefined;
  async function provisioning(r: OnboardingRules): Promise<Outcome | undefined> {
    const a = approval!;
    await transition('provisioning', 'provisioning', 'provisioning-started', { audit: undefined });
    if (r.steps.includes('enablement') && r.enablement.modules.length > 0) enablementDueAt = Date.now() + requireDurationMs(r.enablement.within);
    await provisioningActs.provisionPartner(tenantId, {
      applicationId, partnerId, initialTier: r.provisioning.initialTier, partnerKey: a.partnerKey!, approvedBy: a.actor,
      effectiveFrom: a.decidedAt, ...(enablementDueAt ? { enablementDueAt: iso(enablementDueAt) } : {}),
    });
    await record('provisioning', 'partner-activated', { detail: `partner ${partnerId} active in tier ${r.provisioning.initialTier}`, audit: 'partner-application.partner-activated' });
    if (inbox.decision === a) inbox.decision = undefined;
    return undefined;
  }

  async function enablement(r: OnboardingRules): Promise<Outcome | undefined> {
    const modules = r.enablement.modules;
    if (modules.length === 0) return undefined;
    const resumed = resume?.step === 'enablement' ? resume.enablement : undefined;
    resume = undefined;
    const dueAt = resumed?.dueAt ?? enablementDueAt ?? Date.now() + requireDurationMs(r.enablement.within);
    const every = requireDurationMs(r.enablement.reminderEvery);
    const view = (overdue: boolean) => ({ modules, completed: [...state.completedModules], dueAt: iso(dueAt), overdue });
    if (!resumed) {
      // Modules the partner completed before enablement began still count.
      for (const module of await acts.completedTraining(tenantId, partnerId)) {
        if (modules.includes(module) && !state.completedModules.includes(module)) state.completedModules.push(module);
      }
      await transition('enablement', 'enablement', 'enablement-started', { detail: `complete ${modules.join(', ')} by ${iso(dueAt)}`, set: { enablement: view(false) } });
    }
    const allDone = () => modules.every((m) => state.completedModules.includes(m));
    let overdue = resumed?.overdue ?? false;
    let seen = resumed?.seen ?? state.completedModules.length;
    let nextReminder = resumed?.nextReminder ?? Date.now() + every;
    while (!allDone() || seen !== state.completedModules.length) {
      const now = Date.now();
      // Once overdue there is nothing left to time: the partner is flagged and we wait for training.
      const timeout = overdue ? undefined : Math.max(1, Math.min(nextReminder, dueAt) - now);
      const progressed = () => state.completedModules.length !== seen;
      const woke = await park(() => (timeout === undefined ? condition(progressed).then(() => true) : condition(progressed, timeout)));
      if (woke || state.completedModules.length !== seen) {
        seen = state.completedModules.length;
        await record('enablement', 'training-progress', { detail: `${seen} of ${modules.length} modules`, set: { enablement: view(overdue) } });
        continue;
      }
      const t = Date.now();
      if (t >= dueAt) {
        overdue = true;
        await acts.setGoodStanding(tenantId, partnerId, false, `enablement not completed by ${iso(dueAt)}`, seq + 1);
        await record('enablement', 'enablement-overdue', { detail: `not completed by ${iso(dueAt)}; partner not in good standing`, audit: 'partner-application.enablement-overdue', set: { enablement: view(true) } });
      } else if (t >= nextReminder) {
        nextReminder = t + every;
        await record('enablement', 'reminder-sent', { detail: 'training reminder to the partner', audit: 'partner-application.reminder-sent', reminder: { step: 'enablement', to: 'partner', at: iso(t) } });
      }
      await continueIfLong({ step: 'enablement', enablement: { dueAt, overdue, seen, nextReminder } });
    }
    if (overdue) await acts.setGoodStanding(tenantId, partnerId, true, 'enablement completed late', seq + 1);
    return undefined;
  }

  const steps: Record<OnboardingStep, (r: OnboardingRules) => Promise<Outcome | undefined>> = {
    'automated-checks': automatedChecks,
    agreement,
    documents,
    'vendor-review': vendorReview,
    provisioning,
    enablement,
  };
  let outcome: Outcome | undefined;
  // A continued run starts at the step it continued in.
  const from = resume ? rules.steps.indexOf(resume.step) : 0;
  for (const step of rules.steps.slice(Math.max(0, from))) {
    outcome = await steps[step](rules);
    if (outcome) break;
  }
  outcome ??= await close('completed', 'onboarding completed');
  await park(() => condition(allHandlersFinished));
  return outcome;
}
