import { Type, TSchema, type Static } from '@sinclair/typebox';
import { Obj } from '../../schemas';
import type { DealActor, DealRecord } from '../../../services/deals/deals';
import { fromMinor } from '../../../domain/money';
import { minorUnitDigits } from '../../../domain/locale';

/**
 * The API's picture of a deal. Amounts are decimal strings; a partner does not learn which other
 * deals its registration conflicted with (only that it did, and how the rules handled it).
 */
const Money = Obj({ amount: Type.String(), currency: Type.String() });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const DealView = Obj({
  id: Type.String(),
  partnerId: Type.String(),
  status: Type.String(),
  customer: Obj({ name: Type.String(), domain: Type.Optional(Type.String()), country: Type.String() }),
  amount: Money,
  amountInTenantCurrency: Obj({ amount: Type.String(), currency: Type.String(), rate: Type.String() }),
  products: Type.Array(Type.String()),
  expectedCloseDate: Type.String(),
  notes: Type.Optional(Type.String()),
  tierAtRegistration: Type.String(),
  ruleSetVersion: Type.Integer(),
  conflict: Type.Optional(Type.Unknown()),
  holdsProtectionClaim: Type.Boolean(),
  plan: Type.Optional(Type.Unknown()),
  purpose: Type.Optional(Type.String()),
  currentStep: Nullable(Type.Unknown()),
  steps: Type.Array(Type.Unknown()),
  protectedUntil: Nullable(Type.String()),
  extensionsUsed: Type.Integer(),
  outcome: Type.Optional(Type.String()),
  closedAmount: Type.Optional(Money),
  closedAmountInTenantCurrency: Type.Optional(Money),
  closedAt: Type.Optional(Type.String()),
  reversals: Type.Array(Type.Unknown()),
  history: Type.Array(Type.Unknown()),
  createdAt: Type.String(),
});

const money = (minor: number, currency: string) => ({ amount: fromMinor(minor, minorUnitDigits(currency)), currency });
const iso = (d: Date | string | null | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);

export type DealView = Static<typeof DealView>;

export function dealView(d: DealRecord, actor: DealActor): DealView {
  const partner = actor.role === 'partner';
  return {
    id: d._id,
    partnerId: d.partnerId,
    status: d.status,
    customer: d.customer,
    amount: money(d.amountMinor, d.currency),
    amountInTenantCurrency: { ...money(d.amountTenantMinor, d.tenantCurrency), rate: d.fxRate },
    products: d.products,
    expectedCloseDate: new Date(d.expectedCloseDate).toISOString().slice(0, 10),
    notes: d.notes,
    tierAtRegistration: d.tierAtRegistration,
    ruleSetVersion: d.ruleSetVersion,
    conflict: d.conflict ? (partner ? { detected: true, action: d.conflict.action, matchedOn: d.conflict.matchedOn } : d.conflict) : undefined,
    holdsProtectionClaim: Boolean(d.claimHeld),
    plan: d.plan,
    purpose: d.purpose,
    currentStep: d.currentStep ? { ...d.currentStep, deadline: iso(d.currentStep.deadline) } : null,
    steps: d.steps ?? [],
    protectedUntil: iso(d.protectedUntil) ?? null,
    extensionsUsed: d.extensionsUsed ?? 0,
    outcome: d.outcome,
    closedAmount: d.closedAmountMinor !== undefined && d.closedCurrency ? money(d.closedAmountMinor, d.closedCurrency) : undefined,
    closedAmountInTenantCurrency: d.closedAmountTenantMinor !== undefined ? money(d.closedAmountTenantMinor, d.tenantCurrency) : undefined,
    closedAt: iso(d.closedAt),
    reversals: d.reversals.map((r) => ({ id: r._id, seq: r.seq, kind: r.kind, ...money(r.amountMinor, r.currency), reason: r.reason, at: iso(r.at), recordedBy: r.recordedBy })),
    // The Update ids in entries are internal (retry detection); readers see the business story.
    history: (d.history ?? []).map(({ updateId: _updateId, ...entry }) => entry),
    createdAt: new Date(d.createdAt).toISOString(),
  };
}
