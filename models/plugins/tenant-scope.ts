import type { Schema, Query, Aggregate } from 'mongoose';
import { CrossTenantError, MissingTenantError, currentTenantId } from '../../platform/tenant-context';

/**
 * Makes a model tenant-owned: `tenantId` is required and immutable, and every query, update,
 * delete, count, aggregate, insertMany, bulkWrite and save is forced into the current tenant
 * (see platform/tenant-context). Anything run with no tenant in scope throws: a forgotten tenant
 * is a bug, never a query over all tenants.
 */
const FILTERED_QUERIES = [
  'countDocuments', 'deleteMany', 'deleteOne', 'distinct', 'find', 'findOne', 'findOneAndDelete',
  'findOneAndReplace', 'findOneAndUpdate', 'replaceOne', 'updateMany', 'updateOne',
] as const;

function tenantFor(operation: string): string {
  const tenantId = currentTenantId();
  if (!tenantId) throw new MissingTenantError(operation);
  return tenantId;
}

function assertSameTenant(operation: string, tenantId: string, named: unknown): void {
  if (named !== undefined && named !== tenantId) throw new CrossTenantError(operation, tenantId, named);
}

/** An update may not move a document to another tenant, whatever operator it uses. */
function assertUpdateKeepsTenant(operation: string, tenantId: string, update: unknown): void {
  if (!update || typeof update !== 'object') return;
  const stages = Array.isArray(update) ? update : [update];
  for (const stage of stages) {
    for (const [key, value] of Object.entries(stage as Record<string, unknown>)) {
      if (key === 'tenantId') assertSameTenant(operation, tenantId, value);
      if (key.startsWith('$') && value && typeof value === 'object') {
        if ('tenantId' in value) {
          const isSet = key === '$set' || key === '$setOnInsert';
          if (!isSet) throw new CrossTenantError(operation, tenantId, `${key} tenantId`);
          assertSameTenant(operation, tenantId, (value as Record<string, unknown>).tenantId);
        }
      }
    }
  }
}

function scopeFilter(operation: string, filter: Record<string, unknown>): string {
  const tenantId = tenantFor(operation);
  if ('tenantId' in filter) assertSameTenant(operation, tenantId, filter.tenantId);
  return tenantId;
}

export function tenantScopePlugin(schema: Schema): void {
  schema.add({ tenantId: { type: String, required: true, immutable: true } });

  for (const operation of FILTERED_QUERIES) {
    schema.pre(operation, function (this: Query<unknown, unknown>) {
      const tenantId = scopeFilter(operation, this.getFilter());
      this.where({ tenantId });
      assertUpdateKeepsTenant(operation, tenantId, this.getUpdate());
    });
  }

  schema.pre('estimatedDocumentCount', function () {
    throw new MissingTenantError('estimatedDocumentCount (it counts every tenant; use countDocuments)');
  });

  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    const tenantId = tenantFor('aggregate');
    const first = this.pipeline()[0] as { $match?: Record<string, unknown> } | undefined;
    if (first?.$match && 'tenantId' in first.$match) assertSameTenant('aggregate', tenantId, first.$match.tenantId);
    this.pipeline().unshift({ $match: { tenantId } });
  });

  schema.pre('validate', function (this: { tenantId?: string; isNew: boolean }) {
    const tenantId = tenantFor('save');
    if (this.tenantId === undefined) this.tenantId = tenantId;
    assertSameTenant('save', tenantId, this.tenantId);
  });

  schema.pre('save', function (this: { tenantId?: string }) {
    assertSameTenant('save', tenantFor('save'), this.tenantId);
  });

  schema.pre('insertMany', function (next: (err?: Error) => void, docs: unknown) {
    try {
      const tenantId = tenantFor('insertMany');
      for (const doc of (Array.isArray(docs) ? docs : [docs]) as Record<string, unknown>[]) {
        if (doc.tenantId === undefined) doc.tenantId = tenantId;
        assertSameTenant('insertMany', tenantId, doc.tenantId);
      }
      next();
    } catch (err) {
      next(err as Error);
    }
  });

  schema.pre('bulkWrite', function (next: (err?: Error) => void, ops: unknown) {
    try {
      const tenantId = tenantFor('bulkWrite');
      for (const op of ops as Record<string, Record<string, Record<string, unknown>>>[]) {
        const [kind, body] = Object.entries(op)[0] ?? [];
        if (!kind || !body) continue;
        if (kind === 'insertOne') {
          const doc = body.document as Record<string, unknown>;
          if (doc.tenantId === undefined) doc.tenantId = tenantId;
          assertSameTenant('bulkWrite insertOne', tenantId, doc.tenantId);
          continue;
        }
        const filter = (body.filter ?? {}) as Record<string, unknown>;
        if ('tenantId' in filter) assertSameTenant(`bulkWrite ${kind}`, tenantId, filter.tenantId);
        body.filter = { ...filter, tenantId };
        if (body.update) assertUpdateKeepsTenant(`bulkWrite ${kind}`, tenantId, body.update);
        if (body.replacement) {
          if (body.replacement.tenantId === undefined) body.replacement.tenantId = tenantId;
          assertSameTenant(`bulkWrite ${kind}`, tenantId, body.replacement.tenantId);
        }
      }
      next();
    } catch (err) {
      next(err as Error);
    }
  });
}
