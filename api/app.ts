import express, { Express, Request, Response, NextFunction } from 'express';
import { mount, requestIdOf } from './mount';
import { mountOps } from './routes/ops';
import { openApiDocument, DOCS_PAGE, DOCS_SCRIPT } from './openapi';
import { securityHeaders } from './security-headers';
import { mountConsole } from './console/serve';
import { verifyJsonBody } from './body-checks';
import { Problem } from './problem';
import { sendProblem } from './errors';
import { IdempotencyStore } from './middleware/idempotency';
import type { Services } from '../services';
import type { PlatformKey } from '../services/tenancy/platform-key';
import type { AreaManifest } from '../areas/manifest';
import { routesOf } from '../areas/compose';

const VERSION = '0.1.0';

/** Builds the HTTP API: ops endpoints, the OpenAPI document and every area's /v1 routes. */
export function createApp(services: Services, platformKey: PlatformKey, areas: readonly AreaManifest[]): Express {
  const { config } = services;
  const allRoutes = routesOf(areas);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  app.use(securityHeaders());

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = requestIdOf(req);
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    next();
  });

  mountOps(app, services, platformKey);
  const openapi = openApiDocument(allRoutes, VERSION);
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get(['/docs', '/v1/docs'], (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  app.get('/v1/docs.js', (_req, res) => {
    res.type('text/javascript').send(DOCS_SCRIPT);
  });

  mountConsole(app, services.logger);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    // Any method: a DELETE or GET with a text/plain body must not run as if it had none.
    if (hasBody && !req.is('application/json')) {
      next(new Problem('unsupported-media-type', 'send the body as application/json'));
      return;
    }
    next();
  });
  app.use(express.json({ limit: config.bodyLimitBytes, strict: true, verify: verifyJsonBody(config.bodyMaxDepth) }));

  const router = express.Router();
  const deps = { services, platformKey, idempotency: new IdempotencyStore(services.conns.redis, config.redisPrefix, config.idempotencyTtlSeconds, config.idempotencyLeaseSeconds) };
  for (const spec of allRoutes) mount(router, spec, deps);
  app.use(router);

  // Known path, wrong method: 405 with Allow; unknown path: 404. Both as problem+json.
  const patterns = allRoutes.map((r) => ({ method: r.method.toUpperCase(), re: new RegExp(`^${r.path.replace(/:[A-Za-z]+/g, '[^/]+')}/?$`) }));
  app.use((req: Request, res: Response) => {
    const allowed = patterns.filter((p) => p.re.test(req.path)).map((p) => p.method);
    const log = services.logger.child({ requestId: res.locals.requestId });
    if (allowed.length > 0) {
      res.setHeader('Allow', [...new Set(allowed)].join(', '));
      sendProblem(res, new Problem('method-not-allowed', `${req.method} is not allowed on ${req.path}; use ${[...new Set(allowed)].join(', ')}`), req.originalUrl, log);
      return;
    }
    sendProblem(res, new Problem('not-found', `no route ${req.method} ${req.path}; see /v1/openapi.json`), req.originalUrl, log);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, err, req.originalUrl, services.logger.child({ requestId: res.locals.requestId }));
  });
  return app;
}
