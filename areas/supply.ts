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

/** Supply chain sync: trading parties, purchase orders with their exceptions (inventory and webhooks join here). */
export const supply = {
  name: 'supply',
  routes: [...partyRoutes, ...purchaseOrderRoutes, ...exceptionRoutes],
  createActivities: createSupplyActivities,
  workflows: ['purchaseOrder'] satisfies (keyof typeof workflows)[],
  models: { tenant: [TradingPartyModel, PurchaseOrderModel, SupplyExceptionModel], platform: [] },
  ruleKinds: [purchaseOrderKind],
  // Supplier and manufacturer keys must name an active party of that kind.
  partyLookups: {
    supplier: (tenantId, partyId) => isActiveParty(asTenantId(tenantId), 'supplier', partyId),
    manufacturer: (tenantId, partyId) => isActiveParty(asTenantId(tenantId), 'manufacturer', partyId),
  },
  reapers: { platform: [], tenant: [] },
} satisfies AreaManifest;
