import type { Schema, Query, Aggregate } from 'mongoose';
import { CrossTenantError, MissingTenantError, TenantScopeViolation, currentTenantId } from '../../platform/tenant-context';

/**
 * Makes a model tenant-owned: `tenantId` is required and immutable, and every query, update,
 * delete, count, aggregate, insertMany, bulkWrite and save is forced into the current tenant
 * (see platform/tenant-context). Anything run with no tenant in scope throws: a forgotten tenant
 * is a bug, never a query over all tenants. What the plugin cannot confine is refused outright:
 * aggregate stages that reach other collections, pipeline updates that touch `tenantId`,
 * replacements without it, and change streams.
 */
const FILTERED_QUERIES = [
  'countDocuments', 'deleteMany', 'deleteOne', 'distinct', 'find', 'findOne', 'findOneAndDelete',
  'findOneAndReplace', 'findOneAndUpdate', 'replaceOne', 'updateMany', 'updateOne',
] as const;

const REPLACEMENTS = new Set<string>(['findOneAndReplace', 'replaceOne']);

/**
 * Stages that read or write another collection (or every tenant's changes): the tenant match the
 * plugin puts first does not reach into them, so they are refused wherever they appear.
 */
const UNSCOPED_STAGES = new Set(['$lookup', '$graphLookup', '$unionWith', '$facet', '$out', '$merge', '$changeStream']);

function tenantFor(operation: string): string {
  const tenantId = currentTenantId();
  if (!tenantId) throw new MissingTenantError(operation);
  return tenantId;
}

function assertSameTenant(operation: string, tenantId: string, named: unknown): void {
  if (named !== undefined && named !== tenantId) throw new CrossTenantError(operation, tenantId, named);
}

/** Walks the whole pipeline, sub-pipelines and expressions included. */
function assertNoUnscopedStage(operation: string, value: unknown): void {
  if (!value || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (UNSCOPED_STAGES.has(key)) throw new TenantScopeViolation(operation, `${key} reads or writes outside the tenant's documents`);
    assertNoUnscopedStage(operation, inner);
  }
}

const namesTenantId = (path: string): boolean => path === 'tenantId' || path.startsWith('tenantId.');

/**
 * A pipeline update computes the new document from expressions, so the plugin cannot check the
 * value it gives `tenantId`: any stage that names `tenantId`, or rebuilds the document (and so
 * may drop it without naming it), is refused. Stages that only set or unset other fields pass.
 */
function assertPipelineKeepsTenant(operation: string, pipeline: unknown[]): void {
  const refuse = (why: string) => { throw new TenantScopeViolation(`${operation} (pipeline update)`, why); };
  for (const stage of pipeline) {
    const [name, body] = Object.entries((stage ?? {}) as Record<string, unknown>)[0] ?? [];
    if (name === '$set' || name === '$addFields') {
      if (Object.keys((body ?? {}) as object).some(namesTenantId)) refuse(`${name} touches tenantId`);
    } else if (name === '$unset') {
      if ((Array.isArray(body) ? body : [body]).some((path) => typeof path === 'string' && namesTenantId(path))) refuse('$unset touches tenantId');
    } else if (name === '$project') {
      const fields = Object.entries((body ?? {}) as Record<string, unknown>);
      if (fields.some(([path]) => namesTenantId(path))) refuse('$project touches tenantId');
      if (fields.some(([path, keep]) => path !== '_id' && keep !== 0 && keep !== false)) refuse('an inclusion $project drops tenantId');
    } else {
      refuse(`${String(name)} rebuilds the document, so tenantId may not survive`);
    }
  }
}

/** An update may not move a document to another tenant, whatever operator it uses. */
function assertUpdateKeepsTenant(operation: string, tenantId: string, update: unknown): void {
  if (!update || typeof update !== 'object') return;
  if (Array.isArray(update)) {
    assertPipelineKeepsTenant(operation, update);
    return;
  }
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
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

/**
 * A replacement is written as given: one without `tenantId` would leave a document no tenant owns.
 * It must carry the tenant in scope, named explicitly.
 */
function assertReplacementKeepsTenant(operation: string, tenantId: string, replacement: unknown): void {
  const doc = (replacement ?? {}) as Record<string, unknown>;
  if (doc.tenantId === undefined) throw new TenantScopeViolation(operation, `the replacement has no tenantId; give it tenantId ${tenantId}`);
  assertSameTenant(operation, tenantId, doc.tenantId);
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
      if (REPLACEMENTS.has(operation)) assertReplacementKeepsTenant(operation, tenantId, this.getUpdate());
      else assertUpdateKeepsTenant(operation, tenantId, this.getUpdate());
    });
  }

  // A change stream sees every tenant's writes to the collection; a static shadows Model.watch.
  schema.static('watch', function () {
    throw new TenantScopeViolation('watch', 'a change stream sees every tenant\'s writes');
  });

  schema.pre('estimatedDocumentCount', function () {
    throw new MissingTenantError('estimatedDocumentCount (it counts every tenant; use countDocuments)');
  });

  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    const tenantId = tenantFor('aggregate');
    assertNoUnscopedStage('aggregate', this.pipeline());
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
        if (kind === 'replaceOne') assertReplacementKeepsTenant('bulkWrite replaceOne', tenantId, body.replacement);
      }
      next();
    } catch (err) {
      next(err as Error);
    }
  });
}
