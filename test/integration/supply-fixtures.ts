import { provisionTenant, waitFor, TestTrellis } from '../support/trellis';
import type { PurchaseOrderRules } from '../../domain/supply/purchase-order-rules';

/**
 * Shared set-up of the supply tests: a tenant with purchase-order rules, trading parties made
 * through the API, and keys bound to them.
 */
export const slowRules: PurchaseOrderRules = { acknowledgement: { sla: '1 hour', remindEvery: '10 minutes' }, shipment: { latenessTolerance: '1 hour' } };

export interface SupplyTenant {
  tenantId: string;
  adminKey: string;
  publish(rules: PurchaseOrderRules): Promise<number>;
  party(kind: 'supplier' | 'manufacturer'): Promise<{ partyId: string; key: string }>;
  staffKey(role: 'approver' | 'finance' | 'tenant-admin'): Promise<string>;
}

export async function supplyTenant(app: TestTrellis, rules: PurchaseOrderRules = slowRules): Promise<SupplyTenant> {
  const { tenantId, adminKey } = await provisionTenant(app);
  const key = async (body: Record<string, unknown>): Promise<string> => {
    const res = await app.http('POST', '/v1/api-keys', { key: adminKey, body });
    if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${res.text}`);
    return res.body.key as string;
  };
  const t: SupplyTenant = {
    tenantId,
    adminKey,
    async publish(definition) {
      const res = await app.http('POST', '/v1/rule-sets/purchase-order/versions', { key: adminKey, body: { definition } });
      if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${res.text}`);
      return res.body.version as number;
    },
    async party(kind) {
      const res = await app.http('POST', '/v1/parties', { key: adminKey, body: { kind, name: `${kind} ${Date.now()}` } });
      if (res.status !== 201) throw new Error(`party creation failed: ${res.status} ${res.text}`);
      return { partyId: res.body.id as string, key: await key({ name: kind, role: kind, partyId: res.body.id }) };
    },
    staffKey: (role) => key({ name: role, role }),
  };
  await t.publish(rules);
  return t;
}

const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
export const inDays = day;

export const shipTo = { name: 'Plant 1', line1: 'Werkstrasse 1', city: 'Stuttgart', postalCode: '70173', country: 'DE' };

export function orderBody(supplierId: string, lines: { sku: string; quantity: number; unitPrice: string; requestedDate?: string }[], currency = 'EUR') {
  return { supplierId, currency, shipTo, lines: lines.map((l) => ({ requestedDate: day(7), ...l })) };
}

export async function place(app: TestTrellis, key: string, body: unknown): Promise<any> {
  const res = await app.http('POST', '/v1/purchase-orders', { key, body });
  if (res.status !== 201) throw new Error(`placing failed: ${res.status} ${res.text}`);
  return res.body;
}

/** Waits until the order, as `key` sees it, satisfies `ok` (timers run in the workflow). */
export async function orderWhen(app: TestTrellis, key: string, id: string, ok: (o: any) => boolean, timeoutMs = 20000): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await app.http('GET', `/v1/purchase-orders/${id}`, { key })).body;
    return ok(last);
  }, timeoutMs);
  return last;
}

export async function exceptionsOf(app: TestTrellis, key: string, purchaseOrderId: string): Promise<any[]> {
  const res = await app.http('GET', `/v1/exceptions?purchaseOrderId=${purchaseOrderId}&limit=200`, { key });
  if (res.status !== 200) throw new Error(`exceptions failed: ${res.status} ${res.text}`);
  return res.body.items;
}
