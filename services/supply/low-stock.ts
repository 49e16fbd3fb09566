import type { Services } from '..';
import type { TenantId } from '../../platform/tenant-id';
import { newId, OperationIds } from '../../platform/ids';
import { invalid, notFound } from '../../domain/errors';
import { isCurrency, minorUnitDigits } from '../../domain/locale';
import { AmountError } from '../../domain/money';
import { lineTotalMinor, unitPriceMinor } from '../../domain/supply/order-lines';
import { crossingStep, promisedBySupplierSku, supplierSkuKey } from '../../domain/supply/stock-availability';
import { lowStockStore, type ThresholdSetting } from '../../models/supply/low-stock-repository';
import { availabilityStore } from '../../models/supply/availability-repository';
import { exceptionStore } from '../../models/supply/exception-repository';
import { partyStore } from '../../models/supply/party-repository';
import type { InventoryThresholdDoc } from '../../models/supply/inventory-threshold';
import type { InventoryBatchDoc } from '../../models/supply/inventory-batch';
import type { Actor } from '../../domain/supply/purchase-order';

/**
 * Low-stock thresholds: a manufacturer names, per sku, the least it wants available at the
 * suppliers it buys from. Each time available stock falls below, one `low-stock` exception is
 * raised and, where the threshold says how to replenish, a draft purchase order is made for the
 * manufacturer to confirm. "Once per fall" is decided by keys, not by reading first: the
 * exception's key and the draft's (threshold, crossing) are unique in the store, so two workers
 * that judge the same fall at once raise and draft it once.
 */

const SYSTEM = { type: 'system' as const, id: 'low-stock' };
const DAY_MS = 86_400_000;

export async function setThreshold(tenantId: TenantId, manufacturerId: string, sku: string, setting: ThresholdSetting): Promise<InventoryThresholdDoc> {
  if (setting.supplierId !== undefined && !(await availabilityStore(tenantId).suppliersOf(manufacturerId)).includes(setting.supplierId)) {
    throw invalid('body.supplierId', `body.supplierId ${setting.supplierId} is not a supplier you have ordered from; a threshold watches their stock`);
  }
  const r = setting.replenishment;
  if (r) {
    const supplier = await partyStore(tenantId).byId(r.supplierId);
    if (supplier?.kind !== 'supplier' || supplier.status !== 'active') throw invalid('body.replenishment.supplierId', `body.replenishment.supplierId ${r.supplierId} is not an active supplier of this tenant`);
    if (!isCurrency(r.currency)) throw invalid('body.replenishment.currency', `body.replenishment.currency ${r.currency} is not an ISO 4217 currency`);
    try {
      lineTotalMinor(unitPriceMinor(r.unitPrice, minorUnitDigits(r.currency)), r.quantity);
    } catch (err) {
      if (err instanceof AmountError) throw invalid('body.replenishment.unitPrice', `body.replenishment.unitPrice ${err.message}`);
      throw err;
    }
  }
  const store = lowStockStore(tenantId);
  await store.putThreshold(manufacturerId, sku, setting);
  const threshold = (await store.threshold(manufacturerId, sku))!;
  return threshold;
}

/** Sets a threshold and judges it against the stock right away, so one set above today's stock raises at once. */
export async function setAndJudgeThreshold(services: Pick<Services, 'audit'>, tenantId: TenantId, manufacturerId: string, sku: string, setting: ThresholdSetting): Promise<InventoryThresholdDoc> {
  const threshold = await setThreshold(tenantId, manufacturerId, sku, setting);
  await judgeThresholds(services, tenantId, [threshold]);
  return (await lowStockStore(tenantId).threshold(manufacturerId, sku))!;
}

const THRESHOLD_CURSOR = /^tp_[0-9a-hjkmnp-tv-z]{26}:[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

export async function listThresholds(tenantId: TenantId, viewer: Pick<Actor, 'role' | 'partyId'>, cursor: string | undefined, limit: number): Promise<{ page: InventoryThresholdDoc[]; nextCursor: string | null }> {
  const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
  if (after !== undefined && !THRESHOLD_CURSOR.test(after)) throw invalid('query.cursor', 'query.cursor is not a cursor this API returned');
  const docs = await lowStockStore(tenantId).listThresholds(viewer.role === 'manufacturer' ? { manufacturerId: viewer.partyId } : {}, after, limit);
  const page = docs.slice(0, limit);
  return { page, nextCursor: docs.length > limit ? Buffer.from(page[page.length - 1]._id, 'utf8').toString('base64url') : null };
}

export async function visibleThreshold(tenantId: TenantId, viewer: Pick<Actor, 'role' | 'partyId'>, manufacturerId: string | undefined, sku: string): Promise<InventoryThresholdDoc> {
  const owner = viewer.role === 'manufacturer' ? viewer.partyId : manufacturerId;
  const threshold = owner ? await lowStockStore(tenantId).threshold(owner, sku) : null;
  if (!threshold) throw notFound(`threshold for sku ${sku}`);
  return threshold;
}

/**
 * After a batch is applied (services/supply/inventory-ingest.ts): judges the thresholds that
 * watch this supplier's stock in the skus the batch touched (at a location it touched, for a
 * threshold on one location). A fixed handful of queries per batch (thresholds on its skus, who
 * buys from the supplier, figures, open orders), none per item.
 */
export async function judgeThresholdsAfterBatch(services: Pick<Services, 'audit'>, tenantId: TenantId, batch: Pick<InventoryBatchDoc, 'supplierId' | 'items'>): Promise<void> {
  const touched = new Map<string, Set<string>>();
  for (const item of batch.items) touched.set(item.sku, (touched.get(item.sku) ?? new Set()).add(item.location));
  await judgeWatchers(services, tenantId, batch.supplierId, [...touched.keys()], (t) => t.location === undefined || touched.get(t.sku)!.has(t.location));
}

/**
 * After an order's confirmed or shipped quantities change (the purchase-order publish): what the
 * supplier promised in these skus changed, and with it what is available at every location.
 */
export async function judgeThresholdsAfterOrderChange(services: Pick<Services, 'audit' | 'logger'>, tenantId: TenantId, supplierId: string, skus: readonly string[]): Promise<void> {
  try {
    await judgeWatchers(services, tenantId, supplierId, [...new Set(skus)], () => true);
  } catch (err) {
    services.logger.warn({ err, tenantId, supplierId }, 'low-stock thresholds not judged after an order change; the next batch of these skus judges them');
  }
}

/** The thresholds on these skus that watch this supplier (named, or one their manufacturer buys from). */
async function judgeWatchers(services: Pick<Services, 'audit'>, tenantId: TenantId, supplierId: string, skus: string[], atLocation: (t: InventoryThresholdDoc) => boolean): Promise<void> {
  const candidates = (await lowStockStore(tenantId).thresholdsOn(skus)).filter((t) => (t.supplierId === undefined || t.supplierId === supplierId) && atLocation(t));
  if (candidates.length === 0) return;
  const unnamed = [...new Set(candidates.filter((t) => t.supplierId === undefined).map((t) => t.manufacturerId))];
  const buyers = await availabilityStore(tenantId).buyersAmong(supplierId, unnamed);
  await judgeThresholds(services, tenantId, candidates.filter((t) => t.supplierId !== undefined || buyers.has(t.manufacturerId)));
}

/** Judges thresholds against the stock now: available = on hand − promised over their suppliers. */
export async function judgeThresholds(services: Pick<Services, 'audit'>, tenantId: TenantId, thresholds: readonly InventoryThresholdDoc[]): Promise<void> {
  if (thresholds.length === 0) return;
  const store = lowStockStore(tenantId);
  const suppliersOf = await store.suppliersOfEach([...new Set(thresholds.filter((t) => !t.supplierId).map((t) => t.manufacturerId))]);
  const watched = (t: InventoryThresholdDoc) => (t.supplierId ? [t.supplierId] : suppliersOf.get(t.manufacturerId) ?? []);
  const suppliers = [...new Set(thresholds.flatMap(watched))];
  const skus = [...new Set(thresholds.map((t) => t.sku))];
  const availability = availabilityStore(tenantId);
  const [figures, orders] = await Promise.all([availability.figuresFor(suppliers, skus), availability.openOrdersFor(suppliers, skus)]);
  const promised = promisedBySupplierSku(orders);
  for (const t of thresholds) {
    const mine = new Set(watched(t));
    const counted = figures.filter((f) => f.sku === t.sku && mine.has(f.supplierId) && (t.location === undefined || f.location === t.location));
    // No supplier has reported this sku: its stock is unknown, not zero.
    if (counted.length === 0) continue;
    const onHand = counted.reduce((n, f) => n + f.onHand, 0);
    // Orders name no supplier location, so a location's threshold counts the whole promise against it (the cautious reading).
    const owed = [...mine].reduce((n, s) => n + (promised.get(supplierSkuKey(s, t.sku))?.total ?? 0), 0);
    const available = onHand - owed;
    const state = { crossing: t.crossing, low: t.low };
    const step = crossingStep(state, available, t.minimumAvailable);
    if (step.kind === 'unchanged') continue;
    if (step.kind === 'fell-below') await raiseLowStock(services, tenantId, t, { available, onHand, promised: owed, suppliers: [...mine] });
    await store.recordCrossing(t._id, state, step.next, available);
  }
}

interface Shortfall { available: number; onHand: number; promised: number; suppliers: string[] }

/** The fall's exception and draft, each once: a retry (or a second worker) finds the fall's claim and the draft's (threshold, crossing). */
async function raiseLowStock(services: Pick<Services, 'audit'>, tenantId: TenantId, t: InventoryThresholdDoc, shortfall: Shortfall): Promise<void> {
  const key = `low-stock:${t._id}:${t.crossing}`;
  const now = new Date();
  const { exceptionId: id, raisedAt } = await lowStockStore(tenantId).claimFall(key, new OperationIds(key, now.getTime()).id('exc'), now);
  const where = t.location ? ` at ${t.location}` : '';
  const draft = t.replenishment ? await draftReplenishment(tenantId, t, shortfall.available, now) : undefined;
  await exceptionStore(tenantId).raise({
    _id: id, manufacturerId: t.manufacturerId, sku: t.sku, key, kind: 'low-stock', status: 'open', raisedAt,
    detail: `${shortfall.available} of ${t.sku} available${where} at the suppliers watched, below the minimum of ${t.minimumAvailable}${draft ? `; replenishment drafted as ${draft}` : ''}`,
    data: JSON.stringify({ ...shortfall, minimumAvailable: t.minimumAvailable, ...(t.location ? { location: t.location } : {}), ...(draft ? { draftId: draft } : {}) }),
  });
  // Events name only the manufacturer: a draft is not the supplier's business until confirmed.
  await services.audit.record(tenantId, {
    actor: SYSTEM, action: 'inventory.low-stock', entity: { type: 'inventory-threshold', id: t._id },
    data: { manufacturerId: t.manufacturerId, sku: t.sku, available: shortfall.available, minimumAvailable: t.minimumAvailable, ...(draft ? { draftId: draft } : {}) },
    eventKey: `${key}:raised`,
  });
}

async function draftReplenishment(tenantId: TenantId, t: InventoryThresholdDoc, available: number, now: Date): Promise<string> {
  const r = t.replenishment!;
  const draft = await lowStockStore(tenantId).draft({
    _id: newId('pod', now.getTime()), manufacturerId: t.manufacturerId, supplierId: r.supplierId, thresholdId: t._id, crossing: t.crossing,
    currency: r.currency, shipTo: r.shipTo,
    lines: [{ sku: t.sku, quantity: r.quantity, unitPrice: r.unitPrice, requestedDate: new Date(now.getTime() + r.leadTimeDays * DAY_MS).toISOString().slice(0, 10) }],
    reason: { available, minimumAvailable: t.minimumAvailable }, status: 'draft', createdAt: now,
  });
  return draft._id;
}


/**
 * The ingest worker's hook, called once a batch is applied. A failure here must not fail the
 * batch (its figures are written and its job would find nothing left to do): it is logged, and
 * the threshold is judged again by the next batch touching the sku, since each judgement reads
 * the stock as it is rather than the change.
 */
export async function afterBatchApplied(services: Pick<Services, 'audit' | 'logger'>, tenantId: TenantId, batch: Pick<InventoryBatchDoc, '_id' | 'supplierId' | 'items'>): Promise<void> {
  try {
    await judgeThresholdsAfterBatch(services, tenantId, batch);
  } catch (err) {
    services.logger.warn({ err, tenantId, batchId: batch._id }, 'low-stock thresholds not judged after batch; the next batch of these skus judges them');
  }
}
