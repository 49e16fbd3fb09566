import express, { type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { buildConsole, type ConsoleAsset, type ConsoleBundle } from './build';

/**
 * The console's own Content-Security-Policy, stricter than the API's: scripts and styles only
 * from this origin (no inline code, no eval), requests only to this origin, no framing. Images
 * may come from https (a tenant's logo URL) or data: (chart exports).
 */
const CONSOLE_CSP = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'https:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    manifestSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
  },
});

function sendAsset(req: Request, res: Response, file: ConsoleAsset, cacheControl: string): void {
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', file.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === file.etag) {
    res.status(304).end();
    return;
  }
  const accepts = String(req.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accepts)) {
    res.setHeader('Content-Encoding', 'br');
    res.end(file.br);
  } else if (/\bgzip\b/.test(accepts)) {
    res.setHeader('Content-Encoding', 'gzip');
    res.end(file.gzip);
  } else {
    res.end(file.body);
  }
}

/**
 * Serves the console at /console from the API process (same origin as /v1, so its cookie session
 * and CSRF token need no CORS). The bundle is built once when the app is created; requests that
 * arrive before it is ready wait for it.
 */
export function mountConsole(app: Express, logger: Logger): void {
  let bundle: Promise<ConsoleBundle> | undefined;
  const ready = () => (bundle ??= buildConsole().catch((err: unknown) => {
    logger.error({ err }, 'the console could not be built');
    bundle = undefined;
    throw err;
  }));
  void ready().catch(() => undefined);

  const router = express.Router();
  router.use(CONSOLE_CSP);
  router.use((_req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  router.get('/assets/:name', async (req, res, next) => {
    try {
      const file = (await ready()).assets.get(req.params.name);
      if (!file) {
        res.status(404).type('text/plain').send('no such console asset');
        return;
      }
      // Hashed names: a new build has new names, so these never need revalidating.
      sendAsset(req, res, file, 'public, max-age=31536000, immutable');
    } catch (err) {
      next(err);
    }
  });
  // Every other /console path is the page; the console routes on the URL's hash.
  router.get(['/', '/{*rest}'], async (req, res, next) => {
    try {
      sendAsset(req, res, (await ready()).index, 'no-cache');
    } catch (err) {
      next(err);
    }
  });
  app.use('/console', router);
}
