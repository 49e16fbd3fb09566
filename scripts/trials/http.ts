/**
 * The trials' HTTP client: what a careful API client does. Every exchange is logged (for the
 * "no 5xx after the restart" check); `retrying` resends with the same Idempotency-Key on network
 * errors, 5xx, 429 and 409 idempotency-key-in-use, with capped backoff, within a time budget.
 */
export interface Answer {
  status: number;
  body: any;
  text: string;
  replayed: boolean;
}

export interface Exchange {
  sentAt: number;
  ms: number;
  method: string;
  path: string;
  /** 0 when no answer came (connection refused or reset, or our own timeout). */
  status: number;
  problemType?: string;
}

export interface RequestOpts {
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
  idempotencyKey?: string;
  /** One attempt's limit; the server may still be working when it passes. */
  attemptTimeoutMs?: number;
}

export interface Outcome {
  /** The answer the client settled on (absent when it gave up). */
  answer?: Answer;
  attempts: number;
  /** How many answers were 409 idempotency-key-in-use. */
  inUse: number;
  networkErrors: number;
  serverErrors: number;
  gaveUp?: string;
}

const IN_USE = 'urn:trellis:problem:idempotency-key-in-use';
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

export const problemType = (a: Answer): string | undefined => (a.body && typeof a.body.type === 'string' ? a.body.type : undefined);
export const isInUse = (a: Answer): boolean => a.status === 409 && problemType(a) === IN_USE;
const retryable = (a: Answer): boolean => a.status >= 500 || a.status === 429 || isInUse(a);

export class TrialHttp {
  readonly log: Exchange[] = [];

  constructor(readonly baseUrl: string, private readonly signal?: AbortSignal) {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(baseUrl)) throw new Error(`trials talk to 127.0.0.1 only, not ${baseUrl}`);
  }

  /** One attempt; undefined when no answer came. */
  async once(method: string, path: string, opts: RequestOpts = {}): Promise<Answer | undefined> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const sentAt = Date.now();
    const timeout = AbortSignal.timeout(opts.attemptTimeoutMs ?? 30_000);
    const signal = this.signal ? AbortSignal.any([timeout, this.signal]) : timeout;
    try {
      const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, signal });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const answer: Answer = { status: res.status, body: parsed, text, replayed: res.headers.get('idempotent-replayed') === 'true' };
      this.log.push({ sentAt, ms: Date.now() - sentAt, method, path, status: res.status, problemType: problemType(answer) });
      return answer;
    } catch {
      this.log.push({ sentAt, ms: Date.now() - sentAt, method, path, status: 0 });
      return undefined;
    }
  }

  /** Resends with the same key until a non-retryable answer or the budget runs out. */
  async retrying(method: string, path: string, opts: RequestOpts & { budgetMs: number }): Promise<Outcome> {
    const deadline = Date.now() + opts.budgetMs;
    const outcome: Outcome = { attempts: 0, inUse: 0, networkErrors: 0, serverErrors: 0 };
    let last: Answer | undefined;
    for (let attempt = 0; ; attempt++) {
      if (this.signal?.aborted) return { ...outcome, gaveUp: 'trial stopped' };
      outcome.attempts += 1;
      const answer = await this.once(method, path, opts);
      if (answer && !retryable(answer)) return { ...outcome, answer };
      if (!answer) outcome.networkErrors += 1;
      else if (isInUse(answer)) outcome.inUse += 1;
      else if (answer.status >= 500) outcome.serverErrors += 1;
      last = answer ?? last;
      const backoff = Math.min(2000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
      if (Date.now() + backoff > deadline) {
        const what = last ? `${last.status}${problemType(last) ? ` ${problemType(last)!.split(':').pop()}` : ''}` : 'no answer';
        return { ...outcome, gaveUp: `gave up after ${outcome.attempts} attempts (last: ${what})` };
      }
      await sleep(backoff, this.signal);
    }
  }
}
