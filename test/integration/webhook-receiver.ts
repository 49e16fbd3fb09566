import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A local HTTP receiver for webhook tests: records every request by path, answers each path with
 * the statuses (200 unless told otherwise) and after the delay the test sets, and counts the requests open at once per path
 * prefix (what a concurrency limit bounds).
 */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface WebhookMessage {
  type: string;
  data: { eventId: string; seq: number; entity: { type: string; id: string }; details: Record<string, unknown> };
}

export class Receiver {
  readonly received: Received[] = [];
  private readonly delays = new Map<string, number>();
  private readonly answers = new Map<string, number[]>();
  private readonly open = new Map<string, number>();
  /** The most requests open at once, per group (`/slow/…`) and per path (one endpoint). */
  readonly mostOpen = new Map<string, number>();
  private server!: http.Server;
  base = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const path = req.url ?? '/';
        const group = groupOf(path);
        for (const k of [group, path]) {
          this.open.set(k, (this.open.get(k) ?? 0) + 1);
          this.mostOpen.set(k, Math.max(this.mostOpen.get(k) ?? 0, this.open.get(k)!));
        }
        const delay = this.delays.get(group) ?? 0;
        setTimeout(() => {
          for (const k of [group, path]) this.open.set(k, this.open.get(k)! - 1);
          this.received.push({ path, headers: req.headers as Record<string, string>, body, at: Date.now() });
          const queue = this.answers.get(path) ?? [];
          res.statusCode = queue.length > 1 ? queue.shift()! : (queue[0] ?? 200);
          res.end('ok');
        }, delay);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every request under `/<group>/…` is answered after `ms`. */
  slow(group: string, ms: number): void {
    this.delays.set(group, ms);
  }

  /** The statuses to answer at `path` in turn; the last one repeats. */
  answer(path: string, ...statuses: number[]): void {
    this.answers.set(path, statuses);
  }

  /** What reached `path`, only the deliveries about `entityId` when given. */
  at(path: string, entityId?: string): Received[] {
    return this.received.filter((r) => r.path === path && (!entityId || (JSON.parse(r.body) as WebhookMessage).data.entity.id === entityId));
  }

  under(group: string): Received[] {
    return this.received.filter((r) => groupOf(r.path) === group);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** `/slow/3` and `/slow/7` are both in group `slow`. */
const groupOf = (path: string) => path.split('/')[1] ?? '';

/** Verifies with the `standardwebhooks` verifier (throws on a bad signature) and parses. */
export const verified = (secret: string, r: Received): WebhookMessage => new Webhook(secret).verify(r.body, r.headers) as WebhookMessage;
