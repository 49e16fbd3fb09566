import mongoose from 'mongoose';
import * as bundle from '../../workflows';
import { AREAS } from '../../areas';
import type { AreaManifest } from '../../areas/manifest';
import { activitiesOf, modelsOf, partyLookupsOf, reapersOf, routesOf, ruleKindsOf, workflowsOf } from '../../areas/compose';
import type { Services } from '../../services';

/**
 * The areas' manifests are the only lists the API and the workers read, so they must be complete
 * (nothing compiled or bundled that no manifest names) and must not overlap.
 */
// Factories only keep the services for later calls; none is made here.
const deps = { services: {} as Services };
const duplicates = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);

test('the areas are tenancy, onboarding, tiers, deals, supply and commissions, tenancy first, and the webhooks every area uses', () => {
  expect(AREAS.map((a) => a.name)).toEqual(['tenancy', 'onboarding', 'tiers', 'deals', 'supply', 'commissions', 'webhooks']);
});

test('the workflow bundle exports exactly the workflows the manifests name', () => {
  expect(workflowsOf(AREAS).sort()).toEqual(Object.keys(bundle).sort());
  for (const name of Object.keys(bundle)) expect(typeof (bundle as Record<string, unknown>)[name]).toBe('function');
});

// Commissions runs no process of its own until its payout run, and webhooks are a mechanism (routes,
// models and queue workers), not a process: routes and models only.
const WITH_PROCESSES = AREAS.filter((a) => a.name !== 'commissions' && a.name !== 'webhooks');
test.each(AREAS.map((a) => [a.name, a] as [string, AreaManifest]))('%s declares routes and tenant models', (_name, area) => {
  expect(area.routes.length).toBeGreaterThan(0);
  expect(area.models.tenant.length).toBeGreaterThan(0);
});

test.each(WITH_PROCESSES.map((a) => [a.name, a] as [string, AreaManifest]))('%s declares routes, activities, workflows and tenant models', (_name, area) => {
  expect(area.routes.length).toBeGreaterThan(0);
  expect(Object.keys(area.createActivities(deps)).length).toBeGreaterThan(0);
  expect(area.workflows.length).toBeGreaterThan(0);
  expect(area.models.tenant.length).toBeGreaterThan(0);
});

test('no route, activity, workflow, model, rule kind, party role or reaper is declared twice', () => {
  const routes = AREAS.flatMap((a) => a.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`));
  expect(duplicates(routes)).toEqual([]);
  expect(routesOf(AREAS)).toHaveLength(routes.length);
  const activities = AREAS.flatMap((a) => Object.keys(a.createActivities(deps)));
  expect(duplicates(activities)).toEqual([]);
  expect(Object.keys(activitiesOf(AREAS, deps)).sort()).toEqual([...activities].sort());
  expect(duplicates(AREAS.flatMap((a) => a.workflows))).toEqual([]);
  expect(duplicates(AREAS.flatMap((a) => [...a.models.tenant, ...a.models.platform].map((m) => m.modelName)))).toEqual([]);
  expect(duplicates(ruleKindsOf(AREAS).map((k) => k.kind))).toEqual([]);
  expect(Object.keys(partyLookupsOf(AREAS))).toEqual(['partner', 'supplier', 'manufacturer']);
  const reapers = reapersOf(AREAS);
  expect(duplicates([...reapers.platform, ...reapers.tenant].map((r) => r.name))).toEqual([]);
  // The outbox is relayed before any reaper closes anything.
  expect(reapers.tenant[0].name).toBe('outbox');
});

test('every compiled model is in a manifest, tenant-owned ones carry tenantId and platform ones do not', () => {
  const models = modelsOf(AREAS);
  expect(models.all.map((m) => m.modelName).sort()).toEqual(mongoose.modelNames().sort());
  for (const model of models.tenant.values()) expect(model.schema.path('tenantId')).toBeDefined();
  const platform = models.all.filter((m) => !models.tenant.has(m.modelName));
  expect(platform.map((m) => m.modelName).sort()).toEqual(['PlatformSecret', 'Tenant', 'WebhookTenant']);
  for (const model of platform) expect(model.schema.path('tenantId')).toBeUndefined();
});

test('the rule kinds are the areas\' own', () => {
  expect(ruleKindsOf(AREAS).map((k) => k.kind)).toEqual(['onboarding', 'tiers', 'deal-approval', 'purchase-order', 'commission']);
});

test('composing two areas that claim the same thing fails instead of one silently winning', () => {
  const [tenancy, onboarding] = AREAS;
  expect(() => routesOf([tenancy, tenancy])).toThrow(/two areas declare the route (GET|POST|PUT|PATCH|DELETE) \/v1\//);
  expect(() => activitiesOf([onboarding, onboarding], deps)).toThrow(/two areas declare the activity/);
  expect(() => modelsOf([tenancy, tenancy])).toThrow(/two areas declare the tenant model ApiKey/);
  expect(() => partyLookupsOf([onboarding, onboarding])).toThrow(/party lookup for partner/);
  expect(() => reapersOf([tenancy, tenancy])).toThrow(/platform reaper stale-tenants/);
  expect(() => workflowsOf([onboarding, onboarding])).toThrow(/workflow partnerOnboarding/);
  expect(() => ruleKindsOf([onboarding, onboarding])).toThrow(/rule kind onboarding/);
});
