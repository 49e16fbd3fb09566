/** Importing this registers every model, so provisioning, export and offboarding see them all. */
export * from './tenant';
export * from './platform-secret';
export * from './api-key';
export * from './audit-event';
export * from './audit-head';
export * from './rule-set';
export * from './tenant-export';
export { tenantModels } from './tenant-model';
export * from './partner';
export * from './deal';
export * from './deal-protection';
export * from './partner-application';
export * from './partner-invitation';
export * from './partner-performance';
export * from './tier-review';
export * from './deal-reversal';
export * from './audit-outbox';
export { ensureAllIndexes } from './indexes';
