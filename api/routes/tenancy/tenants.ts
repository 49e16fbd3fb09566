import { Type } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, Id, IdParams, Slug, Currency, PageQuery, Page } from '../../schemas';
import { Problem, notFound } from '../../problem';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { isCurrency, isTimeZone, canonicalLocale } from '../../../domain/locale';
import type { TenantDoc } from '../../../models/tenancy/tenant';
import type { RequestContext } from '../../context';
import type { TenantExportDoc } from '../../../models/tenancy/tenant-export';

export const TenantView = Obj({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  status: Type.Union(['provisioning', 'active', 'offboarding', 'deleted', 'failed'].map((s) => Type.Literal(s))),
  isolation: Type.Union([Type.Literal('pooled'), Type.Literal('dedicated')]),
  namespace: Type.String(),
  currency: Type.Optional(Type.String()),
  timezone: Type.Optional(Type.String()),
  locale: Type.Optional(Type.String()),
  failureReason: Type.Optional(Type.String()),
  createdAt: Type.String(),
  provisionedAt: Type.Optional(Type.String()),
  deletedAt: Type.Optional(Type.String()),
});

export function tenantView(t: TenantDoc) {
  return {
    id: t._id,
    slug: t.slug,
    name: t.name,
    status: t.status,
    isolation: t.placement.isolation,
    namespace: t.placement.namespace,
    currency: t.settings?.currency,
    timezone: t.settings?.timezone,
    locale: t.settings?.locale,
    failureReason: t.failureReason,
    createdAt: new Date(t.createdAt).toISOString(),
    provisionedAt: t.provisionedAt ? new Date(t.provisionedAt).toISOString() : undefined,
    deletedAt: t.deletedAt ? new Date(t.deletedAt).toISOString() : undefined,
  };
}

const ExportView = Obj({
  id: Type.String(),
  tenantId: Type.String(),
  status: Type.String(),
  counts: Type.Optional(Type.Record(Type.String(), Type.Integer())),
  bytes: Type.Integer(),
  error: Type.Optional(Type.String()),
  createdAt: Type.String(),
  completedAt: Type.Optional(Type.String()),
  downloadUrl: Type.Optional(Type.String()),
});

function exportView(e: TenantExportDoc) {
  return {
    id: e._id,
    tenantId: e.tenantId,
    status: e.status,
    counts: e.counts,
    bytes: e.bytes,
    error: e.error,
    createdAt: new Date(e.createdAt).toISOString(),
    completedAt: e.completedAt ? new Date(e.completedAt).toISOString() : undefined,
    downloadUrl: e.status === 'ready' ? `/v1/tenants/${e.tenantId}/exports/${e._id}/download` : undefined,
  };
}

const ProvisionBody = Obj({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  slug: Slug,
  isolation: Type.Union([Type.Literal('pooled'), Type.Literal('dedicated')], { default: 'pooled' }),
  currency: Currency,
  timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  locale: Type.String({ minLength: 2, maxLength: 35, description: 'BCP 47 tag, e.g. en-US' }),
});
type ProvisionBody = typeof ProvisionBody.static;

/** Checks a schema cannot express, shared with the settings route. */
export function checkRegional(input: { currency: string; timezone: string; locale: string }): string {
  if (!isCurrency(input.currency)) throw new Problem('validation-failed', `body.currency "${input.currency}" is not an ISO 4217 currency`, { field: 'body.currency' });
  if (!isTimeZone(input.timezone)) throw new Problem('validation-failed', `body.timezone "${input.timezone}" is not an IANA time zone`, { field: 'body.timezone' });
  const locale = canonicalLocale(input.locale);
  if (!locale) throw new Problem('validation-failed', `body.locale "${input.locale}" is not a BCP 47 language tag`, { field: 'body.locale' });
  return locale;
}

async function tenantOr404(ctx: Pick<RequestContext, 'services'>, id: string): Promise<TenantDoc> {
  const tenant = await ctx.services.tenants.get(id);
  if (!tenant) throw notFound(`tenant ${id}`);
  return tenant;
}

export const tenantRoutes = [
  route<ProvisionBody>({
    method: 'post',
    path: '/v1/tenants',
    tag: 'Tenants',
    summary: 'Provision a tenant: record, indexes, Temporal placement, default rules and its first admin key',
    access: 'platform',
    body: ProvisionBody,
    responses: {
      201: { description: 'Provisioned; `adminKey` is shown this once', schema: Obj({ tenant: TenantView, adminKey: Type.String() }) },
      202: { description: 'Accepted and still provisioning; poll GET /v1/tenants/{id}', schema: Obj({ tenant: TenantView, adminKey: Type.String() }) },
    },
    async handler({ body, services }) {
      const locale = checkRegional(body);
      const { tenant, adminKey } = await services.tenants.provision({ ...body, locale }, services.config.provisionWaitMs);
      return {
        status: tenant.status === 'active' ? 201 : 202,
        body: { tenant: tenantView(tenant), adminKey },
        secrets: ['adminKey'],
        headers: { Location: `/v1/tenants/${tenant._id}` },
      };
    },
  }),
  route<unknown, { limit: number; cursor?: string; status?: string }>({
    method: 'get',
    path: '/v1/tenants',
    tag: 'Tenants',
    summary: 'List tenants, newest first',
    access: 'platform',
    query: Obj({ ...PageQuery, status: Type.Optional(Type.Union(['provisioning', 'active', 'offboarding', 'deleted', 'failed'].map((s) => Type.Literal(s)))) }),
    responses: { 200: { description: 'A page of tenants', schema: Page(TenantView) } },
    async handler({ query, services }) {
      const docs = await services.tenants.list({ before: decodeCursor(query.cursor), limit: query.limit, status: query.status });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map(tenantView), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/tenants/:id',
    tag: 'Tenants',
    summary: 'A tenant and its provisioning status',
    access: 'platform',
    params: IdParams('ten'),
    responses: { 200: { description: 'The tenant', schema: TenantView } },
    async handler(ctx) {
      return { status: 200, body: tenantView(await tenantOr404(ctx, ctx.params.id)) };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'delete',
    path: '/v1/tenants/:id',
    tag: 'Tenants',
    summary: "Offboard a tenant: terminate its workflows and remove its data (export it first)",
    access: 'platform',
    params: IdParams('ten'),
    responses: { 202: { description: 'Offboarding started; poll GET /v1/tenants/{id} until status is deleted', schema: TenantView } },
    async handler(ctx) {
      const tenant = await tenantOr404(ctx, ctx.params.id);
      if (tenant.status === 'deleted') return { status: 202, body: tenantView(tenant) };
      return { status: 202, body: tenantView(await ctx.services.tenants.offboard(tenant, 'platform')) };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'post',
    path: '/v1/tenants/:id/export',
    tag: 'Tenants',
    summary: "Export all of a tenant's data as JSON (built in the background)",
    access: 'platform',
    params: IdParams('ten'),
    responses: { 202: { description: 'Export queued; poll its URL', schema: ExportView } },
    async handler(ctx) {
      const tenant = await tenantOr404(ctx, ctx.params.id);
      if (tenant.status !== 'active') throw new Problem('tenant-not-active', `tenant ${tenant._id} is ${tenant.status}; only active tenants can be exported`);
      const doc = await ctx.services.tenants.requestExport(tenant._id, 'platform');
      return { status: 202, body: exportView(doc), headers: { Location: `/v1/tenants/${tenant._id}/exports/${doc._id}` } };
    },
  }),
  route<unknown, unknown, { id: string; exportId: string }>({
    method: 'get',
    path: '/v1/tenants/:id/exports/:exportId',
    tag: 'Tenants',
    summary: 'Status of a tenant export',
    access: 'platform',
    params: Obj({ id: Id('ten'), exportId: Id('exp') }),
    responses: { 200: { description: 'The export', schema: ExportView } },
    async handler(ctx) {
      await tenantOr404(ctx, ctx.params.id);
      const doc = await ctx.services.tenants.getExport(ctx.params.id, ctx.params.exportId);
      if (!doc) throw notFound(`export ${ctx.params.exportId}`);
      return { status: 200, body: exportView(doc) };
    },
  }),

  route<unknown, unknown, { id: string; exportId: string }>({
    method: 'get',
    path: '/v1/tenants/:id/exports/:exportId/download',
    tag: 'Tenants',
    summary: 'Download a ready export as one JSON document',
    access: 'platform',
    params: Obj({ id: Id('ten'), exportId: Id('exp') }),
    responses: { 200: { description: 'The export document', contentType: 'application/json' } },
    async handler(ctx) {
      await tenantOr404(ctx, ctx.params.id);
      const doc = await ctx.services.tenants.getExport(ctx.params.id, ctx.params.exportId);
      if (!doc) throw notFound(`export ${ctx.params.exportId}`);
      if (doc.status !== 'ready') throw new Problem('conflict', `export ${doc._id} is ${doc.status}, not ready yet`);
      return {
        status: 200,
        headers: { 'Content-Type': 'application/json', 'Content-Disposition': `attachment; filename="${doc.tenantId}-${doc._id}.json"` },
        stream: ctx.services.tenants.exportChunks(doc.tenantId, doc._id),
      };
    },
  }),
];
