import type { AreaManifest } from './manifest';
import type * as workflows from '../workflows/supply';
import { partyRoutes } from '../api/routes/supply/parties';
import { purchaseOrderRoutes } from '../api/routes/supply/purchase-orders';
import { exceptionRoutes } from '../api/routes/supply/exceptions';
import { createSupplyActivities } from '../activities/supply/index';
import { TradingPartyModel } from '../models/supply/trading-party';
import { PurchaseOrderModel } from '../models/supply/purchase-order';
import { SupplyExceptionModel } from '../models/supply/supply-exception';
import { purchaseOrderKind } from '../domain/supply/purchase-order-rules';
import { isActiveParty } from '../services/supply/parties';
import { asTenantId } from '../platform/tenant-id';
import { inventoryRoutes } from '../api/routes/supply/inventory';
import { InventoryBatchModel } from '../models/supply/inventory-batch';
import { InventoryBatchItemsModel } from '../models/supply/inventory-batch-items';
import { InventoryObservationModel } from '../models/supply/inventory-observation';
import { InventoryPositionModel } from '../models/supply/inventory-position';
import { requeueStaleBatches } from '../services/supply/inventory-ingest';
import { inventoryIngest } from '../workers/inventory-ingest';
import { thresholdRoutes } from '../api/routes/supply/inventory-thresholds';
import { draftRoutes } from '../api/routes/supply/purchase-order-drafts';
import { TradingRelationshipModel } from '../models/supply/trading-relationship';
import { InventoryThresholdModel } from '../models/supply/inventory-threshold';
import { PurchaseOrderDraftModel } from '../models/supply/purchase-order-draft';
import { LowStockFallModel } from '../models/supply/low-stock-fall';

/** Supply chain sync: trading parties, purchase orders with their exceptions, supplier inventory feeds. */
export const supply = {
  name: 'supply',
  // Thresholds before inventoryRoutes: /v1/inventory/thresholds is not a figure query.
  routes: [...partyRoutes, ...purchaseOrderRoutes, ...draftRoutes, ...exceptionRoutes, ...thresholdRoutes, ...inventoryRoutes],
  createActivities: createSupplyActivities,
  workflows: ['purchaseOrder'] satisfies (keyof typeof workflows)[],
  models: {
    tenant: [TradingPartyModel, PurchaseOrderModel, SupplyExceptionModel, InventoryBatchModel, InventoryBatchItemsModel, InventoryObservationModel, InventoryPositionModel,
      TradingRelationshipModel, InventoryThresholdModel, PurchaseOrderDraftModel, LowStockFallModel],
    platform: [],
  },
  ruleKinds: [purchaseOrderKind],
  // Supplier and manufacturer keys must name an active party of that kind.
  partyLookups: {
    supplier: (tenantId, partyId) => isActiveParty(asTenantId(tenantId), 'supplier', partyId),
    manufacturer: (tenantId, partyId) => isActiveParty(asTenantId(tenantId), 'manufacturer', partyId),
  },
  reapers: {
    platform: [],
    // A batch accepted (stored) but never applied, e.g. its wake-up job lost with Redis's memory.
    tenant: [{ name: 'inventory-batches', run: (services, tenantId, olderThanMs) => requeueStaleBatches(services, tenantId, olderThanMs) }],
  },
  queueConsumers: [inventoryIngest],
} satisfies AreaManifest;
