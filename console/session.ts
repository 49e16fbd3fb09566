import { get, call, setCsrfToken } from './api';
import { setRegional } from './format';
import { applyBrand } from './brand';

/** The signed-in session as GET /v1/console/sessions/current describes it. */
export interface Session {
  role: 'tenant-admin' | 'approver' | 'finance' | 'partner' | 'supplier' | 'manufacturer';
  keyId: string;
  partyId?: string;
  expiresAt: string;
  csrfToken: string;
  tenant: { tenantId: string; displayName: string; logoUrl?: string; colors: { primary: string; accent: string }; locale: string; timezone: string; currency: string };
}

/** The current session, or undefined when nobody is signed in (401). */
export async function loadSession(): Promise<Session | undefined> {
  try {
    const session = await get<Session>('/v1/console/sessions/current');
    setCsrfToken(session.csrfToken);
    setRegional(session.tenant);
    applyBrand(session.tenant.colors, session.tenant.locale);
    return session;
  } catch {
    return undefined;
  }
}

/** Exchanges the key for a session cookie; the key lives only in this call and the form field. */
export async function signIn(apiKey: string): Promise<Session | undefined> {
  await call('POST', '/v1/console/sessions', { apiKey });
  return loadSession();
}

export async function signOut(): Promise<void> {
  await call('DELETE', '/v1/console/sessions/current').catch(() => undefined);
  setCsrfToken('');
}
