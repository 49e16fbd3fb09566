import { loadConfig, ConfigError } from '../../config';

test('defaults need nothing but leave the backing services unset (local stack mode)', () => {
  const config = loadConfig({});
  expect(config).toMatchObject({ port: 3000, temporalNamespace: 'trellis', logLevel: 'info', rateLimitPerMinute: 600 });
  expect(config.temporalAddress).toBeUndefined();
  expect(config.mongodbUri).toBeUndefined();
});

test('every bad value is reported at once, one clear line each', () => {
  let error: ConfigError | undefined;
  try {
    loadConfig({ PORT: 'eighty', TEMPORAL_ADDRESS: 'http://x', MONGODB_URI: 'postgres://db', REDIS_URL: 'not a url', LOG_LEVEL: 'loud', TRELLIS_PLATFORM_KEY: 'short', TEMPORAL_NAMESPACE: 'bad name!' });
  } catch (err) {
    error = err as ConfigError;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect(error!.problems).toHaveLength(7);
  expect(error!.message).toContain('PORT must be a whole number');
  expect(error!.message).toContain('TEMPORAL_ADDRESS must be host:port');
  expect(error!.message).toContain('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  expect(error!.message).toContain('REDIS_URL is not a valid URL');
  expect(error!.message).toContain('LOG_LEVEL must be one of');
  expect(error!.message).toContain('TRELLIS_PLATFORM_KEY must be at least 32 characters');
  expect(error!.message).toContain('TEMPORAL_NAMESPACE must be');
});

test('external services are taken from the environment', () => {
  const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', MONGODB_URI: 'mongodb://mongo:27017/trellis?replicaSet=rs0', REDIS_URL: 'redis://redis:6379' });
  expect(config.temporalAddress).toBe('temporal:7233');
  expect(config.redisUrl).toBe('redis://redis:6379');
});

test('webhook fairness limits: defaults, and a bad value names its variable', () => {
  expect(loadConfig({}).webhooks).toMatchObject({ endpointConcurrency: 4, tenantConcurrency: 8, workerConcurrency: 16 });
  expect(loadConfig({ WEBHOOK_TENANT_CONCURRENCY: '2', WEBHOOK_ENDPOINT_CONCURRENCY: '1', WEBHOOK_WORKER_CONCURRENCY: '32' }).webhooks).toMatchObject({ endpointConcurrency: 1, tenantConcurrency: 2, workerConcurrency: 32 });
  expect(() => loadConfig({ WEBHOOK_TENANT_CONCURRENCY: '0' })).toThrow(/WEBHOOK_TENANT_CONCURRENCY must be a whole number from 1/);
});
