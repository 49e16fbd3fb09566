import { Type } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, Currency } from '../../schemas';
import { Problem } from '../../problem';
import { auditActor } from '../../context';
import { checkRegional } from './tenants';
import { prepareCurrencyChange } from '../../../services/tenancy/tenant-currency';
import type { TenantDoc, TenantSettings } from '../../../models/tenancy/tenant';

const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'hex colour, e.g. #1f6feb' });

const SettingsBody = Obj({
  displayName: Type.String({ minLength: 1, maxLength: 120 }),
  logoUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https://', maxLength: 2048, description: 'https URL of the logo' })),
  colors: Obj({ primary: Colour, accent: Colour }),
  locale: Type.String({ minLength: 2, maxLength: 35 }),
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  currency: Currency,
  roundingMode: Type.Union(['half-even', 'half-up', 'half-down', 'up', 'down'].map((m) => Type.Literal(m)), {
    description: 'how money is rounded to the minor unit (half-even is banker’s rounding)',
  }),
});
type SettingsBody = Omit<typeof SettingsBody.static, 'roundingMode'> & { roundingMode: TenantSettings['roundingMode'] };

const SettingsView = Obj({ ...SettingsBody.properties, version: Type.Integer() });

function view(tenant: TenantDoc) {
  const s = tenant.settings;
  return {
    reply: { displayName: s.displayName, logoUrl: s.logoUrl, colors: s.colors, locale: s.locale, timezone: s.timezone, currency: s.currency, roundingMode: s.roundingMode, version: tenant.settingsVersion },
    etag: `"${tenant.settingsVersion}"`,
  };
}

function parseIfMatch(header: string | string[] | undefined): number {
  if (header === undefined) throw new Problem('precondition-required', 'send If-Match with the ETag from GET /v1/settings');
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(String(header).trim());
  if (!match) throw new Problem('precondition-failed', 'If-Match must be the ETag from GET /v1/settings, e.g. "3"', { field: 'header.If-Match' });
  return Number(match[1]);
}

export const settingsRoutes = [
  route({
    method: 'get',
    path: '/v1/settings',
    tag: 'Settings',
    summary: "The tenant's branding, locale, time zone, currency and rounding mode (with an ETag)",
    access: ['tenant-admin', 'approver', 'finance'],
    responses: { 200: { description: 'Current settings', schema: SettingsView } },
    async handler({ tenant, services }) {
      const { reply, etag } = view(await services.tenants.rollSettingsForward(tenant));
      return { status: 200, body: reply, headers: { ETag: etag } };
    },
  }),
  route<SettingsBody>({
    method: 'put',
    path: '/v1/settings',
    tag: 'Settings',
    summary: 'Replace the settings; requires If-Match with the current ETag',
    access: ['tenant-admin'],
    body: SettingsBody,
    responses: { 200: { description: 'Updated settings', schema: SettingsView } },
    async handler({ tenant, body, headers, services, actor, requestId }) {
      const version = parseIfMatch(headers['if-match']);
      const locale = checkRegional(body);
      // 409 once money exists in the current currency; otherwise the seeded rules follow the new
      // one. A stale If-Match skips this and gets its 412 from the update.
      if (version === tenant.settingsVersion) await prepareCurrencyChange(services.ruleSets, tenant._id, tenant.settings.currency, body.currency);
      const settings: TenantSettings = { ...body, locale };
      const updated = await services.tenants.updateSettings(tenant._id, settings, version, auditActor(actor), requestId);
      const { reply, etag } = view(updated);
      return { status: 200, body: reply, headers: { ETag: etag } };
    },
  }),
];
