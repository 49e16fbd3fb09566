import type { Rng } from './prng';
import { between } from './prng';
import type { Outcome, TrialHttp } from './http';
import type { TrialTenant } from './tenant-setup';

/**
 * The burst: each client registers one deal as one of the partners, waits until the deal awaits
 * review, and the approver approves (about 70%) or rejects it. Each request keeps its own
 * Idempotency-Key across every retry, as a client that cannot tell whether a request landed must.
 */
export interface ClientPlan {
  index: number;
  partner: number;
  decision: 'approve' | 'reject';
  startDelayMs: number;
  registration: Record<string, unknown>;
  registrationKey: string;
  decisionKey: string;
  comment: string;
}

export interface ClientResult {
  plan: ClientPlan;
  registration?: Outcome;
  dealId?: string;
  decision?: Outcome;
  /** Why the client stopped before deciding (its registration failed, or the deal never awaited review). */
  stopped?: string;
}

export function planBurst(rng: Rng, tag: string, clients: number): ClientPlan[] {
  return Array.from({ length: clients }, (_, index) => {
    const customer = `${tag}-c${index}`;
    return {
      index,
      partner: index % 2,
      decision: rng() < 0.7 ? 'approve' : 'reject',
      startDelayMs: between(rng, 0, 2500),
      registration: {
        customer: { name: `Customer ${customer} GmbH`, domain: `${customer}.example`, country: 'DE' },
        amount: `${between(rng, 1_000, 90_000)}.00`,
        currency: 'USD',
        products: ['suite'],
        expectedCloseDate: '2027-06-30',
      },
      registrationKey: `${tag}-register-${index}`,
      decisionKey: `${tag}-decide-${index}`,
      comment: `trial decision ${index}`,
    };
  });
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

export async function runClient(http: TrialHttp, tenant: TrialTenant, plan: ClientPlan, budgetMs: number, signal: AbortSignal): Promise<ClientResult> {
  const result: ClientResult = { plan };
  await sleep(plan.startDelayMs, signal);
  const partnerKey = tenant.partners[plan.partner].key;
  result.registration = await http.retrying('POST', '/v1/deals', { key: partnerKey, idempotencyKey: plan.registrationKey, body: plan.registration, budgetMs });
  const registered = result.registration.answer;
  if (!registered || registered.status < 200 || registered.status >= 300 || !registered.body?.id) {
    result.stopped = result.registration.gaveUp ?? `registration answered ${registered?.status} ${registered?.text.slice(0, 200)}`;
    return result;
  }
  result.dealId = registered.body.id;

  // An approver acts on what its inbox shows: wait until the deal awaits the review step.
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const view = await http.once('GET', `/v1/deals/${result.dealId}`, { key: tenant.approverKey });
    if (view?.status === 200 && view.body.currentStep) break;
    if (view?.status === 200 && view.body.status !== 'submitted' && view.body.status !== 'pending-approval') {
      result.stopped = `deal went to ${view.body.status} before any decision`;
      return result;
    }
    if (Date.now() > deadline || signal.aborted) {
      result.stopped = `deal never awaited review (last: ${view ? `${view.status} ${view.body?.status}` : 'no answer'})`;
      return result;
    }
    await sleep(200, signal);
  }
  result.decision = await http.retrying('POST', `/v1/deals/${result.dealId}/decisions`, {
    key: tenant.approverKey,
    idempotencyKey: plan.decisionKey,
    body: { decision: plan.decision, comment: plan.comment },
    budgetMs,
  });
  return result;
}
