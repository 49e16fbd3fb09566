/** A partner is active once onboarded; suspended partners keep their record, offboarded ones have left. */
export const PARTNER_STATUSES = ['active', 'suspended', 'offboarded'] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];
