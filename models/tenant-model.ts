import mongoose, { Schema, Model } from 'mongoose';
import { tenantScopePlugin } from './plugins/tenant-scope';

/**
 * Compiles a tenant-owned model: applies the tenant-scope plugin and refuses, at start-up, any
 * index that does not begin with `tenantId` (uniqueness is always per tenant).
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
  tenantModels.set(name, mongoose.model<T>(name, schema, collection) as Model<unknown>);
  return mongoose.models[name] as Model<T>;
}

/** Every tenant-owned model, for provisioning (indexes), export and offboarding. */
export const tenantModels = new Map<string, Model<unknown>>();
