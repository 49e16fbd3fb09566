import { randomUUID } from 'node:crypto';
import { tenantRecords } from '../../models/tenancy/tenant-repository';
import { settingsVersionStore } from '../../models/tenancy/settings-version-repository';
import type { TenantDoc, TenantSettings } from '../../models/tenancy/tenant';
import { DomainError, invalid, notFound } from '../../domain/errors';
import { checkBankAccount } from '../../domain/commissions/bank-account';
import { checkRegional } from '../../domain/tenancy/regional-settings';
import { checkPayoutSettings } from '../../domain/tenancy/payout-settings';
import type { RuleLimits } from '../../domain/durations';
import type { TenantId } from '../../platform/tenant-id';
import { withAudit } from './outbox';
import { prepareCurrencyChange } from './tenant-currency';
import type { AuditLog, Requester } from './audit';
import type { RuleSets } from './rule-sets';

/**
 * A tenant's branding, locale, time zone, currency and rounding mode, changed under optimistic
 * concurrency: each change names the version it replaces (the ETag a client read).
 */

/** The payout debtor account, normalised, or a 422 naming the field whose check digits fail. */
function checkedDebtor(debtor: NonNullable<TenantSettings['payoutDebtor']>): TenantSettings['payoutDebtor'] {
  const checked = checkBankAccount(debtor, 'body.payoutDebtor');
  if (!checked.ok) throw invalid(checked.field, checked.reason);
  const { account } = checked;
  return account.scheme === 'iban'
    ? { holderName: account.holderName, iban: account.iban, bic: account.bic }
    : { holderName: account.holderName, accountNumber: account.accountNumber, routingNumber: account.routingNumber };
}

/** The tenant with every accepted settings version applied (one may be pending after a crash). */
export async function currentSettings(tenant: TenantDoc): Promise<TenantDoc> {
  const versions = settingsVersionStore(tenant._id);
  let current = tenant;
  for (;;) {
    const pending = await versions.accepted(current.settingsVersion + 1);
    if (!pending) return current;
    await tenantRecords.applySettingsVersion(tenant._id, pending.version, pending.settings);
    current = { ...current, settings: pending.settings, settingsVersion: pending.version };
  }
}

/**
 * Replaces the settings if `ifMatch` is still the current version. The race between concurrent
 * changes is decided by inserting settings version ifMatch+1 (unique per tenant): one wins, the
 * others are stale (a retry with the same Idempotency-Key replays the winner's answer). A new
 * currency is refused once money exists in the current one; before that the seeded rules follow
 * it. A stale `ifMatch` skips that check and is refused as stale.
 */
export async function replaceSettings(
  services: { audit: Pick<AuditLog, 'record'>; ruleSets: RuleSets; config: { minRuleDurationMs: number } },
  tenantId: TenantId,
  change: TenantSettings,
  ifMatch: number,
  by: Requester,
): Promise<TenantDoc> {
  const { payoutDebtor, ...rest } = change;
  const settings: TenantSettings = { ...rest, locale: checkRegional(change), ...(payoutDebtor ? { payoutDebtor: checkedDebtor(payoutDebtor) } : {}) };
  const limits: RuleLimits = { minDurationMs: services.config.minRuleDurationMs };
  const [problem] = checkPayoutSettings(change.payouts, settings.currency, limits);
  if (problem) throw invalid(problem.field, `${problem.field} ${problem.detail}`);
  const current = await tenantRecords.byId(tenantId);
  if (!current) throw notFound('tenant');
  if (ifMatch === current.settingsVersion) await prepareCurrencyChange(services.ruleSets, tenantId, current.settings.currency, settings.currency);
  const stale = (at: number) => new DomainError('stale', `settings are at version ${at}, not ${ifMatch}; GET them again and retry`, { version: at });
  const latest = await currentSettings(current);
  if (latest.settingsVersion !== ifMatch) throw stale(latest.settingsVersion);
  const version = ifMatch + 1;
  // The event is staged under a key of this attempt alone: several changes race for version n+1,
  // and only the one whose nonce the version carries may have its event relayed after a crash.
  const nonce = randomUUID();
  const event = {
    actor: by.actor,
    action: 'settings.updated',
    entity: { type: 'tenant', id: tenantId },
    data: { settingsVersion: version, settings },
    requestId: by.requestId,
    eventKey: `settings:${version}:${nonce}`,
  };
  await withAudit(services, tenantId, event, { model: 'SettingsVersion', filter: { version, nonce } }, async () => {
    if (!(await settingsVersionStore(tenantId).accept(version, settings, nonce))) throw stale(version);
    await tenantRecords.applySettingsVersion(tenantId, version, settings);
  });
  return (await tenantRecords.byId(tenantId))!;
}
