/** The commissions area's workflow types, for the bundle (workflows/index.ts). */
export { payoutRun } from './payout-run';
