import { PAYOUT_DOCUMENTS } from './definition';

/**
 * The compliance gate for payouts: a partner is eligible when it is active and both its tax form
 * and bank details are verified. The reasons say what is missing, so a held payout explains itself.
 */
export interface ComplianceDocument {
  kind: string;
  verifiedAt?: Date | string | null;
}

export function payoutEligibility(status: string, documents: ComplianceDocument[]): { eligible: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (status !== 'active') reasons.push(`partner is ${status}`);
  for (const kind of PAYOUT_DOCUMENTS) {
    const doc = documents.find((d) => d.kind === kind);
    if (!doc) reasons.push(`${kind} not submitted`);
    else if (!doc.verifiedAt) reasons.push(`${kind} not verified`);
  }
  return { eligible: reasons.length === 0, reasons };
}
