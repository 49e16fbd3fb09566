import type { AreaManifest } from './manifest';
import type * as workflows from '../workflows/onboarding';
import { partnerApplicationRoutes } from '../api/routes/onboarding/partner-applications';
import { partnerInvitationRoutes } from '../api/routes/onboarding/partner-invitations';
import { publicApplicationRoutes } from '../api/routes/onboarding/public-applications';
import { partnerRoutes } from '../api/routes/onboarding/partners';
import { createOnboardingActivities } from '../activities/onboarding/index';
import { PartnerModel } from '../models/onboarding/partner';
import { PartnerApplicationModel } from '../models/onboarding/partner-application';
import { PartnerApplicationEventModel } from '../models/onboarding/partner-application-event';
import { PartnerAgreementAcceptanceModel } from '../models/onboarding/partner-agreement-acceptance';
import { PartnerInvitationModel } from '../models/onboarding/partner-invitation';
import { PartnerInvitationRedemptionModel } from '../models/onboarding/partner-invitation-redemption';
import { onboardingRuleKind } from '../domain/onboarding/rule-kind';
import { getPartner } from '../services/onboarding/partners';
import { reapStaleApplications } from '../services/onboarding/onboarding';

/** Partner applications, invitations and onboarding, and the partners it makes. */
export const onboarding = {
  name: 'onboarding',
  routes: [...partnerApplicationRoutes, ...partnerInvitationRoutes, ...publicApplicationRoutes, ...partnerRoutes],
  createActivities: createOnboardingActivities,
  workflows: ['partnerOnboarding'] satisfies (keyof typeof workflows)[],
  models: {
    tenant: [
      PartnerModel, PartnerApplicationModel, PartnerApplicationEventModel, PartnerAgreementAcceptanceModel,
      PartnerInvitationModel, PartnerInvitationRedemptionModel,
    ],
    platform: [],
  },
  ruleKinds: [onboardingRuleKind],
  // Partner keys must name an active partner of the tenant.
  partyLookups: { partner: async (tenantId, partyId) => (await getPartner(tenantId, partyId))?.status === 'active' },
  reapers: {
    platform: [],
    tenant: [{ name: 'stale-applications', run: (services, tenantId, olderThanMs) => reapStaleApplications(services, tenantId, olderThanMs) }],
  },
} satisfies AreaManifest;
