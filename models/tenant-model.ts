import mongoose, { Schema, Model } from 'mongoose';
import { tenantScopePlugin } from './plugins/tenant-scope';

/**
 * Compiles a tenant-owned model: applies the tenant-scope plugin and refuses, at start-up, any
 * index that does not begin with `tenantId` (uniqueness is always per tenant). Its area's manifest
 * (areas/) lists it, which is how export, offboarding and index creation find it.
 */
export function tenantModel<T>(name: string, schema: Schema<T>, collection: string): Model<T> {
  schema.plugin(tenantScopePlugin);
  schema.set('autoIndex', false);
  for (const [fields] of schema.indexes()) {
    const first = Object.keys(fields)[0];
    if (first !== 'tenantId') {
      throw new Error(`Index ${JSON.stringify(fields)} on ${name} must start with tenantId`);
    }
  }
  return mongoose.model<T>(name, schema, collection);
}
