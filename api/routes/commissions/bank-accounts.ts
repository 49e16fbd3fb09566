import { Type, Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, IdParams } from '../../schemas';
import { Problem } from '../../problem';
import type { Actor } from '../../context';
import { asTenantId } from '../../../platform/tenant-id';
import type { PartnerBankAccountDoc } from '../../../models/commissions/bank-account';
import { maskAccount } from '../../../domain/commissions/bank-account';
import { bankAccountOf, setBankAccount } from '../../../services/commissions/bank-accounts';

/** Partners' payout bank accounts: set by finance from the verified bank-details document, read masked. */

const ownPartnerOnly = (actor: Actor): string | undefined => (actor.kind === 'key' && actor.role === 'partner' ? actor.partyId ?? 'none' : undefined);

const Holder = Type.String({ minLength: 1, maxLength: 70, description: 'the account holder, as the bank knows it (pain.001 Max70Text)' });
const BankAccountBody = Type.Union([
  Obj({ holderName: Holder, iban: Type.String({ minLength: 15, maxLength: 42, description: 'IBAN, spaces allowed; check digits verified' }), bic: Type.String({ minLength: 8, maxLength: 11, description: "the bank's BIC (8 or 11 characters)" }) }),
  Obj({ holderName: Holder, accountNumber: Type.String({ minLength: 4, maxLength: 20, description: 'US account number' }), routingNumber: Type.String({ minLength: 9, maxLength: 11, description: 'ABA routing transit number; checksum verified' }) }),
], { description: 'IBAN and BIC, or a US account number and ABA routing number' });

const BankAccountView = Obj({
  partnerId: Type.String(),
  scheme: Type.String({ description: 'iban or us-aba' }),
  holderName: Type.String(),
  account: Type.String({ description: 'masked: only the last four characters' }),
  bank: Type.String({ description: 'BIC or ABA routing number' }),
  documentReference: Type.String({ description: 'the verified bank-details document the account was taken from' }),
  documentVerifiedAt: Type.String(),
  updatedAt: Type.String(),
});

const view = (doc: PartnerBankAccountDoc): Static<typeof BankAccountView> => ({
  partnerId: doc.partnerId,
  scheme: doc.scheme,
  holderName: doc.holderName,
  account: maskAccount(`••••${doc.last4}`),
  bank: doc.bank,
  documentReference: doc.documentReference,
  documentVerifiedAt: new Date(doc.documentVerifiedAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
});

const PartnerParams = IdParams('ptn');

export const bankAccountRoutes = [
  route<Static<typeof BankAccountBody>, unknown, Static<typeof PartnerParams>>({
    method: 'put',
    path: '/v1/partners/:id/bank-account',
    tag: 'Commissions',
    summary: "Set the account a partner is paid into, from its verified bank-details document: IBAN+BIC or account+ABA routing number, check digits verified, stored sealed",
    access: ['finance'],
    params: PartnerParams,
    body: BankAccountBody,
    responses: { 200: { description: 'The account, masked', schema: BankAccountView } },
    async handler({ tenant, params, body, services, actor }) {
      if (actor.kind !== 'key') throw new Problem('forbidden', 'bank accounts are set with tenant keys');
      return { status: 200, body: view(await setBankAccount(services, asTenantId(tenant._id), params.id, body, actor.keyId)) };
    },
  }),
  route<unknown, unknown, Static<typeof PartnerParams>>({
    method: 'get',
    path: '/v1/partners/:id/bank-account',
    tag: 'Commissions',
    summary: "The account a partner is paid into, masked; a partner key sees only its own",
    access: ['finance', 'tenant-admin', 'partner'],
    params: PartnerParams,
    responses: { 200: { description: 'The account, masked', schema: BankAccountView } },
    async handler({ tenant, params, actor }) {
      return { status: 200, body: view(await bankAccountOf(asTenantId(tenant._id), params.id, ownPartnerOnly(actor))) };
    },
  }),
];
