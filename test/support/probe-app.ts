import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mount } from '../../api/mount';
import { IdempotencyStore } from '../../api/middleware/idempotency';
import { PlatformKey } from '../../services/tenancy/platform-key';
import type { RouteSpec } from '../../api/route';
import type { TestTrellis } from './trellis';

/**
 * Test-only routes mounted with the real request pipeline (authentication, budgets, the
 * Idempotency-Key store in the real Redis) on the services of a running TestTrellis, for
 * handlers a test must control: one that runs long, fails once or never returns.
 */
export interface ProbeApp {
  url: string;
  store: IdempotencyStore;
  post(path: string, key: string, body: unknown, idempotencyKey: string): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startProbeApp(trellis: TestTrellis, specs: RouteSpec[], store?: IdempotencyStore): Promise<ProbeApp> {
  const { services } = trellis.running;
  const { config } = trellis;
  const idempotency = store ?? new IdempotencyStore(services.conns.redis, config.redisPrefix, config.idempotencyTtlSeconds, config.idempotencyLeaseSeconds);
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use(express.json());
  const router = express.Router();
  for (const spec of specs) mount(router, spec, { services, platformKey: new PlatformKey(config.platformKey), idempotency });
  app.use(router);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store: idempotency,
    async post(path, key, body, idempotencyKey) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
