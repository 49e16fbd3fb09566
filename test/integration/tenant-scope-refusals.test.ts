import mongoose, { PipelineStage } from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { seedWidgets, widgetModel, type Widget as WidgetDoc } from '../support/scope-widgets';
import { inTenant, currentTenantId, CrossTenantError, TenantScopeViolation } from '../../platform/tenant-context';
import { asTenantId } from '../../platform/tenant-id';

/**
 * What the tenant scope refuses outright, against the real store: switching tenant inside a
 * tenant scope, aggregate stages that reach other collections, pipeline updates that touch
 * `tenantId`, replacements without it, and change streams. Each refusal must happen before any
 * command reaches the store, which the driver's command monitor proves (the store may not support
 * some of these stages at all, so its own failure would prove nothing).
 */
const Widget = widgetModel('ScopeRefusalWidget', 'scope_refusal_widgets');

const A = 'ten_0000000000cccccccccccccccc';
const B = 'ten_0000000000dddddddddddddddd';
const inA = <T>(fn: () => T) => inTenant(A, fn);

const sent: string[] = [];
const record = (event: CommandStartedEvent) => sent.push(event.commandName);

beforeAll(async () => {
  await seedWidgets(Widget, { tenant: A, ids: ['c1', 'c2'] }, { tenant: B, id: 'd1' }, { monitorCommands: true });
  mongoose.connection.getClient().on('commandStarted', record);
});
afterAll(async () => {
  mongoose.connection.getClient().off('commandStarted', record);
  await mongoose.disconnect();
});

/** Runs `attempt`, expects it to fail with `error`, and checks that nothing was sent to the store. */
async function refusedBeforeTheStore(attempt: () => Promise<unknown>, error: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  sent.length = 0;
  const outcome = attempt();
  await expect(outcome).rejects.toBeInstanceOf(error);
  await expect(outcome).rejects.toThrow(message);
  expect(sent).toEqual([]);
}

describe('inTenant', () => {
  test('nesting the same tenant keeps working', async () => {
    const names = await inA(() => inTenant(asTenantId(A), async () => {
      expect(currentTenantId()).toBe(A);
      return (await Widget.find({}).sort({ _id: 1 }).lean()).map((w) => w.name);
    }));
    expect(names).toEqual(['one', 'two']);
  });

  test('switching to another tenant inside a tenant scope is refused', async () => {
    await refusedBeforeTheStore(
      () => inA(async () => inTenant(B, () => Widget.find({}).exec())),
      CrossTenantError,
      /inTenant\(ten_0000000000dddddddddddddddd\): already in tenant ten_0000000000cccccccccccccccc's scope/,
    );
  });

  test('each tenant in its own top-level scope is fine', async () => {
    const counts = [];
    for (const tenant of [A, B]) counts.push(await inTenant(asTenantId(tenant), () => Widget.countDocuments({})));
    expect(counts).toEqual([2, 1]);
  });
});

describe('aggregate', () => {
  const other = 'scope_refusal_elsewhere';
  const refused: [string, PipelineStage[]][] = [
    ['$lookup', [{ $lookup: { from: other, localField: 'name', foreignField: 'name', as: 'joined' } }]],
    ['$graphLookup', [{ $graphLookup: { from: other, startWith: '$name', connectFromField: 'name', connectToField: 'name', as: 'chain' } }]],
    ['$unionWith', [{ $unionWith: { coll: other } }]],
    ['$facet', [{ $facet: { sizes: [{ $group: { _id: null, total: { $sum: '$size' } } }] } }]],
    ['$out', [{ $out: other }]],
    ['$merge', [{ $merge: { into: other } }]],
  ];

  test.each(refused)('%s is refused', async (stage, pipeline) => {
    await refusedBeforeTheStore(() => inA(() => Widget.aggregate(pipeline).exec()), TenantScopeViolation, new RegExp(`\\${stage} reads or writes outside`));
  });

  test('a refused stage nested in a sub-pipeline is found', async () => {
    const pipeline: PipelineStage[] = [{ $match: { size: { $gt: 0 } } }, { $unionWith: { coll: Widget.collection.collectionName, pipeline: [{ $lookup: { from: other, pipeline: [], as: 'x' } }] } }];
    await refusedBeforeTheStore(() => inA(() => Widget.aggregate(pipeline).exec()), TenantScopeViolation, /reads or writes outside/);
  });

  test('stages that stay in the tenant documents still run (and the monitor sees them sent)', async () => {
    sent.length = 0;
    const rows = await inA(() => Widget.aggregate<{ total: number }>([{ $match: { size: { $gt: 0 } } }, { $group: { _id: null, total: { $sum: '$size' } } }]));
    expect(rows).toEqual([{ _id: null, total: 3 }]);
    expect(sent).toEqual(['aggregate']);
  });
});

describe('pipeline updates', () => {
  const refused: [string, PipelineStage[], RegExp][] = [
    ['$set', [{ $set: { tenantId: B } }], /\$set touches tenantId/],
    ['$set (same tenant)', [{ $set: { tenantId: A } }], /\$set touches tenantId/],
    ['$addFields', [{ $addFields: { 'tenantId.copy': '$name' } }], /\$addFields touches tenantId/],
    ['$unset', [{ $unset: ['size', 'tenantId'] }], /\$unset touches tenantId/],
    ['$project naming tenantId', [{ $project: { tenantId: 0 } }], /\$project touches tenantId/],
    ['$project keeping other fields', [{ $project: { name: 1, size: 1 } }], /inclusion \$project drops tenantId/],
    ['$replaceRoot', [{ $replaceRoot: { newRoot: { name: '$name' } } }], /\$replaceRoot rebuilds the document/],
    ['$replaceWith', [{ $set: { size: 0 } }, { $replaceWith: { name: '$name' } }], /\$replaceWith rebuilds the document/],
  ];

  test.each(refused)('%s is refused', async (_name, pipeline, message) => {
    await refusedBeforeTheStore(() => inA(() => Widget.updateOne({ _id: 'c1' }, pipeline).exec()), TenantScopeViolation, message);
  });

  // FerretDB answers pipeline updates with an error of its own; what matters here is that the
  // plugin passed the update on to the store instead of refusing it.
  test('a pipeline update that leaves tenantId alone is passed to the store', async () => {
    sent.length = 0;
    const pipeline: PipelineStage[] = [{ $set: { size: { $add: ['$size', 100] } } }, { $unset: 'missing' }, { $project: { missing: 0 } }];
    const outcome = await inA(() => Widget.updateOne({ _id: 'c1' }, pipeline).exec()).catch((err: unknown) => err);
    expect(outcome).not.toBeInstanceOf(TenantScopeViolation);
    expect(sent).toEqual(['update']);
  });

  test('updateMany, findOneAndUpdate and bulkWrite are checked the same way', async () => {
    const pipeline: PipelineStage[] = [{ $unset: 'tenantId' }];
    await refusedBeforeTheStore(() => inA(() => Widget.updateMany({}, pipeline).exec()), TenantScopeViolation, /updateMany \(pipeline update\)/);
    await refusedBeforeTheStore(() => inA(() => Widget.findOneAndUpdate({ _id: 'c1' }, pipeline).exec()), TenantScopeViolation, /findOneAndUpdate \(pipeline update\)/);
    await refusedBeforeTheStore(() => inA(() => Widget.bulkWrite([{ updateOne: { filter: { _id: 'c1' }, update: pipeline } }])), TenantScopeViolation, /bulkWrite updateOne \(pipeline update\)/);
    expect((await inA(() => Widget.findOne({ _id: 'c1' }).lean()))!.tenantId).toBe(A);
  });
});

describe('replacements', () => {
  test('replaceOne without tenantId is refused', async () => {
    await refusedBeforeTheStore(() => inA(() => Widget.replaceOne({ _id: 'c2' }, { name: 'two', size: 20 }).exec()), TenantScopeViolation, /replaceOne: the replacement has no tenantId/);
  });

  test('findOneAndReplace without tenantId is refused', async () => {
    await refusedBeforeTheStore(() => inA(() => Widget.findOneAndReplace({ _id: 'c2' }, { name: 'two', size: 20 }).exec()), TenantScopeViolation, /findOneAndReplace: the replacement has no tenantId/);
  });

  test('bulkWrite replaceOne without tenantId is refused', async () => {
    await refusedBeforeTheStore(
      () => inA(() => Widget.bulkWrite([{ replaceOne: { filter: { _id: 'c2' }, replacement: { name: 'two', size: 20 } as WidgetDoc } }])),
      TenantScopeViolation,
      /bulkWrite replaceOne: the replacement has no tenantId/,
    );
  });

  test('a replacement naming another tenant is refused', async () => {
    await refusedBeforeTheStore(() => inA(() => Widget.replaceOne({ _id: 'c2' }, { tenantId: B, name: 'two', size: 20 }).exec()), CrossTenantError, /names tenant ten_0000000000dddddddddddddddd/);
    await refusedBeforeTheStore(
      () => inA(() => Widget.bulkWrite([{ replaceOne: { filter: { _id: 'c2' }, replacement: { tenantId: B, name: 'two', size: 20 } as WidgetDoc } }])),
      CrossTenantError,
      /names tenant ten_0000000000dddddddddddddddd/,
    );
  });

  test('a replacement carrying the tenant in scope still runs', async () => {
    sent.length = 0;
    expect((await inA(() => Widget.replaceOne({ _id: 'c2' }, { tenantId: A, name: 'two', size: 20 }))).modifiedCount).toBe(1);
    expect(sent).toEqual(['update']);
    expect(await inA(() => Widget.findOne({ _id: 'c2' }).lean())).toEqual({ _id: 'c2', tenantId: A, name: 'two', size: 20 });
  });
});

describe('change streams', () => {
  test('watch is refused, inside a tenant or not', async () => {
    sent.length = 0;
    expect(() => Widget.watch()).toThrow(TenantScopeViolation);
    expect(() => inA(() => Widget.watch())).toThrow(/Refused watch: a change stream sees every tenant's writes/);
    expect(sent).toEqual([]);
  });
});
