/** The deals area's workflow types, for the bundle (workflows/index.ts). */
export { dealApproval } from './deal-approval';
