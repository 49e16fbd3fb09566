import { newId } from '../../platform/ids';
import { asTenantId } from '../../platform/tenant-id';
import type { RunningTrellis } from '../../platform/runtime';
import type { TenantRole } from '../../models/tenancy/api-key';
import { waitFor, type TestTrellis } from '../support/trellis';

/**
 * Keys and calls for the inventory tests. Supplier and manufacturer keys are bound to a trading
 * party; these tests are about stock feeds, not parties (test/integration/supply-access.test.ts
 * covers binding keys to real parties through the API), so they write a key for a fresh party id
 * through the key service, which is what the key route calls once the party is checked.
 */
export async function partyKey(running: RunningTrellis, tenantId: string, role: TenantRole): Promise<{ key: string; partyId: string }> {
  const partyId = newId('tp');
  const { plaintext } = await running.services.apiKeys.create(asTenantId(tenantId), { name: `${role} ${partyId}`, role, partyId, createdBy: 'test' });
  return { key: plaintext, partyId };
}

export async function staffKey(running: RunningTrellis, tenantId: string, role: TenantRole = 'approver'): Promise<string> {
  return (await running.services.apiKeys.create(asTenantId(tenantId), { name: role, role, createdBy: 'test' })).plaintext;
}

export interface Item {
  sku: string;
  location: string;
  onHand: number;
  kind: 'snapshot' | 'delta';
  sequence: number;
  observedAt: string;
}

export const snapshot = (sku: string, sequence: number, onHand: number, location = 'WH-1'): Item => ({ sku, location, onHand, kind: 'snapshot', sequence, observedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)).toISOString() });
export const delta = (sku: string, sequence: number, onHand: number, location = 'WH-1'): Item => ({ ...snapshot(sku, sequence, 0, location), kind: 'delta', onHand });

export async function postBatch(app: TestTrellis, key: string, items: Item[], idempotencyKey?: string): Promise<string> {
  const res = await app.http('POST', '/v1/inventory/updates', { key, body: { items }, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) });
  if (res.status !== 202) throw new Error(`batch refused: ${res.status} ${res.text}`);
  return res.body.id as string;
}

export async function batchesApplied(app: TestTrellis, key: string, batchIds: string[], timeoutMs = 60_000): Promise<void> {
  const pending = new Set(batchIds);
  await waitFor(async () => {
    for (const id of [...pending]) {
      const res = await app.http('GET', `/v1/inventory/batches/${id}`, { key });
      if (res.body?.status === 'applied') pending.delete(id);
    }
    return pending.size === 0;
  }, timeoutMs, 200);
}

/** Every figure the key may see for one supplier, as `sku@location` → onHand. */
export async function figuresOf(app: TestTrellis, key: string, supplierId: string): Promise<Map<string, number>> {
  const figures = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const res = await app.http('GET', `/v1/inventory?supplier=${supplierId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`, { key });
    if (res.status !== 200) throw new Error(`listing refused: ${res.status} ${res.text}`);
    for (const f of res.body.items) figures.set(`${f.sku}@${f.location}`, f.onHand);
    cursor = res.body.nextCursor;
  } while (cursor);
  return figures;
}
