import { Type } from '@sinclair/typebox';
import { route, typedRoute } from '../../route';
import { Obj, Currency } from '../../schemas';
import { Problem } from '../../problem';
import { auditActor } from '../../context';
import { currentSettings, replaceSettings } from '../../../services/tenancy/settings';
import type { TenantDoc } from '../../../models/tenancy/tenant';
import { PayoutSettingsSchema } from '../../../domain/tenancy/payout-settings';

const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'hex colour, e.g. #1f6feb' });

const SettingsBody = Obj({
  displayName: Type.String({ minLength: 1, maxLength: 120 }),
  logoUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https://', maxLength: 2048, description: 'https URL of the logo' })),
  colors: Obj({ primary: Colour, accent: Colour }),
  locale: Type.String({ minLength: 2, maxLength: 35 }),
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  currency: Currency,
  roundingMode: Type.Union((['half-even', 'half-up', 'half-down', 'up', 'down'] as const).map((m) => Type.Literal(m)), {
    description: 'how money is rounded to the minor unit (half-even is banker’s rounding)',
  }),
  payouts: Type.Optional(PayoutSettingsSchema),
  payoutDebtor: Type.Optional(Type.Union([
    Obj({ holderName: Type.String({ minLength: 1, maxLength: 70 }), iban: Type.String({ minLength: 15, maxLength: 42 }), bic: Type.String({ minLength: 8, maxLength: 11 }) }),
    Obj({ holderName: Type.String({ minLength: 1, maxLength: 70 }), accountNumber: Type.String({ minLength: 4, maxLength: 20 }), routingNumber: Type.String({ minLength: 9, maxLength: 11 }) }),
  ], { description: 'the account payouts are paid from (the debtor of pain.001 files): IBAN+BIC or US account+ABA routing number, check digits verified' })),
});

const SettingsView = Obj({ ...SettingsBody.properties, version: Type.Integer() });

function view(tenant: TenantDoc) {
  const s = tenant.settings;
  return {
    reply: { displayName: s.displayName, logoUrl: s.logoUrl, colors: s.colors, locale: s.locale, timezone: s.timezone, currency: s.currency, roundingMode: s.roundingMode, ...(s.payouts ? { payouts: s.payouts } : {}), payoutDebtor: s.payoutDebtor, version: tenant.settingsVersion },
    etag: `"${tenant.settingsVersion}"`,
  };
}

/** The version an If-Match names: the ETag a client read from GET /v1/settings. */
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
    async handler({ tenant }) {
      const { reply, etag } = view(await currentSettings(tenant));
      return { status: 200, body: reply, headers: { ETag: etag } };
    },
  }),
  typedRoute({
    method: 'put',
    path: '/v1/settings',
    tag: 'Settings',
    summary: 'Replace the settings; requires If-Match with the current ETag',
    access: ['tenant-admin'],
    body: SettingsBody,
    responses: { 200: { description: 'Updated settings', schema: SettingsView } },
    async handler({ tenantId, body, headers, services, actor, requestId }) {
      const ifMatch = parseIfMatch(headers['if-match']);
      const { reply, etag } = view(await replaceSettings(services, tenantId, body, ifMatch, { actor: auditActor(actor), requestId }));
      return { status: 200, body: reply, headers: { ETag: etag } };
    },
  }),
];
