/** The supply area's workflow types, for the bundle (workflows/index.ts). */
export { purchaseOrder } from './purchase-order';
