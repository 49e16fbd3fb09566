import { Problem } from '../../problem';
import type { Actor as RequestActor } from '../../context';
import type { Actor } from '../../../domain/supply/purchase-order';

/** Orders, parties and exceptions are handled with tenant keys; party keys carry their party. */
export function supplyActor(actor: RequestActor): Actor {
  if (actor.kind !== 'key') throw new Problem('forbidden', 'supply is handled with tenant keys');
  return { keyId: actor.keyId, role: actor.role, ...(actor.partyId ? { partyId: actor.partyId } : {}) };
}
