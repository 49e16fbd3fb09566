import { Type, Static } from '@sinclair/typebox';
import { DurationSchema, type Duration } from '../durations';

/**
 * The `deal-approval` rule set: how a tenant decides on registered deals. Rules are tried in
 * order; the first whose conditions all hold yields the plan (auto-approve, auto-reject, or a
 * chain of review steps run one after another). Everything here is data a vendor publishes.
 */
const Closed = { additionalProperties: false } as const;

export const APPROVER_ROLES = ['approver', 'tenant-admin', 'finance'] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];

const Decimal = Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,10})?$' });
const Role = Type.Union(APPROVER_ROLES.map((r) => Type.Literal(r)));
const Country = Type.String({ pattern: '^[A-Z]{2}$' });

export const StepSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80 }),
    role: Role,
    mode: Type.Union([Type.Literal('any'), Type.Literal('all'), Type.Literal('sequential')], {
      description: 'any: one approval; all: every approver of the step; sequential: every approver, in order',
    }),
    approvers: Type.Optional(Type.Array(Type.String({ pattern: '^key_[0-9a-hjkmnp-tv-z]{26}$' }), { minItems: 1, maxItems: 20, uniqueItems: true, description: 'named approver keys (all/sequential); default: every active key of the role when the step starts' })),
    sla: DurationSchema,
    remindEvery: Type.Optional(DurationSchema),
    escalateTo: Type.Optional(Role),
    escalationSla: Type.Optional(DurationSchema),
    onTimeout: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('escalate')]),
    onEscalationTimeout: Type.Optional(Type.Union([Type.Literal('approve'), Type.Literal('reject')])),
  },
  Closed,
);

const Action = Type.Union([Type.Literal('auto-approve'), Type.Literal('auto-reject'), Type.Literal('review')]);

export const RuleSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    when: Type.Object(
      {
        tiers: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1 })),
        minAmount: Type.Optional(Decimal),
        maxAmount: Type.Optional(Decimal),
        products: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { minItems: 1 })),
        regions: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1 })),
      },
      { ...Closed, description: 'all given conditions must hold; amounts are in the tenant currency, minAmount inclusive, maxAmount exclusive' },
    ),
    action: Action,
    reason: Type.Optional(Type.String({ maxLength: 300 })),
    steps: Type.Optional(Type.Array(StepSchema, { minItems: 1, maxItems: 10 })),
  },
  Closed,
);

export const DealApprovalSchema = Type.Object(
  {
    protection: Type.Object(
      {
        period: DurationSchema,
        extensionPeriod: DurationSchema,
        maxExtensions: Type.Integer({ minimum: 0, maximum: 10 }),
      },
      Closed,
    ),
    conflict: Type.Object(
      {
        action: Type.Union([Type.Literal('route'), Type.Literal('reject'), Type.Literal('flag')]),
        role: Type.Optional(Role),
        sla: Type.Optional(DurationSchema),
        onTimeout: Type.Optional(Type.Union([Type.Literal('approve'), Type.Literal('reject')])),
      },
      { ...Closed, description: 'what happens when the customer is already protected for another partner' },
    ),
    rates: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Decimal, { description: 'units of the tenant currency per unit of each other currency' }),
    regions: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9 -]{0,39}$' }), Type.Array(Country, { minItems: 1 }))),
    rules: Type.Array(RuleSchema, { maxItems: 100 }),
    fallback: Type.Object(
      { action: Action, reason: Type.Optional(Type.String({ maxLength: 300 })), steps: Type.Optional(Type.Array(StepSchema, { minItems: 1, maxItems: 10 })) },
      Closed,
    ),
  },
  Closed,
);

export type StepSpec = Static<typeof StepSchema> & { sla: Duration };
export type ApprovalRule = Static<typeof RuleSchema>;
export type DealApprovalRules = Static<typeof DealApprovalSchema>;
export type PlanAction = 'auto-approve' | 'auto-reject' | 'review';

export const DEFAULT_DEAL_APPROVAL_RULES: DealApprovalRules = {
  protection: { period: '90 days', extensionPeriod: '30 days', maxExtensions: 1 },
  conflict: { action: 'route', role: 'tenant-admin', sla: '2 days', onTimeout: 'reject' },
  rates: {},
  regions: {},
  rules: [
    { name: 'top tiers under 50,000 are approved at once', when: { tiers: ['Platinum', 'Gold'], maxAmount: '50000' }, action: 'auto-approve' },
    {
      name: 'large deals need two levels',
      when: { minAmount: '250000' },
      action: 'review',
      steps: [
        { name: 'channel manager', role: 'approver', mode: 'any', sla: '2 days', remindEvery: '1 day', escalateTo: 'tenant-admin', escalationSla: '1 day', onTimeout: 'escalate', onEscalationTimeout: 'reject' },
        { name: 'sales director', role: 'tenant-admin', mode: 'any', sla: '3 days', onTimeout: 'reject' },
      ],
    },
  ],
  fallback: {
    action: 'review',
    steps: [{ name: 'channel manager', role: 'approver', mode: 'any', sla: '2 days', remindEvery: '1 day', escalateTo: 'tenant-admin', escalationSla: '1 day', onTimeout: 'escalate', onEscalationTimeout: 'reject' }],
  },
};
