import { RuleSetModel, RuleSetDoc } from '../models/rule-set';
import { inTenant } from '../platform/tenant-context';
import { newId } from '../platform/ids';
import { ruleKind, ruleKinds, RuleKind } from '../domain/rules/registry';
import { validate } from '../api/validation';
import { Problem } from '../api/problem';
import { isDuplicateKey } from '../platform/store-errors';

export interface RuleSetVersion<Def = unknown> {
  id: string;
  kind: string;
  version: number;
  effectiveFrom: Date;
  definition: Def;
  note?: string;
  publishedBy: string;
  createdAt: Date;
}

const toVersion = <Def>(doc: RuleSetDoc): RuleSetVersion<Def> => ({
  id: doc._id,
  kind: doc.kind,
  version: doc.version,
  effectiveFrom: doc.effectiveFrom,
  definition: JSON.parse(doc.definition) as Def,
  note: doc.note,
  publishedBy: doc.publishedBy,
  createdAt: doc.createdAt,
});

/** Versioned, effective-dated rule sets. Publishing appends; nothing is edited in place. */
export class RuleSets {
  kindOrThrow(kind: string): RuleKind {
    const found = ruleKind(kind);
    if (!found) throw new Problem('not-found', `rule-set kind "${kind}" does not exist; known kinds: ${ruleKinds().map((k) => k.kind).join(', ') || 'none'}`);
    return found;
  }

  /** Validates a definition against its kind's schema and checks; throws a 422 problem. */
  check<Def>(kind: string, definition: unknown): Def {
    const spec = this.kindOrThrow(kind);
    const valid = validate<Def>(spec.schema, definition, 'body');
    const problems = spec.check?.(valid) ?? [];
    if (problems.length > 0) {
      throw new Problem('rule-set-invalid', `${problems[0].field} ${problems[0].detail}`, { field: problems[0].field, errors: problems });
    }
    return valid;
  }

  /** The version in force at `at`: the highest version whose effectiveFrom has passed. */
  inForce<Def>(tenantId: string, kind: string, at: Date = new Date()): Promise<RuleSetVersion<Def> | undefined> {
    return inTenant(tenantId, async () => {
      const doc = await RuleSetModel.findOne({ kind, effectiveFrom: { $lte: at } }).sort({ version: -1 }).lean();
      return doc ? toVersion<Def>(doc) : undefined;
    });
  }

  version<Def>(tenantId: string, kind: string, version: number): Promise<RuleSetVersion<Def> | undefined> {
    return inTenant(tenantId, async () => {
      const doc = await RuleSetModel.findOne({ kind, version }).lean();
      return doc ? toVersion<Def>(doc) : undefined;
    });
  }

  versions(tenantId: string, kind: string): Promise<RuleSetVersion[]> {
    return inTenant(tenantId, async () => (await RuleSetModel.find({ kind }).sort({ version: -1 }).limit(200).lean()).map((d) => toVersion(d)));
  }

  /** Appends a new version. Concurrent publishers race on the unique version index; both land. */
  publish<Def>(tenantId: string, kind: string, input: { definition: unknown; effectiveFrom?: Date; note?: string; publishedBy: string; id?: string }): Promise<RuleSetVersion<Def>> {
    const definition = this.check<Def>(kind, input.definition);
    return inTenant(tenantId, async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        // A retried publication (same id) finds the version it already wrote.
        const mine = input.id ? await RuleSetModel.findOne({ _id: input.id }).lean() : null;
        if (mine) return toVersion<Def>(mine);
        const last = await RuleSetModel.findOne({ kind }, { version: 1 }).sort({ version: -1 }).lean();
        try {
          const doc = await RuleSetModel.create({
            _id: input.id ?? newId('rs'),
            kind,
            version: (last?.version ?? 0) + 1,
            effectiveFrom: input.effectiveFrom ?? new Date(),
            definition: JSON.stringify(definition),
            note: input.note,
            publishedBy: input.publishedBy,
          });
          return toVersion<Def>(doc.toObject());
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      throw new Problem('conflict', `too many concurrent publications of ${kind}; try again`);
    });
  }

  /** Seeds version 1 of every registered kind with its default; safe to run again. */
  seedDefaults(tenantId: string, publishedBy: string): Promise<string[]> {
    return inTenant(tenantId, async () => {
      const seeded: string[] = [];
      for (const spec of ruleKinds()) {
        const exists = await RuleSetModel.findOne({ kind: spec.kind, version: 1 }, { _id: 1 }).lean();
        if (exists) continue;
        try {
          await RuleSetModel.create({
            _id: newId('rs'),
            kind: spec.kind,
            version: 1,
            effectiveFrom: new Date(0),
            definition: JSON.stringify(spec.defaultDefinition),
            note: 'default rules seeded at provisioning',
            publishedBy,
          });
          seeded.push(spec.kind);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      return seeded;
    });
  }
}
