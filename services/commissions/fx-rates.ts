import type { TenantId } from '../../platform/tenant-id';
import { conflict, invalid } from '../../domain/errors';
import { isCurrency } from '../../domain/locale';
import { D } from '../../domain/commissions/decimal';
import { fxRateStore } from '../../models/commissions/repository';
import { fxRateId, type FxRateDoc } from '../../models/commissions/fx-rate';
import { isDuplicateKey } from '../../platform/store-errors';
import { withAudit } from '../tenancy/outbox';
import type { AuditInput, AuditLog } from '../tenancy/audit';

/** Exchange rates finance sets, effective-dated, as commissions convert deals with them. */
export interface NewFxRate {
  from: string;
  to: string;
  rate: string;
  effectiveFrom: Date;
}

/** Who set it, as the audit chain records them. */
export type RateSetter = Pick<AuditInput, 'actor' | 'requestId'>;

const currency = (field: string, code: string): string => {
  if (!isCurrency(code)) throw invalid(field, `${code} is not an ISO 4217 currency`);
  return code;
};

/**
 * Appends a rate, audited. The same pair, instant and rate again is the same rate (a retry);
 * another rate for a pair and instant already set is refused: it would rewrite what a past run
 * converted at.
 */
export async function setFxRate(services: { audit: Pick<AuditLog, 'record'> }, tenantId: TenantId, input: NewFxRate, by: RateSetter): Promise<FxRateDoc> {
  const from = currency('body.from', input.from);
  const to = currency('body.to', input.to);
  if (from === to) throw invalid('body.to', 'a rate converts between two different currencies');
  if (!new D(input.rate).greaterThan(0)) throw invalid('body.rate', 'must be greater than 0');
  const id = fxRateId(tenantId, from, to, input.effectiveFrom);
  const event = {
    ...by,
    action: 'fx-rate.set',
    entity: { type: 'fx-rate', id },
    data: { from, to, rate: input.rate, effectiveFrom: input.effectiveFrom.toISOString() },
    eventKey: `fx-rate.set:${id}:${input.rate}`,
  };
  return withAudit(services, tenantId, event, { model: 'FxRate', filter: { _id: id, rate: input.rate } }, () => insertRate(tenantId, id, { from, to, rate: input.rate, effectiveFrom: input.effectiveFrom, setBy: by.actor.id }));
}

async function insertRate(tenantId: TenantId, id: string, rate: Omit<FxRateDoc, '_id' | 'tenantId' | 'createdAt'>): Promise<FxRateDoc> {
  const store = fxRateStore(tenantId);
  try {
    return await store.insert({ _id: id, ...rate });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const held = await store.byId(id);
  if (held && new D(held.rate).equals(rate.rate)) return held;
  throw conflict(`a ${rate.from}→${rate.to} rate effective from ${rate.effectiveFrom.toISOString()} is already set (${held?.rate}); set a new rate with a later effectiveFrom`, { field: 'body.effectiveFrom' });
}

export function listFxRates(tenantId: TenantId, filter: { from?: string; to?: string }, limit: number): Promise<FxRateDoc[]> {
  return fxRateStore(tenantId).list(filter, limit);
}
