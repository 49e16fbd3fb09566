/**
 * Why a workflow refuses an Update. Every validator returns one (or nothing) from pure checks;
 * the workflow throws it as an ApplicationFailure of its kind's type (workflows/updates.ts) and the
 * API reads the type back (services/tenant-workflows.ts):
 *  - `state`: not now, in this state (409);
 *  - `input`: never like this (422);
 *  - `not-ready`: in a moment, the process is still starting (409 the client retries, so it is
 *    never remembered as the answer to its Idempotency-Key).
 */
export type RefusalKind = 'state' | 'input' | 'not-ready';

export interface Refusal {
  kind: RefusalKind;
  message: string;
}

export const refused = (message: string): Refusal => ({ kind: 'state', message });
export const invalidInput = (message: string): Refusal => ({ kind: 'input', message });
export const notReady = (message: string): Refusal => ({ kind: 'not-ready', message });

/** The ApplicationFailure type each kind travels as between a workflow and the API. */
export const REFUSAL_FAILURE_TYPES: Record<RefusalKind, string> = { state: 'Refused', input: 'InvalidInput', 'not-ready': 'NotReady' };

/** The kind a failure's type stands for; any other failure of an Update is a refusal of the state. */
export function refusalKindOf(failureType: string | undefined): RefusalKind {
  const kind = (Object.keys(REFUSAL_FAILURE_TYPES) as RefusalKind[]).find((k) => REFUSAL_FAILURE_TYPES[k] === failureType);
  return kind ?? 'state';
}
