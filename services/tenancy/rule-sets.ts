import { Type, TSchema } from '@sinclair/typebox';
import type { RuleSetDoc } from '../../models/tenancy/rule-set';
import { ruleSetStore } from '../../models/tenancy/rule-set-repository';
import { tenantRecords } from '../../models/tenancy/tenant-repository';
import type { TenantId } from '../../platform/tenant-id';
import { newId } from '../../platform/ids';
import { RuleKind, RuleInputError, DryRunContext, DryRunData } from '../../domain/rules/registry';
import { PRODUCTION_RULE_LIMITS, RuleLimits } from '../../domain/durations';
import { checkSchema } from '../../platform/schema-validation';
import { DomainError, invalid, notFound } from '../../domain/errors';
import { withAudit, type KeyedAuditInput } from './outbox';
import type { AuditLog, Requester } from './audit';

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

/** The note of versions Trellis wrote itself (provisioning defaults), not the tenant. */
export const SEEDED_NOTE = 'default rules seeded at provisioning';

/** A version Trellis seeded: its note says so and no API key published it (only keys publish). */
const isSeeded = (doc: Pick<RuleSetDoc, 'note' | 'publishedBy'>): boolean =>
  (doc.note ?? '').startsWith(SEEDED_NOTE) && !doc.publishedBy.startsWith('key_');

/**
 * Schemas wrapped in the request field they arrive in, so errors name `body.definition.…` and
 * `body.input.…` exactly as the client sent them.
 */
const wrapped = { definition: new WeakMap<TSchema, TSchema>(), input: new WeakMap<TSchema, TSchema>() };
function under(field: 'definition' | 'input', schema: TSchema): TSchema {
  let found = wrapped[field].get(schema);
  if (!found) {
    found = Type.Object({ [field]: schema }, { additionalProperties: true });
    wrapped[field].set(schema, found);
  }
  return found;
}

async function tenantSettings(tenantId: TenantId): Promise<{ currency: string; roundingMode: DryRunContext['roundingMode'] }> {
  const tenant = await tenantRecords.byId(tenantId);
  if (!tenant) throw new Error(`tenant ${tenantId} does not exist`);
  return { currency: tenant.settings.currency, roundingMode: tenant.settings.roundingMode };
}

/** Versioned, effective-dated rule sets. Publishing appends; nothing is edited in place. */
export class RuleSets {
  private readonly byKind: ReadonlyMap<string, RuleKind<any, any, any>>;

  /**
   * `kinds` are the areas' rule kinds (areas/); `limits` bound every duration at publish and dry
   * run (the minimum comes from configuration).
   */
  constructor(kinds: readonly RuleKind<any, any, any>[], private readonly limits: RuleLimits = PRODUCTION_RULE_LIMITS) {
    this.byKind = new Map(kinds.map((k) => [k.kind, k]));
  }

  /** Every kind of rule set, in the order the areas list them. */
  kinds(): RuleKind<any, any, any>[] {
    return [...this.byKind.values()];
  }

  kindOrThrow(kind: string): RuleKind {
    const found = this.byKind.get(kind);
    if (!found) throw new DomainError('not-found', `rule-set kind "${kind}" does not exist; known kinds: ${this.kinds().map((k) => k.kind).join(', ') || 'none'}`);
    return found;
  }

  /**
   * Validates a definition against its kind's schema and checks, for the tenant whose currency it
   * must use; refuses (invalid, rule-set-invalid) naming `body.definition.…`.
   */
  check<Def>(kind: string, definition: unknown, tenant: { currency: string }): Def {
    const spec = this.kindOrThrow(kind);
    const valid = checkSchema<{ definition: Def }>(under('definition', spec.schema), { definition }, 'body').definition;
    const problems = spec.check?.(valid, { limits: this.limits, tenantCurrency: tenant.currency }) ?? [];
    if (problems.length > 0) {
      throw new DomainError('rule-set-invalid', `${problems[0].field} ${problems[0].detail}`, { field: problems[0].field, errors: problems });
    }
    return valid;
  }

  /**
   * What a draft (or the version in force) does with sample input, answered with the tenant's
   * currency and rounding mode as a real run would; sample input a real run refuses is invalid,
   * naming `body.input.…`.
   */
  async dryRun(tenantId: TenantId, kind: string, body: { definition?: unknown; input: unknown }, data?: Omit<DryRunData, 'tenantId'>): Promise<{ version: number | null; result: unknown }> {
    const spec = this.kindOrThrow(kind);
    if (!spec.dryRun || !spec.dryRunInput) throw invalid('params.kind', `rule-set kind ${kind} has no dry run`);
    const settings = await tenantSettings(tenantId);
    let definition: unknown;
    let version: number | null = null;
    if (body.definition !== undefined) {
      definition = this.check(kind, body.definition, settings);
    } else {
      const inForce = await this.inForce(tenantId, kind);
      if (!inForce) throw notFound(`a ${kind} rule set in force`);
      definition = inForce.definition;
      version = inForce.version;
    }
    const input = checkSchema<{ input: unknown }>(under('input', spec.dryRunInput), { input: body.input }, 'body').input;
    try {
      const context = { tenantCurrency: settings.currency, roundingMode: settings.roundingMode };
      const overData = data === undefined ? undefined : spec.dryRunOverData?.({ ...data, tenantId }, definition, input, context);
      return { version, result: overData ? await overData : spec.dryRun(definition, input, context) };
    } catch (err) {
      if (err instanceof RuleInputError) throw invalid(err.field, err.message);
      throw err;
    }
  }

  /** The version in force at `at`: the highest version whose effectiveFrom has passed. */
  async inForce<Def>(tenantId: TenantId, kind: string, at: Date = new Date()): Promise<RuleSetVersion<Def> | undefined> {
    const doc = await ruleSetStore(tenantId).inForce(kind, at);
    return doc ? toVersion<Def>(doc) : undefined;
  }

  async version<Def>(tenantId: TenantId, kind: string, version: number): Promise<RuleSetVersion<Def> | undefined> {
    const doc = await ruleSetStore(tenantId).byVersion(kind, version);
    return doc ? toVersion<Def>(doc) : undefined;
  }

  async versions(tenantId: TenantId, kind: string): Promise<RuleSetVersion[]> {
    return (await ruleSetStore(tenantId).history(kind, 200)).map((d) => toVersion(d));
  }

  /** Appends a new version. Concurrent publishers race on the unique version index; both land. */
  async publish<Def>(tenantId: TenantId, kind: string, input: { definition: unknown; effectiveFrom?: Date; note?: string; publishedBy: string; id?: string }): Promise<RuleSetVersion<Def>> {
    const definition = this.check<Def>(kind, input.definition, await tenantSettings(tenantId));
    const store = ruleSetStore(tenantId);
    for (let attempt = 0; attempt < 20; attempt++) {
      // A retried publication (same id) finds the version it already wrote.
      const mine = input.id ? await store.byId(input.id) : null;
      if (mine) return toVersion<Def>(mine);
      const last = await store.latest(kind);
      const doc = await store.append({
        _id: input.id ?? newId('rs'),
        kind,
        version: (last?.version ?? 0) + 1,
        effectiveFrom: input.effectiveFrom ?? new Date(),
        definition: JSON.stringify(definition),
        note: input.note,
        publishedBy: input.publishedBy,
      });
      if (doc) return toVersion<Def>(doc);
    }
    throw new DomainError('conflict', `too many concurrent publications of ${kind}; try again`, { retryable: true });
  }

  /**
   * Seeds version 1 of every registered kind with its default for this tenant (tiers in the
   * tenant's currency); safe to run again.
   */
  async seedDefaults(tenantId: TenantId, publishedBy: string): Promise<string[]> {
    // Read here rather than passed in, so provisioning's call stays as it is.
    const tenant = await tenantSettings(tenantId);
    const store = ruleSetStore(tenantId);
    const seeded: string[] = [];
    for (const spec of this.kinds()) {
      if (await store.hasVersion(spec.kind, 1)) continue;
      const doc = await store.append({
        _id: newId('rs'),
        kind: spec.kind,
        version: 1,
        effectiveFrom: new Date(0),
        definition: JSON.stringify(spec.defaultFor?.(tenant) ?? spec.defaultDefinition),
        note: SEEDED_NOTE,
        publishedBy,
      });
      if (doc) seeded.push(spec.kind);
    }
    return seeded;
  }

  /**
   * Versions the tenant published itself that hold amounts in its currency ("tiers v2"): while
   * any exists, changing the tenant currency would silently re-read them in another one.
   */
  async versionsHoldingAmounts(tenantId: TenantId): Promise<string[]> {
    const store = ruleSetStore(tenantId);
    const held: string[] = [];
    for (const spec of this.kinds()) {
      if (!spec.holdsAmounts) continue;
      for (const doc of await store.oldestFirst(spec.kind, 1000)) {
        if (!isSeeded(doc) && spec.holdsAmounts(JSON.parse(doc.definition))) held.push(`${spec.kind} v${doc.version}`);
      }
    }
    return held;
  }

  /**
   * Before the tenant currency changes (only while nothing but seeded rules holds amounts): the
   * seeded defaults that depend on the currency get a new version in the new one, so a tiers
   * review reads thresholds in the currency performance is recorded in. Safe to run again.
   */
  async reseedForCurrency(tenantId: TenantId, currency: string): Promise<string[]> {
    const store = ruleSetStore(tenantId);
    const reseeded: string[] = [];
    for (const spec of this.kinds()) {
      if (!spec.defaultFor) continue;
      const last = await store.latest(spec.kind);
      if (last && !isSeeded(last)) continue;
      const definition = JSON.stringify(spec.defaultFor({ currency }));
      if (last?.definition === definition) continue;
      // A concurrent reseed or publish may take the version; the caller's retry sees its result.
      const doc = await store.append({
        _id: newId('rs'),
        kind: spec.kind,
        version: (last?.version ?? 0) + 1,
        effectiveFrom: new Date(),
        definition,
        note: `${SEEDED_NOTE}, again in ${currency} after the tenant currency changed`,
        publishedBy: 'currency-change',
      });
      if (doc) reseeded.push(spec.kind);
    }
    return reseeded;
  }
}

/**
 * Publishes a version with its audit event. `id` comes from the request's operation ids, so a
 * retry finds the version it published; the event then records the version it got.
 */
export function publishRuleSet(
  services: { ruleSets: RuleSets; audit: Pick<AuditLog, 'record'> },
  tenantId: TenantId,
  kind: string,
  input: { definition: unknown; effectiveFrom?: Date; note?: string; id: string },
  by: Requester,
): Promise<RuleSetVersion> {
  const event = (data: Record<string, unknown>): KeyedAuditInput => ({
    actor: by.actor, action: 'rule-set.published', entity: { type: 'rule-set', id: input.id }, data, requestId: by.requestId, eventKey: `rule-set.published:${input.id}`,
  });
  return withAudit(services, tenantId, event({ kind, note: input.note }), { model: 'RuleSet', filter: { _id: input.id } },
    () => services.ruleSets.publish(tenantId, kind, { ...input, publishedBy: by.actor.id }),
    (published) => event({ kind: published.kind, version: published.version, effectiveFrom: published.effectiveFrom, note: published.note }));
}
