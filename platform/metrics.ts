import { Registry, Counter, Histogram, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for this process, served at /metrics. */
export const metrics = new Registry();
collectDefaultMetrics({ register: metrics, prefix: 'trellis_' });

export const httpRequests = new Counter({
  name: 'trellis_http_requests_total',
  help: 'HTTP requests by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metrics],
});

export const httpDuration = new Histogram({
  name: 'trellis_http_request_duration_seconds',
  help: 'HTTP request latency by route',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

export const rateLimited = new Counter({
  name: 'trellis_rate_limited_total',
  help: 'Requests refused with 429, by kind of subject',
  labelNames: ['subject'] as const,
  registers: [metrics],
});
