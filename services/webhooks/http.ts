import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { addressRefusal, checkEndpointUrl, type UrlPolicy } from '../../domain/webhooks/url';

/**
 * The HTTP side of a delivery. The URL is checked again at send time (the policy may have
 * changed) and every address its host resolves to is checked as the connection is made, in the
 * socket's own lookup, so a name that resolves to a public address when the endpoint is created
 * and to an internal one later (DNS rebinding) is refused too. Redirects are not followed.
 */
export type PostResult = { statusCode: number } | { error: string };

/** Body bytes read from a receiver's answer (only its status counts; the rest is discarded). */
const MAX_ANSWER_BYTES = 64 * 1024;

function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refusal = addresses.map((a) => addressRefusal(a.address, policy)).find((r) => r !== undefined);
      if (refusal) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${refusal}`), { code: 'EREFUSED_ADDRESS' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

export function postWebhook(rawUrl: string, body: string, headers: Record<string, string>, opts: UrlPolicy & { timeoutMs: number }): Promise<PostResult> {
  const verdict = checkEndpointUrl(rawUrl, opts);
  if (!verdict.ok) return Promise.resolve({ error: `the endpoint URL ${verdict.reason}` });
  const { url } = verdict;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Trellis-Webhooks/1' },
        lookup: guardedLookup(opts),
        timeout: opts.timeoutMs,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on('close', () => resolve({ statusCode: res.statusCode ?? 0 }));
        res.on('error', () => resolve({ statusCode: res.statusCode ?? 0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(body);
  });
}

/**
 * At creation, a host name that resolves to a refused address is refused at once (422). A name
 * that does not resolve yet is accepted: deliveries are checked again when they are sent.
 */
export async function resolvedRefusal(url: URL, policy: UrlPolicy): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string }[];
  try {
    addresses = await dns.lookup(host, { all: true });
  } catch {
    return undefined;
  }
  return addresses.map((a) => addressRefusal(a.address, policy)).find((r) => r !== undefined);
}
