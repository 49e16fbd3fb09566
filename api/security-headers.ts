import type { RequestHandler } from 'express';

/**
 * Security headers on every response (helmet's defaults). helmet is the implementation; until the
 * package is installed in every checkout, the same headers are written by hand so no response goes
 * out without them. The docs page's script is served from /v1/docs.js, so the default
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

type Helmet = (options?: { contentSecurityPolicy?: { directives: Record<string, null | string[]> } }) => RequestHandler;

function loadHelmet(): Helmet | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('helmet') as { default?: Helmet } & Helmet;
    return mod.default ?? mod;
  } catch {
    return undefined;
  }
}

export function securityHeaders(): RequestHandler {
  const helmet = loadHelmet();
  if (helmet) return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  return (_req, res, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  };
}
