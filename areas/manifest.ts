import type { Model } from 'mongoose';
import type { RouteSpec } from '../api/route';
import type { RuleKind } from '../domain/rules/registry';
import type { PartyLookups } from '../services/tenancy/parties';
import type { Services } from '../services';
import type { TenantId } from '../platform/tenant-id';

/**
 * What one business area brings to Trellis. The API, the workers and provisioning read these
 * lists (through areas/compose.ts) and nothing else: a route, activity, model, rule kind, party
 * lookup or reaper exists because its area's manifest names it. Adding an area is writing its
 * manifest and adding it to AREAS (areas/index.ts).
 */
export interface AreaManifest {
  name: string;
  /** Its /v1 routes. */
  routes: RouteSpec[];
  /** Its Temporal activities, built from the process's shared services. */
  createActivities(deps: { services: Services }): Activities;
  /**
   * The workflow types it contributes to the bundle. The bundle (workflows/index.ts) cannot import
   * manifests, so a test checks that these names and the bundle's exports are the same.
   */
  workflows: string[];
  /**
   * Its models. Tenant-owned ones are exported and deleted with the tenant; platform ones (the
   * tenants themselves, platform secrets) only get their indexes.
   */
  models: { tenant: Model<any>[]; platform: Model<any>[] };
  ruleKinds: RuleKind<any, any, any>[];
  /** How to tell that a party of its roles exists, for keys bound to one. */
  partyLookups: PartyLookups;
  reapers: ReaperRegistry;
  /** Its BullMQ consumers, started by every queue-worker process (workers/queue-worker.ts). */
  queueConsumers?: QueueConsumer[];
}

export interface QueueConsumer {
  name: string;
  start(services: Services): Promise<{ stop(): Promise<void> }>;
}

export type Activities = Record<string, (...args: any[]) => Promise<unknown>>;

/**
 * Reapers close work a crash left half-done (workers/reaper.ts runs them). A platform reaper runs
 * once per pass, across all tenants (tenants themselves are platform records).
 */
export interface PlatformReaper {
  name: string;
  run(services: Services, olderThanMs: number): Promise<unknown>;
}

/** Runs once per pass for every active tenant. */
export interface TenantReaper {
  name: string;
  run(services: Services, tenantId: TenantId, olderThanMs: number): Promise<unknown>;
}

export interface ReaperRegistry {
  platform: PlatformReaper[];
  tenant: TenantReaper[];
}
