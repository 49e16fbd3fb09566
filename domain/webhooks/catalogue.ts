/**
 * The event types an endpoint can subscribe to: every audit action the areas record, grouped by
 * family (the part before the first dot). `GET /v1/webhook-event-types` publishes it, and an
 * endpoint's filter must name a type listed here, a known family (`deal.*`) or `*`, so a typo
 * (`deal.aproved`) is a 422 rather than an endpoint that silently never receives anything.
 *
 * Delivery does not consult this list: any event of a family reaches the `family.*` and `*`
 * subscribers, so an event type an area adds before it is listed here is still delivered.
 * test/unit/webhook-catalogue.test.ts checks that every action written in the code is listed.
 */
export interface EventFamily {
  family: string;
  description: string;
  /** Exact types, without the family prefix. */
  types: readonly string[];
}

export const EVENT_CATALOGUE: readonly EventFamily[] = [
  {
    family: 'partner-application',
    description: 'onboarding: an application from submission to activation or closure',
    types: [
      'submitted', 'agreement-accepted', 'documents-submitted', 'review-opened', 'reminder-sent', 'escalated', 'approved',
      'changes-requested', 'resubmitted', 'partner-activated', 'enablement-started', 'enablement-overdue', 'completed', 'declined', 'rejected', 'withdrawn', 'expired',
    ],
  },
  { family: 'partner-invitation', description: 'invitations to apply', types: ['created', 'revoked'] },
  {
    family: 'partner',
    description: 'a partner once active: activation, tier, documents, training, standing',
    types: ['activated', 'tier-changed', 'document-verified', 'training-completed', 'good-standing-lost', 'good-standing-restored', 'bank-account-set'],
  },
  {
    family: 'deal',
    description: "deal registration: the approval chain, protection and the deal's close",
    types: [
      'registered', 'plan', 'auto-approved', 'auto-rejected', 'step-started', 'reminder', 'escalated', 'timeout', 'approved-step', 'rejected-step',
      'info-requested', 'info-provided', 'approved', 'protected', 'rejected', 'extension-requested', 'extension-approved', 'extension-rejected',
      'expired', 'closed-won', 'closed-lost', 'abandoned', 'reversed',
    ],
  },
  { family: 'tier-review', description: 'tier reviews', types: ['requested', 'proposed', 'applied', 'rejected', 'expired', 'abandoned', 'schedule-synced'] },
  {
    family: 'payout-run',
    description: 'commission payout runs',
    types: ['triggered', 'snapshot-frozen', 'awaiting-approval', 'approval-recorded', 'approval-reminder', 'approval-overdue', 'approved', 'rejected', 'executed', 'exported', 'paid'],
  },
  { family: 'payment', description: "what the bank did with a payout run's payments (settled, rejected, returned)", types: ['settlement-recorded'] },
  { family: 'commission-dispute', description: "partners' disputes of statement lines and finance's decisions", types: ['opened', 'resolved'] },
  { family: 'payout-hold', description: "finance's manual payout holds on a partner", types: ['placed', 'released'] },
  { family: 'inventory', description: 'supplier stock: a low-stock threshold crossed', types: ['low-stock'] },
  { family: 'party', description: 'trading parties (manufacturers and suppliers)', types: ['created', 'updated'] },
  {
    family: 'purchase-order',
    description: 'purchase orders: acknowledgements, changes, shipments, receipts, exceptions',
    types: [
      'created', 'acknowledged', 'acknowledgement-reminder', 'changed', 'shipped', 'received', 'closed', 'rejected', 'cancelled', 'exception-raised', 'exception-resolved',
    ],
  },
  { family: 'fx-rate', description: "the tenant's exchange rates", types: ['set'] },
  { family: 'rule-set', description: 'rule sets', types: ['published'] },
  { family: 'settings', description: 'tenant settings', types: ['updated'] },
  { family: 'api-key', description: 'API keys', types: ['created', 'revoked'] },
  { family: 'tenant', description: 'the tenant itself', types: ['provisioned'] },
  { family: 'webhook-endpoint', description: 'webhook endpoints', types: ['created', 'deleted', 'secret-rotated'] },
];

const KNOWN_TYPES = new Set(EVENT_CATALOGUE.flatMap((f) => f.types.map((t) => `${f.family}.${t}`)));
const KNOWN_FAMILIES = new Set(EVENT_CATALOGUE.map((f) => f.family));

export const isKnownEventType = (type: string): boolean => KNOWN_TYPES.has(type);

/** Why a filter names nothing Trellis records, or undefined when it is fine. */
export function unknownFilterReason(filter: string): string | undefined {
  if (filter === '*' || KNOWN_TYPES.has(filter)) return undefined;
  if (filter.endsWith('.*')) {
    const family = filter.slice(0, -2);
    if (KNOWN_FAMILIES.has(family)) return undefined;
    return `"${filter}" names no known event family (GET /v1/webhook-event-types lists them)`;
  }
  const family = filter.split('.')[0];
  return KNOWN_FAMILIES.has(family)
    ? `"${filter}" is not a ${family} event type; known: ${EVENT_CATALOGUE.find((f) => f.family === family)!.types.map((t) => `${family}.${t}`).join(', ')}, or ${family}.*`
    : `"${filter}" is not a known event type (GET /v1/webhook-event-types lists them)`;
}
