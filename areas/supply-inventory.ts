import type { AreaManifest } from './manifest';
import { inventoryRoutes } from '../api/routes/supply/inventory';
import { InventoryBatchModel } from '../models/supply/inventory-batch';
import { InventoryObservationModel } from '../models/supply/inventory-observation';
import { InventoryPositionModel } from '../models/supply/inventory-position';
import { requeueStaleBatches } from '../services/supply/inventory-ingest';
import { asTenantId } from '../platform/tenant-id';
import { inventoryIngest } from '../workers/inventory-ingest';

/**
 * Supplier inventory feeds: the supply area's inventory part, kept in its own manifest while the
 * rest of the area (parties, purchase orders) is built beside it; its lists fold into
 * areas/supply.ts.
 */
export const supplyInventory = {
  name: 'supply-inventory',
  routes: inventoryRoutes,
  createActivities: () => ({}),
  workflows: [],
  models: { tenant: [InventoryBatchModel, InventoryObservationModel, InventoryPositionModel], platform: [] },
  ruleKinds: [],
  partyLookups: {},
  reapers: {
    platform: [],
    tenant: [{ name: 'inventory-batches', run: (services, tenantId, olderThanMs) => requeueStaleBatches(services, asTenantId(tenantId), olderThanMs) }],
  },
  queueConsumers: [inventoryIngest],
} satisfies AreaManifest;
