import Decimal from 'decimal.js';

/**
 * The commissions' own decimal constructor: 40 significant digits hold any minor amount (2^53)
 * times any rate the plan allows (10 decimals) exactly, and settings never leak to other modules.
 */
export const D = Decimal.clone({ precision: 40 });
export type Dec = InstanceType<typeof D>;
