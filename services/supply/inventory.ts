import { createHash } from 'node:crypto';
import type { Services } from '../index';
import type { TenantId } from '../../platform/tenant-id';
import type { TenantRole } from '../../models/tenancy/api-key';
import { inventoryStore, type PositionFilter } from '../../models/supply/inventory-repository';
import type { InventoryBatchDoc } from '../../models/supply/inventory-batch';
import type { InventoryPositionDoc } from '../../models/supply/inventory-position';
import { canonicalJson } from '../../domain/canonical-json';
import { conflict, invalid, notFound } from '../../domain/errors';
import { rejectionsOf, type InventoryUpdate } from '../../domain/supply/inventory';
import { enqueueBatch } from './inventory-queue';
import { availabilityOf, suppliersVisibleTo, type SkuAvailability } from './inventory-availability';

/** Who reads stock: a supplier sees only its own streams and batches. */
export interface InventoryViewer {
  role: TenantRole;
  partyId?: string;
}

export interface BatchRequest {
  supplierId: string;
  items: InventoryUpdate[];
  batchId: string;
  /** Names the request (its Idempotency-Key), so a retry finds the batch it made. */
  operationRef: string;
}

/**
 * Accepts a batch: judges its items, records it in the store and only then queues it, so what
 * the caller is told was accepted survives Redis losing its memory (the reaper re-queues from
 * the store). A batch whose job could not be queued is still accepted for the same reason.
 */
export async function acceptBatch(services: Services, tenantId: TenantId, request: BatchRequest): Promise<InventoryBatchDoc> {
  const rejections = rejectionsOf(request.items, new Date());
  const fingerprint = createHash('sha256').update(canonicalJson(request.items.map((i) => ({ ...i, observedAt: i.observedAt.toISOString() })))).digest('hex');
  const batch = await inventoryStore(tenantId).createBatch({
    _id: request.batchId,
    supplierId: request.supplierId,
    operationRef: request.operationRef,
    fingerprint,
    status: rejections.size === request.items.length ? 'applied' : 'queued',
    items: request.items,
    rejected: [...rejections].map(([index, reason]) => ({ index, reason })),
    duplicates: [],
    receivedAt: new Date(),
    ...(rejections.size === request.items.length ? { appliedAt: new Date() } : {}),
  });
  if (batch.fingerprint !== fingerprint || batch.supplierId !== request.supplierId) {
    throw conflict(`this Idempotency-Key already sent batch ${batch._id} with other items; use a new key for a new batch`);
  }
  if (batch.status !== 'applied') {
    await enqueueBatch(services, tenantId, { supplierId: batch.supplierId, batchId: batch._id }).catch((err: unknown) =>
      services.logger.warn({ err, tenantId, batchId: batch._id }, 'inventory batch stored but not queued; the reaper will queue it'),
    );
  }
  return batch;
}

export async function visibleBatch(tenantId: TenantId, viewer: InventoryViewer, batchId: string): Promise<InventoryBatchDoc> {
  const batch = await inventoryStore(tenantId).batch(batchId);
  if (!batch || (viewer.role === 'supplier' && batch.supplierId !== viewer.partyId)) throw notFound(`inventory batch ${batchId}`);
  return batch;
}

export interface FigureQuery extends PositionFilter {
  cursor?: string;
  limit: number;
}

const OBJECT_ID = /^[0-9a-f]{24}$/;

/**
 * Stock figures, filtered, within what the viewer may see (suppliersVisibleTo): a supplier its
 * own, a manufacturer the suppliers it buys from. Filtering on anyone else finds nothing.
 */
export async function listFigures(tenantId: TenantId, viewer: InventoryViewer, query: FigureQuery): Promise<{ page: InventoryPositionDoc[]; nextCursor: string | null; availability: Map<string, SkuAvailability> }> {
  const after = query.cursor === undefined ? undefined : Buffer.from(query.cursor, 'base64url').toString('utf8');
  if (after !== undefined && !OBJECT_ID.test(after)) throw invalid('query.cursor', 'query.cursor is not a cursor this API returned');
  const visible = await suppliersVisibleTo(tenantId, viewer);
  if (visible && query.supplierId !== undefined && !visible.includes(query.supplierId)) return { page: [], nextCursor: null, availability: new Map() };
  const filter: PositionFilter = {
    ...(query.sku ? { sku: query.sku } : {}),
    ...(query.location ? { location: query.location } : {}),
    ...(query.supplierId ? { supplierId: query.supplierId } : visible ? { supplierIn: visible } : {}),
  };
  const docs = await inventoryStore(tenantId).listFigures(filter, after, query.limit);
  const page = docs.slice(0, query.limit);
  const nextCursor = docs.length > query.limit ? Buffer.from(page[page.length - 1].firstSeen.toString(), 'utf8').toString('base64url') : null;
  return { page, nextCursor, availability: await availabilityOf(tenantId, viewer, page) };
}
