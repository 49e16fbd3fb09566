import { Type } from '@sinclair/typebox';
import { route, typedRoute, STAFF_ROLES } from '../../route';
import { Obj, IsoDateTime } from '../../schemas';
import { auditActor } from '../../context';
import { publishRuleSet, type RuleSetVersion } from '../../../services/tenancy/rule-sets';

const KindParams = Obj({ kind: Type.String({ pattern: '^[a-z][a-z-]{1,39}$' }) });

const VersionView = Obj({
  id: Type.String(),
  kind: Type.String(),
  version: Type.Integer(),
  effectiveFrom: Type.String(),
  definition: Type.Unknown(),
  note: Type.Optional(Type.String()),
  publishedBy: Type.String(),
  createdAt: Type.String(),
});

const view = (v: RuleSetVersion) => ({
  id: v.id,
  kind: v.kind,
  version: v.version,
  effectiveFrom: new Date(v.effectiveFrom).toISOString(),
  definition: v.definition,
  note: v.note,
  publishedBy: v.publishedBy,
  createdAt: new Date(v.createdAt).toISOString(),
});

const PublishBody = Obj({
  definition: Type.Unknown({ description: "the rule set, validated against the kind's schema" }),
  effectiveFrom: Type.Optional(IsoDateTime),
  note: Type.Optional(Type.String({ maxLength: 500 })),
});

const DryRunBody = Obj({
  definition: Type.Optional(Type.Unknown({ description: 'a draft to try; omit to use the version in force' })),
  input: Type.Unknown({ description: 'sample input for the rules' }),
});

export const ruleSetRoutes = [
  route({
    method: 'get',
    path: '/v1/rule-sets',
    tag: 'Rule sets',
    summary: 'Every kind of rule set with the version in force now',
    access: STAFF_ROLES,
    responses: { 200: { description: 'Kinds and versions in force', schema: Obj({ items: Type.Array(Obj({ kind: Type.String(), description: Type.String(), inForce: Type.Union([VersionView, Type.Null()]) })) }) } },
    async handler({ tenant, services }) {
      const items = [];
      for (const spec of services.ruleSets.kinds()) {
        const inForce = await services.ruleSets.inForce(tenant._id, spec.kind);
        items.push({ kind: spec.kind, description: spec.description, inForce: inForce ? view(inForce) : null });
      }
      return { status: 200, body: { items } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/rule-sets/:kind',
    tag: 'Rule sets',
    summary: 'All versions of one kind, newest first, and the JSON schema definitions must satisfy',
    access: STAFF_ROLES,
    params: KindParams,
    responses: { 200: { description: 'Versions', schema: Obj({ kind: Type.String(), schema: Type.Unknown(), inForceVersion: Type.Union([Type.Integer(), Type.Null()]), versions: Type.Array(VersionView) }) } },
    async handler({ tenant, params, services }) {
      const spec = services.ruleSets.kindOrThrow(params.kind);
      const versions = await services.ruleSets.versions(tenant._id, params.kind);
      const inForce = await services.ruleSets.inForce(tenant._id, params.kind);
      return { status: 200, body: { kind: spec.kind, schema: spec.schema, inForceVersion: inForce?.version ?? null, versions: versions.map(view) } };
    },
  }),
  typedRoute({
    method: 'post',
    path: '/v1/rule-sets/:kind/versions',
    tag: 'Rule sets',
    summary: 'Publish a new version (effective now or from a later date). Running processes keep the version they started with.',
    access: ['tenant-admin'],
    params: KindParams,
    body: PublishBody,
    responses: { 201: { description: 'The published version', schema: VersionView } },
    async handler({ tenantId, params, body, services, actor, requestId, operation }) {
      const version = await publishRuleSet(services, tenantId, params.kind, {
        definition: body.definition,
        effectiveFrom: body.effectiveFrom ? new Date(body.effectiveFrom) : undefined,
        note: body.note,
        // The version's id derives from the Idempotency-Key: a retry finds the version it published.
        id: operation.id('rs'),
      }, { actor: auditActor(actor), requestId });
      return { status: 201, body: view(version), headers: { Location: `/v1/rule-sets/${params.kind}` } };
    },
  }),
  typedRoute({
    method: 'post',
    path: '/v1/rule-sets/:kind/dry-run',
    tag: 'Rule sets',
    summary: 'Show what a draft (or the version in force) would do with sample input; changes nothing',
    access: STAFF_ROLES,
    params: KindParams,
    body: DryRunBody,
    idempotent: false,
    responses: { 200: { description: 'What the rules decide', schema: Obj({ version: Type.Union([Type.Integer(), Type.Null()]), result: Type.Unknown() }) } },
    async handler({ tenant, params, body, services, actor }) {
      return { status: 200, body: await services.ruleSets.dryRun(tenant._id, params.kind, body, { services, role: actor.kind === 'key' ? actor.role : undefined }) };
    },
  }),
];
