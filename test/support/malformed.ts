import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { mulberry32 } from '../../scripts/trials/prng';

/**
 * Malformed requests generated from the OpenAPI document. Each request starts from a sample that
 * satisfies the operation's schemas and gets one or more defects. For operations that change
 * state, at least one defect is one that must refuse the request (a wrong type, a missing or
 * unknown field, a broken body, an unknown query parameter…), so a 2xx there means the API
 * accepted bad input. Everything is drawn from one seeded PRNG: a seed replays a run exactly.
 */

// One seeded PRNG for the generator and the fault trials: a seed replays a run exactly.
export { mulberry32 };

export class Rng {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

type Schema = Record<string, any>;

export interface Operation {
  id: string;
  method: string;
  path: string;
  params: { name: string; schema: Schema }[];
  query: { name: string; schema: Schema; required: boolean }[];
  body?: Schema;
  access: unknown;
}

export function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const parameters: any[] = op.parameters ?? [];
      ops.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        params: parameters.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: !!p.required })),
        body: op.requestBody?.content?.['application/json']?.schema,
        access: op['x-access'],
      });
    }
  }
  return ops;
}

/** Real ids and slugs of the fuzzed tenant, so some requests aim at things that exist. */
export interface Known {
  ids: Record<string, string[]>;
  slug: string;
  /** Each rule kind's dry-run input schema: the document types `input` as unknown. */
  dryRunInputs?: Record<string, Schema>;
}

const patternArbs = new Map<string, fc.Arbitrary<string>>();
function matching(pattern: string, rng: Rng): string {
  let arb = patternArbs.get(pattern);
  if (!arb) {
    arb = fc.stringMatching(new RegExp(pattern));
    patternArbs.set(pattern, arb);
  }
  return fc.sample(arb, { seed: rng.int(2 ** 31), numRuns: 1 })[0];
}

/** A value that satisfies the schema (as far as a sample can: `Unknown` gets a small object). */
export function sample(schema: Schema, rng: Rng, known: Known, key = ''): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.anyOf) return sample(rng.pick(schema.anyOf), rng, known, key);
  if (schema.enum) return rng.pick(schema.enum);
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries<Schema>(schema.properties ?? {})) {
        if ((schema.required ?? []).includes(name) || rng.chance(0.5)) out[name] = sample(prop, rng, known, name);
      }
      return out;
    }
    case 'array': {
      const n = Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 1 + rng.int(2)));
      return Array.from({ length: n }, () => sample(schema.items ?? {}, rng, known, key));
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? min + 100;
      return min + rng.int(Math.max(1, max - min + 1));
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'string':
      return sampleString(schema, rng, known, key);
    default:
      return { note: 'x' };
  }
}

function sampleString(schema: Schema, rng: Rng, known: Known, key: string): string {
  if (schema.format === 'date-time') return new Date(Date.UTC(2026, rng.int(12), 1 + rng.int(28), rng.int(24))).toISOString();
  if (schema.format === 'date') return `2027-0${1 + rng.int(9)}-1${rng.int(10)}`;
  if (schema.format === 'email') return `fuzz${rng.int(1e6)}@example.com`;
  if (schema.format === 'uri') return 'https://example.com/logo.png';
  if (schema.pattern) {
    const prefix = /^\^\(?([a-z|]+)\)?_\[/.exec(schema.pattern)?.[1]?.split('|') ?? [];
    const real = prefix.flatMap((p) => known.ids[p] ?? []);
    if (real.length > 0 && rng.chance(0.5)) return rng.pick(real);
    if (key === 'tenantSlug') return known.slug;
    if (schema.pattern === '^[A-Z]{3}$') return rng.pick(['USD', 'EUR', 'GBP']);
    if (schema.pattern === '^[A-Z]{2}$') return rng.pick(['DE', 'FR', 'US']);
    if (schema.pattern.startsWith('^-?\\d')) return `${1 + rng.int(99999)}.${rng.int(10)}${rng.int(10)}`;
    const s = matching(schema.pattern, rng);
    return schema.maxLength !== undefined ? s.slice(0, schema.maxLength) : s;
  }
  const min = schema.minLength ?? 1;
  const max = Math.min(schema.maxLength ?? 40, 40);
  return 'fuzz'.padEnd(Math.max(min, Math.min(max, 4 + rng.int(10))), 'z').slice(0, Math.max(min, Math.min(max, 14)));
}

/** One request as bytes on the wire. `raw` requests go straight onto a socket. */
export interface MalformedRequest {
  op: string;
  defects: string[];
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  raw?: Buffer;
  /** The operation changes state, and a defect that must refuse it was applied. */
  mustRefuse: boolean;
}

const EVIL_KEYS = ['$gt', '$where', '$ne', '__proto__', 'constructor', 'prototype', 'isAdmin', 'tenantId', '_id'];
const EVIL_VALUES: unknown[] = [
  { $gt: '' },
  { $where: 'sleep(1000)' },
  { $ne: null },
  [],
  [1, 2],
  {},
  null,
  true,
  12,
  -0,
  1.5,
  'NaN',
  '-1',
  '',
  'x'.repeat(5000),
];
const BAD_IDS = [
  '..%2F..%2Fetc%2Fpasswd',
  '..',
  '%2e%2e',
  '%00',
  '%E0%A4%A',
  '%ZZ',
  '%7B%22%24ne%22%3A1%7D',
  'deal_OOOOOOOOOOOOOOOOOOOOOOOOOO',
  'key_0000000000000000000000000',
  'x'.repeat(3000),
  '%F0%9F%92%A9',
  'ten_00000000000000000000000000',
  'null',
  '-0',
];
const BAD_DATES = ['2016-12-31T23:59:60Z', '2025-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '+275761-01-01T00:00:00Z', '2025-01-01T00:00:00', 'yesterday', '2025-13-01', '1e309'];
const BAD_NUMBERS = ['0x10', '1e309', '-0', 'NaN', 'Infinity', '1e9', '-1', '1.5', ' 5', '0b1', '99999999999999999999'];
const BAD_AMOUNTS = ['-100.00', '-0', '1e309', 'NaN', '0.001', '1,000.00', '9'.repeat(16), ' 1', '١٢٣'];
const BAD_CURRENCIES = ['ZZZ', 'XXX', 'usd', 'US', 'USDD', '€', '$'];

function wrongType(schema: Schema | undefined, rng: Rng): unknown {
  const type = schema?.type;
  const candidates: unknown[] =
    type === 'string' ? [1, 1.5, true, null, [], {}, { $gt: '' }] : type === 'integer' || type === 'number' ? ['1', '0x10', true, null, [], {}, 1.5] : type === 'boolean' ? ['true', 1, null, []] : type === 'array' ? ['a', 1, {}, null] : type === 'object' ? ['a', 1, [], null, true] : [];
  return candidates.length ? rng.pick(candidates) : undefined;
}

function typedFields(schema: Schema, value: unknown, path: string[] = []): { path: string[]; schema: Schema }[] {
  if (schema.type !== 'object' || value === null || typeof value !== 'object') return [];
  const out: { path: string[]; schema: Schema }[] = [];
  for (const [name, prop] of Object.entries<Schema>(schema.properties ?? {})) {
    if (!prop.type && !prop.anyOf) continue;
    out.push({ path: [...path, name], schema: prop });
    out.push(...typedFields(prop, (value as Record<string, unknown>)[name], [...path, name]));
  }
  return out;
}

function setAt(value: Record<string, any>, path: string[], v: unknown): void {
  let node = value;
  for (const p of path.slice(0, -1)) {
    if (node[p] === null || typeof node[p] !== 'object') node[p] = {};
    node = node[p];
  }
  if (v === undefined) delete node[path[path.length - 1]];
  else node[path[path.length - 1]] = v;
}

function fieldsWith(schema: Schema, value: unknown, test: (s: Schema, name: string) => boolean) {
  return typedFields(schema, value).filter((f) => test(f.schema, f.path[f.path.length - 1]));
}

interface Draft {
  params: Record<string, string>;
  query: [string, string][];
  body?: unknown;
  /** Body text instead of JSON.stringify(body). */
  bodyText?: Buffer;
  headers: Record<string, string>;
  defects: string[];
  sure: boolean;
  /** Params sent as written (already percent-encoded, or deliberately not). */
  rawParams: Set<string>;
}

type Mutation = (op: Operation, d: Draft, rng: Rng) => boolean;

/** Mutations that must refuse any request (the `sure` ones) and ones that probe services. */
const SURE: Record<string, Mutation> = {
  'body-wrong-type'(op, d, rng) {
    if (!op.body || typeof d.body !== 'object') return false;
    const fields = typedFields(op.body, d.body).filter((f) => f.schema.type);
    if (!fields.length) return false;
    const f = rng.pick(fields);
    const v = wrongType(f.schema, rng);
    if (v === undefined) return false;
    setAt(d.body as Record<string, unknown>, f.path, v);
    return true;
  },
  'body-missing-required'(op, d, rng) {
    if (!op.body?.required?.length || typeof d.body !== 'object') return false;
    delete (d.body as Record<string, unknown>)[rng.pick(op.body.required as string[])];
    return true;
  },
  'body-extra-field'(op, d, rng) {
    if (!op.body || typeof d.body !== 'object' || d.body === null) return false;
    const key = rng.pick(EVIL_KEYS);
    const value = rng.pick(EVIL_VALUES);
    // JSON.parse makes "__proto__" an own property, as it would be on the wire.
    const text = JSON.stringify(d.body).replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(value)}${Object.keys(d.body).length ? ',' : ''}`);
    d.bodyText = Buffer.from(text);
    return true;
  },
  'body-not-an-object'(op, d, rng) {
    // An empty array on a route without a body reads as "no body", like an empty object.
    d.bodyText = Buffer.from(rng.pick([...(op.body ? ['[]'] : []), '[1,2]', '"x"', '1', 'null', 'true']));
    return true;
  },
  'body-invalid-json'(op, d, rng) {
    const base = JSON.stringify(d.body ?? { a: 1 });
    d.bodyText = Buffer.from(rng.pick([base.slice(0, Math.max(1, base.length - 2)), `${base}}`, "{'a':1}", '{"a":NaN}', '{"a":1e309', '{"a":undefined}', '{a:1}', '\u0000', '{"a":"\\x"}']));
    return true;
  },
  'body-invalid-utf8'(op, d, rng) {
    const base = JSON.stringify(d.body ?? { name: 'x' });
    const at = Math.max(1, base.indexOf('"', 1) + 1);
    d.bodyText = Buffer.concat([Buffer.from(base.slice(0, at)), Buffer.from(rng.pick([[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])), Buffer.from(base.slice(at))]);
    return true;
  },
  'body-bom-only'(op, d, rng) {
    d.bodyText = Buffer.from(rng.pick([[0xef, 0xbb, 0xbf], [0xef, 0xbb, 0xbf, 0x20, 0x0a], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]]));
    return true;
  },
  'body-deep'(op, d, rng) {
    const depth = rng.pick([40, 1000, 10_000, 100_000]);
    const field = op.body?.properties?.definition ? 'definition' : op.body?.properties?.input ? 'input' : 'a';
    d.bodyText = Buffer.from(rng.chance(0.5) ? `{"${field}":${'['.repeat(depth)}${']'.repeat(depth)}}` : `{"${field}":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`);
    return true;
  },
  'body-too-large'(op, d) {
    d.bodyText = Buffer.from(JSON.stringify({ ...(typeof d.body === 'object' ? d.body : {}), huge: 'x'.repeat(1024 * 1024) }));
    return true;
  },
  'body-corrupt-encoding'(op, d, rng) {
    d.headers['content-encoding'] = rng.pick(['gzip', 'br', 'deflate']);
    const gz = gzipSync(JSON.stringify(d.body ?? {}));
    d.bodyText = rng.chance(0.5) ? gz.subarray(0, Math.max(3, gz.length - 5)) : Buffer.from(JSON.stringify(d.body ?? {}));
    if (d.headers['content-encoding'] === 'gzip' && rng.chance(0.3)) d.bodyText = Buffer.concat([gz, Buffer.from('trailing junk')]);
    return true;
  },
  'body-unsupported-encoding'(op, d, rng) {
    d.headers['content-encoding'] = rng.pick(['compress', 'x-gzip-evil', 'gzip, gzip', 'identity;q=0', 'zstd-bad']);
    d.bodyText = Buffer.from(JSON.stringify(d.body ?? {}));
    return true;
  },
  'body-wrong-media-type'(op, d, rng) {
    d.headers['content-type'] = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', 'application/xml']);
    d.bodyText = Buffer.from(JSON.stringify(d.body ?? { a: 1 }));
    return true;
  },
  'query-unknown'(op, d, rng) {
    d.query.push(rng.pick([['status[$ne]', 'x'], ['$where', '1'], ['__proto__[isAdmin]', 'true'], ['constructor', 'x'], ['tenantId', 'ten_00000000000000000000000000'], ['unknownParam', 'y']] as [string, string][]));
    return true;
  },
  'query-bad-value'(op, d, rng) {
    const typed = op.query.filter((q) => q.schema.type === 'integer' || q.schema.format === 'date-time' || q.schema.enum || q.schema.anyOf || q.schema.pattern);
    if (!typed.length) return false;
    const q = rng.pick(typed);
    const value = q.schema.type === 'integer' ? rng.pick(BAD_NUMBERS.filter((n) => !/^\d+$/.test(n) || Number(n) > (q.schema.maximum ?? Infinity))) : q.schema.format === 'date-time' ? rng.pick(BAD_DATES) : rng.pick(['', '%00', '../x', 'x'.repeat(300), '{"$ne":1}']);
    d.query = d.query.filter(([k]) => k !== q.name);
    d.query.push([q.name, value]);
    return true;
  },
  'query-array'(op, d, rng) {
    if (!op.query.length) return false;
    const q = rng.pick(op.query);
    d.query = d.query.filter(([k]) => k !== q.name);
    d.query.push(...(rng.chance(0.5) ? [[q.name, '1'], [q.name, '2']] : [[`${q.name}[]`, '1'], [`${q.name}[$gt]`, '']]) as [string, string][]);
    return true;
  },
  'path-bad-id'(op, d, rng) {
    if (!op.params.length) return false;
    const name = rng.pick(op.params).name;
    d.params[name] = rng.pick(BAD_IDS);
    d.rawParams.add(name);
    return true;
  },
  'body-on-bodyless-route'(op, d, rng) {
    if (op.body) return false;
    d.headers['content-type'] = 'application/json';
    d.bodyText = Buffer.from(rng.pick(['{"a":1}', '{"$where":"1"}', '[1]', '{"__proto__":1}', '{"constructor":{"prototype":1}}']));
    return true;
  },
  'body-missing'(op, d) {
    if (!op.body) return false;
    d.body = undefined;
    d.bodyText = undefined;
    delete d.headers['content-type'];
    return true;
  },
};

/** Defects a service should refuse (negative amounts, unknown currencies, bad dates, ids that exist nowhere). */
const PROBES: Record<string, Mutation> = {
  'body-bad-amount'(op, d, rng) {
    const f = op.body && fieldsWith(op.body, d.body, (s, n) => n === 'amount' || n === 'maxAmount' || n === 'minAmount');
    if (!f?.length) return false;
    setAt(d.body as Record<string, unknown>, rng.pick(f).path, rng.pick(BAD_AMOUNTS));
    return true;
  },
  'body-bad-currency'(op, d, rng) {
    const f = op.body && fieldsWith(op.body, d.body, (_s, n) => n === 'currency');
    if (!f?.length) return false;
    setAt(d.body as Record<string, unknown>, rng.pick(f).path, rng.pick(BAD_CURRENCIES));
    return true;
  },
  'body-bad-date'(op, d, rng) {
    const f = op.body && fieldsWith(op.body, d.body, (s) => s.format === 'date-time' || s.format === 'date');
    if (!f?.length) return false;
    setAt(d.body as Record<string, unknown>, rng.pick(f).path, rng.pick([...BAD_DATES, '2025-02-30', '0000-01-01']));
    return true;
  },
  'body-huge-number'(op, d, rng) {
    if (typeof d.body !== 'object' || d.body === null) return false;
    const f = op.body && fieldsWith(op.body, d.body, (s) => s.type === 'integer' || s.type === 'number');
    if (!f?.length) return false;
    const field = rng.pick(f);
    // The field is set (it may be optional and absent from the sample), then its text replaced.
    setAt(d.body as Record<string, unknown>, field.path, 424242);
    const huge = rng.pick(['1e309', '-1e309', '1e-400', '123456789012345678901234567890', ...(field.schema.minimum >= 1 ? ['-0'] : [])]);
    d.bodyText = Buffer.from(JSON.stringify(d.body).replace('424242', huge));
    return true;
  },
  'headers-abuse'(op, d, rng) {
    const pick = rng.int(5);
    if (pick === 0) d.headers['idempotency-key'] = rng.pick(['', ' ', 'x'.repeat(300), 'clé', 'a\tb']);
    else if (pick === 1) d.headers['x-request-id'] = rng.pick(['x'.repeat(500), '<script>', '../../']);
    else if (pick === 2) d.headers['if-match'] = rng.pick(['*', '"', 'W/"x"', 'x'.repeat(200)]);
    else if (pick === 3) d.headers.authorization = rng.pick(['Bearer', 'Bearer  ', 'Basic Zm9vOmJhcg==', `Bearer ${'k'.repeat(600)}`, 'Bearer trk_fake_fake', 'bearer trk_live_00000000']);
    else d.headers['x-forwarded-for'] = rng.pick(['1.2.3.4', '::1, 10.0.0.1', 'x'.repeat(1000)]);
    return true;
  },
};

/** Raw bytes Node's HTTP parser refuses, or a client library would never send. */
function parserProbe(rng: Rng, path: string, auth: string | undefined): Buffer {
  const a = auth ? `Authorization: ${auth}\r\n` : '';
  const probes: (() => Buffer | string)[] = [
    () => `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`,
    () => Buffer.concat([Buffer.from(`GET ${path}/`), Buffer.from([0xe2, 0x82, 0xac, 0xff]), Buffer.from(` HTTP/1.1\r\nHost: x\r\n${a}\r\n`)]),
    () => `GET ${path.slice(1)} HTTP/1.1\r\nHost: x\r\n${a}\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n{}`,
    () => `POST ${path} HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}`,
    () => `POST ${path} HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    () => `GET ${path} HTTP/9.9\r\nHost: x\r\n\r\n`,
    () => `G@T ${path} HTTP/1.1\r\nHost: x\r\n\r\n`,
    () => `GET ${path} HTTP/1.1\r\nBad Header: x\r\n\r\n`,
    () => `GET ${path} HTTP/1.1\r\nHost: x\r\nX: ${'\u0001'}\r\n\r\n`,
  ];
  const bytes = rng.pick(probes)();
  return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
}

export const MUTATIONS = { sure: Object.keys(SURE), probes: Object.keys(PROBES) };

function fillPath(op: Operation, params: Record<string, string>, raw: Set<string> = new Set()): string {
  return op.path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => (raw.has(name) ? params[name] : encodeURIComponent(params[name] ?? 'x')));
}

export function malformedRequest(op: Operation, rng: Rng, known: Known, auth: string | undefined): MalformedRequest {
  // A dry run changes nothing: its sample inputs are sent as they are, too (edge values included).
  const dryRun = op.path.endsWith('/dry-run');
  const mutating = op.method !== 'GET' && !dryRun;
  const draft: Draft = { params: {}, query: [], headers: {}, defects: [], sure: false, rawParams: new Set() };
  for (const p of op.params) draft.params[p.name] = String(sample(p.schema, rng, known, p.name));
  const dryRunKinds = Object.keys(known.dryRunInputs ?? {});
  if (op.path.endsWith('/dry-run') && dryRunKinds.length > 0 && rng.chance(0.9)) draft.params.kind = rng.pick(dryRunKinds);
  for (const q of op.query) if (q.required || rng.chance(0.3)) draft.query.push([q.name, String(sample(q.schema, rng, known, q.name))]);
  if (op.body) {
    draft.body = sample(op.body, rng, known);
    const input = known.dryRunInputs?.[draft.params.kind];
    if (op.path.endsWith('/dry-run') && input) {
      draft.body = { input: sample(input, rng, known) };
      op = { ...op, body: { ...op.body, properties: { ...op.body.properties, input } } };
    }
    draft.headers['content-type'] = 'application/json';
  }
  if (op.method === 'PUT') draft.headers['if-match'] = '"fuzz"';
  if (op.method === 'POST' && rng.chance(0.3)) draft.headers['idempotency-key'] = `fuzz-${rng.int(1e9)}`;
  if (auth) draft.headers.authorization = auth;

  const full = `${fillPath(op, draft.params)}`;
  if (rng.chance(0.03)) {
    return { op: op.id, defects: ['parser'], method: op.method, path: full, headers: {}, raw: parserProbe(rng, full, auth), mustRefuse: mutating };
  }
  if (dryRun && rng.chance(0.5)) return finish(op, { ...draft, defects: ['dry-run-sample'] }, false);
  const sureNames = Object.keys(SURE);
  const probeNames = Object.keys(PROBES);
  // About a third of the requests carry only probes, so they pass the schemas and reach the
  // services (a negative amount, an unknown currency, a 1e309): on a state-changing route the
  // service must refuse them; a header probe alone would leave a valid request, so it is not used.
  if (rng.chance(0.3)) {
    const usable = mutating ? probeNames.filter((n) => n !== 'headers-abuse') : probeNames;
    for (let tries = 0; draft.defects.length === 0 && tries < 10; tries += 1) {
      const name = rng.pick(usable);
      if (PROBES[name](op, draft, rng)) draft.defects.push(name);
    }
    if (draft.defects.length > 0) return finish(op, draft, mutating);
  }
  // One sure defect for state-changing routes (more than one sometimes), probes on top.
  const wanted = 1 + (rng.chance(0.3) ? 1 : 0);
  for (let tries = 0; draft.defects.filter((x) => sureNames.includes(x)).length < wanted && tries < 30; tries += 1) {
    const name = rng.pick(sureNames);
    if (!draft.defects.includes(name) && SURE[name](op, draft, rng)) draft.defects.push(name);
  }
  draft.sure = draft.defects.length > 0;
  if (rng.chance(mutating ? 0.4 : 0.6)) {
    const name = rng.pick(probeNames);
    if (PROBES[name](op, draft, rng)) draft.defects.push(name);
  }
  return finish(op, draft, mutating && draft.sure);
}

function finish(op: Operation, draft: Draft, mustRefuse: boolean): MalformedRequest {
  const query = draft.query.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(v)}`).join('&');
  // Body defects on a route without a body still reach the JSON parser.
  if (draft.bodyText && !draft.headers['content-type']) draft.headers['content-type'] = 'application/json';
  const body = draft.bodyText ?? (draft.body !== undefined && !draft.defects.includes('body-missing') ? Buffer.from(JSON.stringify(draft.body)) : undefined);
  return {
    op: op.id,
    defects: draft.defects,
    method: op.method,
    path: `${fillPath(op, draft.params, draft.rawParams)}${query ? `?${query}` : ''}`,
    headers: draft.headers,
    body,
    mustRefuse,
  };
}
