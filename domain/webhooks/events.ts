/**
 * What a webhook endpoint receives: the tenant's audit events (every business event is one), by
 * type, and for a party's endpoint only the events that concern that party.
 */

/** Where a delivery is (models/webhooks/delivery.ts has the transitions). */
export const DELIVERY_STATUSES = ['pending', 'queued', 'retrying', 'delivered', 'dead', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** An exact type (`deal.protected`), a family (`deal.*`, any depth below it) or `*` for all. */
export const EVENT_FILTER_PATTERN = '^(\\*|[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*(\\.\\*)?)$';

export function matchesEventType(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}

/** Fields of an event's data that name the party it concerns (a deal's partner, an order's supplier). */
const PARTY_FIELDS = ['partnerId', 'partyId', 'supplierId', 'manufacturerId'] as const;
/** Entities that are parties themselves: their events concern them. */
const PARTY_ENTITIES = new Set(['partner', 'party']);

export interface EventFacts {
  entity: { type: string; id: string };
  /** The event's data, parsed. */
  data: unknown;
}

/** The parties an event names, by its entity or its data. */
export function partiesNamedIn(event: EventFacts): string[] {
  const named = new Set<string>();
  if (PARTY_ENTITIES.has(event.entity.type)) named.add(event.entity.id);
  if (event.data && typeof event.data === 'object') {
    for (const field of PARTY_FIELDS) {
      const value = (event.data as Record<string, unknown>)[field];
      if (typeof value === 'string' && value.length > 0) named.add(value);
    }
  }
  return [...named];
}

/**
 * Exponential backoff with "equal jitter": the n-th retry (1-based) waits between half and all of
 * base·2^(n-1), capped at `maxMs`. The random half spreads the retries of many deliveries that
 * failed together (a receiver that was down) instead of sending them back all at once.
 */
export function retryDelayMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(retry, 1) - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
