/**
 * ApplicationFailure types a workflow's update validators use, shared by workflows and the API:
 * REFUSED means "not now" (409), INVALID_INPUT "never like this" (422), NOT_READY "in a moment"
 * (409 the client should retry, so it is never remembered as the answer to its Idempotency-Key).
 */
export const REFUSED = 'Refused';
export const INVALID_INPUT = 'InvalidInput';
export const NOT_READY = 'NotReady';
