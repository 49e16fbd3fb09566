import type { Session } from './session';

/**
 * Which screens each role gets. The API decides what a key may do (a screen outside this list
 * would only show its 403); this keeps each role's console to its own work.
 */
export interface NavItem {
  route: string;
  label: string;
}

export const NAV: Record<Session['role'], NavItem[]> = {
  approver: [
    { route: '/inbox', label: 'Inbox' },
    { route: '/deals', label: 'Deals' },
    { route: '/dashboards/pipeline', label: 'Pipeline' },
  ],
  partner: [
    { route: '/deals', label: 'My deals' },
    { route: '/deals/new', label: 'Register a deal' },
    { route: '/earnings', label: 'My earnings' },
  ],
  supplier: [
    { route: '/orders', label: 'Purchase orders' },
    { route: '/inventory', label: 'Inventory' },
    { route: '/exceptions', label: 'Exceptions' },
    { route: '/scorecard', label: 'Scorecard' },
  ],
  manufacturer: [
    { route: '/orders', label: 'Purchase orders' },
    { route: '/exceptions', label: 'Exceptions' },
    { route: '/inventory', label: 'Inventory' },
  ],
  finance: [
    { route: '/payout-runs', label: 'Payout runs' },
    { route: '/disputes', label: 'Disputes' },
    { route: '/ledger', label: 'Ledger' },
    { route: '/inbox', label: 'Inbox' },
  ],
  'tenant-admin': [
    { route: '/inbox', label: 'Inbox' },
    { route: '/partners', label: 'Partners' },
    { route: '/rule-sets', label: 'Rule sets' },
    { route: '/api-keys', label: 'API keys' },
    { route: '/webhooks', label: 'Webhooks' },
    { route: '/settings', label: 'Settings' },
    { route: '/audit', label: 'Audit log' },
    { route: '/dashboards/pipeline', label: 'Pipeline' },
  ],
};

export const homeOf = (session: Session): string => NAV[session.role][0].route;
