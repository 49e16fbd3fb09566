import { tenancy } from './tenancy';
import { onboarding } from './onboarding';
import { tiers } from './tiers';
import { deals } from './deals';
import { supplyInventory } from './supply-inventory';

/**
 * Every business area of Trellis: the one list a new area is added to. Order matters where lists
 * run in order: tenancy first (its outbox reaper runs before the others close anything).
 */
export const AREAS = [tenancy, onboarding, tiers, deals, supplyInventory] as const;
export type Areas = typeof AREAS;
