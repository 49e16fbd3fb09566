/**
 * The workflow bundle's entry point: every area's workflow types. It cannot read the areas'
 * manifests (they pull in the store and the HTTP layer, the bundle must stay deterministic and
 * small), so a test checks it exports exactly the workflows the manifests name.
 */
export * from './tenancy';
export * from './onboarding';
export * from './tiers';
export * from './deals';
export * from './supply';
export * from './commissions';
