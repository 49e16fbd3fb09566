import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers on every response: helmet sets them on what express sends. SECURITY_HEADERS is
 * the same set written by hand for the one path express never sees, the raw answers to requests
 * Node's HTTP parser refuses (api/client-error.ts). The docs page's script is served from /v1/docs.js, so the default
 * `script-src 'self'` needs no exception. `upgrade-insecure-requests` is left out: `npm start` serves
 * plain HTTP on localhost, where it would send the page's script and fetch to https and break it
 * (TLS is the load balancer's job; Strict-Transport-Security covers clients that came over https).
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
};

/** helmet's headers on every response express sends. */
export function securityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}
