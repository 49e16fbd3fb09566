/**
 * ApplicationFailure types a workflow's update validators use, shared by workflows and the API:
 * REFUSED means "not now" (409), INVALID_INPUT "never like this" (422).
 */
export const REFUSED = 'Refused';
export const INVALID_INPUT = 'InvalidInput';
