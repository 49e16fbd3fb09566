import mongoose from 'mongoose';
import IORedis, { Redis } from 'ioredis';
import { Connection, Client } from '@temporalio/client';
import type { Config } from '../config';

/** The three backing services, opened once per process and shared by api and workers. */
export interface Connections {
  mongo: typeof mongoose;
  redis: Redis;
  temporal: Connection;
  /** One Temporal client per namespace, created on first use. */
  clientFor(namespace: string): Client;
  close(): Promise<void>;
}

export function redisConnection(url: string): Redis {
  // BullMQ needs maxRetriesPerRequest null for its blocking connections.
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

export async function openConnections(config: Config): Promise<Connections> {
  if (!config.mongodbUri || !config.redisUrl || !config.temporalAddress) {
    throw new Error('MONGODB_URI, REDIS_URL and TEMPORAL_ADDRESS must be set (npm start sets them for the local stack)');
  }
  mongoose.set('strictQuery', true);
  mongoose.set('autoIndex', false);
  mongoose.set('autoCreate', true);
  await mongoose.connect(config.mongodbUri, { serverSelectionTimeoutMS: 15000 });
  const redis = redisConnection(config.redisUrl);
  const temporal = await Connection.connect({ address: config.temporalAddress });
  const clients = new Map<string, Client>();
  return {
    mongo: mongoose,
    redis,
    temporal,
    clientFor(namespace: string): Client {
      let client = clients.get(namespace);
      if (!client) {
        client = new Client({ connection: temporal, namespace });
        clients.set(namespace, client);
      }
      return client;
    },
    async close(): Promise<void> {
      await temporal.close().catch(() => undefined);
      redis.disconnect();
      await mongoose.disconnect().catch(() => undefined);
    },
  };
}
