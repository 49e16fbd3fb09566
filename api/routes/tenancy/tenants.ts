import { Type } from '@sinclair/typebox';
import { typedRoute } from '../../route';
import { Obj, Id, IdParams, Slug, Currency, PageQuery, Page } from '../../schemas';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { TENANT_STATUSES, ISOLATIONS } from '../../../domain/tenancy/lifecycle';
import { asTenantId } from '../../../platform/tenant-id';
import type { TenantDoc } from '../../../models/tenancy/tenant';
import type { TenantExportDoc } from '../../../models/tenancy/tenant-export';

const Status = Type.Union(TENANT_STATUSES.map((s) => Type.Literal(s)));
const IsolationSchema = Type.Union(ISOLATIONS.map((i) => Type.Literal(i)));

export const TenantView = Obj({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  status: Status,
  isolation: IsolationSchema,
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
  isolation: Type.Union(ISOLATIONS.map((i) => Type.Literal(i)), { default: 'pooled' }),
  currency: Currency,
  timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  locale: Type.String({ minLength: 2, maxLength: 35, description: 'BCP 47 tag, e.g. en-US' }),
});

const ExportParams = Obj({ id: Id('ten'), exportId: Id('exp') });

export const tenantRoutes = [
  typedRoute({
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
      const { tenant, adminKey } = await services.tenants.provision(body, services.config.provisionWaitMs);
      return {
        status: tenant.status === 'active' ? 201 : 202,
        body: { tenant: tenantView(tenant), adminKey },
        secrets: ['adminKey'],
        headers: { Location: `/v1/tenants/${tenant._id}` },
      };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/tenants',
    tag: 'Tenants',
    summary: 'List tenants, newest first',
    access: 'platform',
    query: Obj({ ...PageQuery, status: Type.Optional(Status) }),
    responses: { 200: { description: 'A page of tenants', schema: Page(TenantView) } },
    async handler({ query, services }) {
      const docs = await services.tenants.list({ before: decodeCursor(query.cursor), limit: query.limit, status: query.status });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map(tenantView), nextCursor } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/tenants/:id',
    tag: 'Tenants',
    summary: 'A tenant and its provisioning status',
    access: 'platform',
    params: IdParams('ten'),
    responses: { 200: { description: 'The tenant', schema: TenantView } },
    async handler({ params, services }) {
      return { status: 200, body: tenantView(await services.tenants.require(asTenantId(params.id))) };
    },
  }),
  typedRoute({
    method: 'delete',
    path: '/v1/tenants/:id',
    tag: 'Tenants',
    summary: "Offboard a tenant: terminate its workflows and remove its data (export it first)",
    access: 'platform',
    params: IdParams('ten'),
    responses: { 202: { description: 'Offboarding started; poll GET /v1/tenants/{id} until status is deleted', schema: TenantView } },
    async handler({ params, services }) {
      return { status: 202, body: tenantView(await services.tenants.offboard(asTenantId(params.id), 'platform')) };
    },
  }),
  typedRoute({
    method: 'post',
    path: '/v1/tenants/:id/export',
    tag: 'Tenants',
    summary: "Export all of a tenant's data as JSON (built in the background)",
    access: 'platform',
    params: IdParams('ten'),
    responses: { 202: { description: 'Export queued; poll its URL', schema: ExportView } },
    async handler({ params, services }) {
      const doc = await services.tenants.requestExport(asTenantId(params.id), 'platform');
      return { status: 202, body: exportView(doc), headers: { Location: `/v1/tenants/${doc.tenantId}/exports/${doc._id}` } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/tenants/:id/exports/:exportId',
    tag: 'Tenants',
    summary: 'Status of a tenant export',
    access: 'platform',
    params: ExportParams,
    responses: { 200: { description: 'The export', schema: ExportView } },
    async handler({ params, services }) {
      return { status: 200, body: exportView(await services.tenants.getExport(asTenantId(params.id), params.exportId)) };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/tenants/:id/exports/:exportId/download',
    tag: 'Tenants',
    summary: 'Download a ready export as one JSON document',
    access: 'platform',
    params: ExportParams,
    responses: { 200: { description: 'The export document', contentType: 'application/json' } },
    async handler({ params, services }) {
      const { doc, text } = await services.tenants.download(asTenantId(params.id), params.exportId);
      return {
        status: 200,
        headers: { 'Content-Type': 'application/json', 'Content-Disposition': `attachment; filename="${doc.tenantId}-${doc._id}.json"` },
        stream: text,
      };
    },
  }),
];
