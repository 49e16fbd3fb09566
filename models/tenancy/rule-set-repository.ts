import { repository } from '../repository';
import { RuleSetModel, RuleSetDoc } from './rule-set';
import { isDuplicateKey } from '../../platform/store-errors';

/** One tenant's published rule-set versions. Append-only: nothing here edits a version. */
export const ruleSetStore = repository((inScope) => ({
  /** The version in force at `at`: the highest version whose effectiveFrom has passed. */
  inForce: (kind: string, at: Date) => inScope(() => RuleSetModel.findOne({ kind, effectiveFrom: { $lte: at } }).sort({ version: -1 }).lean<RuleSetDoc>()),

  byVersion: (kind: string, version: number) => inScope(() => RuleSetModel.findOne({ kind, version }).lean<RuleSetDoc>()),

  byId: (id: string) => inScope(() => RuleSetModel.findOne({ _id: id }).lean<RuleSetDoc>()),

  /** Newest first. */
  history: (kind: string, limit: number) => inScope(() => RuleSetModel.find({ kind }).sort({ version: -1 }).limit(limit).lean<RuleSetDoc[]>()),

  /** Oldest first, for reading every version's definition. */
  oldestFirst: (kind: string, limit: number) => inScope(() => RuleSetModel.find({ kind }).sort({ version: 1 }).limit(limit).lean<RuleSetDoc[]>()),

  latest: (kind: string) => inScope(() => RuleSetModel.findOne({ kind }).sort({ version: -1 }).lean<RuleSetDoc>()),

  hasVersion: (kind: string, version: number) => inScope(async () => (await RuleSetModel.exists({ kind, version })) !== null),

  /** Appends a version; undefined when its number (unique per kind) is already taken. */
  append: (version: Omit<RuleSetDoc, 'tenantId' | 'createdAt'>) =>
    inScope(async (): Promise<RuleSetDoc | undefined> => {
      try {
        return (await RuleSetModel.create(version)).toObject();
      } catch (err) {
        if (isDuplicateKey(err)) return undefined;
        throw err;
      }
    }),
}));
