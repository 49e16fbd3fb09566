import mongoose, { Schema } from 'mongoose';
import { seedWidgets, widgetModel, type Widget as WidgetDoc } from '../support/scope-widgets';
import { inTenant, MissingTenantError, CrossTenantError } from '../../platform/tenant-context';
import { tenantModel } from '../../models/tenant-model';

/**
 * The tenant-scope plugin against the real store: every operation is confined to the tenant in
 * scope, and any operation without one, or naming another tenant, throws.
 */
const Widget = widgetModel('ScopeTestWidget', 'scope_test_widgets');

const A = 'ten_0000000000aaaaaaaaaaaaaaaa';
const B = 'ten_0000000000bbbbbbbbbbbbbbbb';

beforeAll(async () => {
  await seedWidgets(Widget, { tenant: A, ids: ['a1', 'a2'] }, { tenant: B, id: 'b1' });
});
afterAll(async () => {
  await mongoose.disconnect();
});

const inA = <T>(fn: () => T) => inTenant(A, fn);

describe('scoped to the current tenant', () => {
  test('find, findOne, countDocuments and distinct see only the tenant', async () => {
    expect((await inA(() => Widget.find({}).lean())).map((w) => w._id).sort()).toEqual(['a1', 'a2']);
    expect(await inA(() => Widget.findOne({ _id: 'b1' }).lean())).toBeNull();
    expect(await inA(() => Widget.countDocuments({}))).toBe(2);
    expect((await inA(() => Widget.distinct('name'))).sort()).toEqual(['one', 'two']);
  });

  test('updates and deletes cannot reach another tenant', async () => {
    expect((await inA(() => Widget.updateOne({ _id: 'b1' }, { $set: { size: 99 } }))).matchedCount).toBe(0);
    expect((await inA(() => Widget.updateMany({}, { $inc: { size: 1 } }))).matchedCount).toBe(2);
    expect(await inA(() => Widget.findOneAndUpdate({ _id: 'b1' }, { $set: { size: 5 } }))).toBeNull();
    expect((await inA(() => Widget.replaceOne({ _id: 'b1' }, { tenantId: A, name: 'x', size: 0 }))).matchedCount).toBe(0);
    expect(await inA(() => Widget.findOneAndDelete({ _id: 'b1' }))).toBeNull();
    expect((await inA(() => Widget.deleteMany({ name: 'one', _id: 'b1' }))).deletedCount).toBe(0);
    const b1 = await inTenant(B, () => Widget.findOne({ _id: 'b1' }).lean());
    expect(b1).toMatchObject({ size: 10, name: 'one' });
  });

  test('aggregate is prefixed with the tenant match', async () => {
    const rows = await inA(() => Widget.aggregate([{ $group: { _id: null, total: { $sum: '$size' } } }]));
    expect(rows).toHaveLength(1);
    expect(rows[0].total).toBeLessThan(10);
  });

  test('upserts, inserts, insertMany and bulkWrite get the tenant stamped in', async () => {
    await inA(() => Widget.updateOne({ _id: 'a3' }, { $set: { name: 'three', size: 3 } }, { upsert: true }));
    await inA(() => Widget.insertMany([{ _id: 'a4', name: 'four', size: 4 }]));
    await inA(() => Widget.bulkWrite([
      { insertOne: { document: { _id: 'a5', name: 'five', size: 5 } as WidgetDoc } },
      { updateOne: { filter: { _id: 'b1' }, update: { $set: { size: 77 } } } },
    ]));
    const owners = await inTenant(A, () => Widget.find({ _id: { $in: ['a3', 'a4', 'a5'] } }).lean());
    expect(owners.map((w) => w.tenantId)).toEqual([A, A, A]);
    expect((await inTenant(B, () => Widget.findOne({ _id: 'b1' }).lean()))!.size).toBe(10);
  });

  test('uniqueness is per tenant', async () => {
    await expect(inA(() => Widget.create({ _id: 'a6', name: 'one', size: 1 }))).rejects.toMatchObject({ code: 11000 });
    await inTenant(B, () => Widget.create({ _id: 'b2', name: 'two', size: 2 }));
  });
});

describe('refused', () => {
  const unscoped: [string, () => Promise<unknown>][] = [
    ['find', () => Widget.find({}).exec()],
    ['findOne', () => Widget.findOne({}).exec()],
    ['countDocuments', () => Widget.countDocuments({}).exec()],
    ['estimatedDocumentCount', () => Widget.estimatedDocumentCount().exec()],
    ['distinct', () => Widget.distinct('name').exec()],
    ['updateOne', () => Widget.updateOne({}, { $set: { size: 0 } }).exec()],
    ['updateMany', () => Widget.updateMany({}, { $set: { size: 0 } }).exec()],
    ['replaceOne', () => Widget.replaceOne({}, { name: 'z' }).exec()],
    ['deleteOne', () => Widget.deleteOne({}).exec()],
    ['deleteMany', () => Widget.deleteMany({}).exec()],
    ['findOneAndUpdate', () => Widget.findOneAndUpdate({}, { $set: { size: 0 } }).exec()],
    ['findOneAndDelete', () => Widget.findOneAndDelete({}).exec()],
    ['findOneAndReplace', () => Widget.findOneAndReplace({}, { name: 'z' }).exec()],
    ['aggregate', () => Widget.aggregate([{ $match: {} }]).exec()],
    ['insertMany', () => Widget.insertMany([{ _id: 'zz', name: 'zz', size: 0 }])],
    ['bulkWrite', () => Widget.bulkWrite([{ deleteMany: { filter: {} } }])],
    ['create', () => Widget.create({ _id: 'zz', name: 'zz', size: 0 })],
  ];

  test.each(unscoped)('%s without a tenant throws', async (_name, run) => {
    await expect(run()).rejects.toBeInstanceOf(MissingTenantError);
  });

  test('estimatedDocumentCount is refused even inside a tenant', async () => {
    await expect(inA(() => Widget.estimatedDocumentCount().exec())).rejects.toBeInstanceOf(MissingTenantError);
  });

  test('a filter, update or document naming another tenant throws', async () => {
    await expect(inA(() => Widget.find({ tenantId: B }).exec())).rejects.toBeInstanceOf(CrossTenantError);
    await expect(inA(() => Widget.updateOne({ _id: 'a1' }, { $set: { tenantId: B } }).exec())).rejects.toBeInstanceOf(CrossTenantError);
    await expect(inA(() => Widget.create({ _id: 'zz', tenantId: B, name: 'zz', size: 0 }))).rejects.toBeInstanceOf(CrossTenantError);
    await expect(inA(() => Widget.insertMany([{ _id: 'zz', tenantId: B, name: 'zz', size: 0 }]))).rejects.toBeInstanceOf(CrossTenantError);
    await expect(inA(() => Widget.aggregate([{ $match: { tenantId: B } }]).exec())).rejects.toBeInstanceOf(CrossTenantError);
    await expect(inA(() => Widget.bulkWrite([{ updateOne: { filter: { tenantId: B }, update: { $set: { size: 1 } } } }]))).rejects.toBeInstanceOf(CrossTenantError);
  });

  test('a document loaded in one tenant cannot be saved from another', async () => {
    const doc = await inA(() => Widget.findOne({ _id: 'a1' }));
    doc!.size = 42;
    await expect(inTenant(B, () => doc!.save())).rejects.toBeInstanceOf(CrossTenantError);
    doc!.set('tenantId', B);
    expect(doc!.tenantId).toBe(A); // immutable
  });

  test('an index not led by tenantId is refused when the model is defined', () => {
    const bad = new Schema({ name: String });
    bad.index({ name: 1 });
    expect(() => tenantModel('ScopeTestBad', bad, 'scope_test_bad')).toThrow(/must start with tenantId/);
  });
});
