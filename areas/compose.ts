import type { Model } from 'mongoose';
import type { RouteSpec } from '../api/route';
import type { RuleKind } from '../domain/rules/registry';
import type { PartyLookups } from '../services/tenancy/parties';
import type { Services } from '../services';
import type { AreaManifest, QueueConsumer, ReaperRegistry } from './manifest';

/**
 * The areas' manifests read as the lists each consumer needs. Two areas claiming the same route,
 * activity, model, rule kind, party role or reaper is a mistake found at start-up, not a silent
 * override.
 */

function unique<T>(what: string, items: T[], keyOf: (item: T) => string): T[] {
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) throw new Error(`two areas declare the ${what} ${key}`);
    seen.add(key);
  }
  return items;
}

export function routesOf(areas: readonly AreaManifest[]): RouteSpec[] {
  return unique('route', areas.flatMap((a) => a.routes), (r) => `${r.method.toUpperCase()} ${r.path}`);
}

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** Every area's activities in one object, typed, so a test can wrap one and pass the rest on. */
export type ActivitiesOf<A extends readonly AreaManifest[]> = Intersection<ReturnType<A[number]['createActivities']>>;

export function activitiesOf<A extends readonly AreaManifest[]>(areas: A, deps: { services: Services }): ActivitiesOf<A> {
  const sets = areas.map((a) => a.createActivities(deps));
  unique('activity', sets.flatMap((s) => Object.keys(s)), (name) => name);
  return Object.assign({}, ...sets) as ActivitiesOf<A>;
}

/** Workflow type names, for the check against the bundle's exports. */
export function workflowsOf(areas: readonly AreaManifest[]): string[] {
  return unique('workflow', areas.flatMap((a) => a.workflows), (name) => name);
}

export interface AreaModels {
  /** Tenant-owned models by model name: what export, offboarding and the outbox relay walk. */
  tenant: ReadonlyMap<string, Model<unknown>>;
  /** Every model, platform ones included: what index creation walks. */
  all: readonly Model<unknown>[];
}

export function modelsOf(areas: readonly AreaManifest[]): AreaModels {
  const tenant = unique('tenant model', areas.flatMap((a) => a.models.tenant), (m) => m.modelName);
  const all = unique('model', [...areas.flatMap((a) => a.models.platform), ...tenant], (m) => m.modelName);
  return { tenant: new Map(tenant.map((m) => [m.modelName, m as Model<unknown>])), all };
}

export function ruleKindsOf(areas: readonly AreaManifest[]): RuleKind<any, any, any>[] {
  return unique('rule kind', areas.flatMap((a) => a.ruleKinds), (k) => k.kind);
}

export function partyLookupsOf(areas: readonly AreaManifest[]): PartyLookups {
  const entries = unique('party lookup for', areas.flatMap((a) => Object.entries(a.partyLookups)), ([role]) => role);
  return Object.fromEntries(entries);
}

/** In the areas' order: tenancy comes first, so the audit outbox is relayed before anything is closed. */
export function reapersOf(areas: readonly AreaManifest[]): ReaperRegistry {
  return {
    platform: unique('platform reaper', areas.flatMap((a) => a.reapers.platform), (r) => r.name),
    tenant: unique('tenant reaper', areas.flatMap((a) => a.reapers.tenant), (r) => r.name),
  };
}

export function queueConsumersOf(areas: readonly AreaManifest[]): QueueConsumer[] {
  return unique('queue consumer', areas.flatMap((a) => a.queueConsumers ?? []), (c) => c.name);
}
