import { BlockList, isIP } from 'node:net';

/**
 * Which URLs a webhook may be sent to. Trellis makes the request from inside its network, so an
 * endpoint must not reach what only Trellis can reach (SSRF): addresses that are private,
 * link-local (cloud metadata services), loopback or otherwise not public are refused, here for
 * literal addresses and again for every address a host name resolves to when a delivery is sent.
 * Loopback is allowed only where the deployment says so (a local receiver), over plain http.
 */
export interface UrlPolicy {
  allowLoopback: boolean;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const notPublic = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) notPublic.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  notPublic.addSubnet(net, bits, 'ipv6');
}

/** Why a delivery may not go to this IP address, or undefined when it may. */
export function addressRefusal(address: string, policy: UrlPolicy): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  // IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked against the IPv4 ranges too.
  if (loopback.check(address, family)) return policy.allowLoopback ? undefined : `${address} is a loopback address`;
  if (notPublic.check(address, family)) return `${address} is a private, link-local or reserved address`;
  return undefined;
}

const isLoopbackName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost');

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export function checkEndpointUrl(raw: string, policy: UrlPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not carry a user name or password' };
  if (url.hash) return { ok: false, reason: 'must not have a #fragment' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host) !== 0;
  const loopbackHost = literal ? loopback.check(host, isIP(host) === 6 ? 'ipv6' : 'ipv4') : isLoopbackName(host);
  if (loopbackHost && !policy.allowLoopback) return { ok: false, reason: `must not point at a loopback address (${host})` };
  if (url.protocol === 'http:' && !loopbackHost) return { ok: false, reason: 'must use https' };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must use https' };
  if (literal) {
    const refusal = addressRefusal(host, policy);
    if (refusal) return { ok: false, reason: `must point at a public address: ${refusal}` };
  }
  return { ok: true, url };
}
