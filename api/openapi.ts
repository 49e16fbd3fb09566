import type { RouteSpec } from './route';
import { ProblemSchema } from './schemas';

/**
 * OpenAPI 3.1 from the route declarations: the schemas in it are the very ones that validate
 * requests, so the document cannot drift from the behaviour.
 */
const clean = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));

export function openApiDocument(routes: RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(spec.params?.properties ?? {})) {
      parameters.push({ name, in: 'path', required: true, schema: clean(schema) });
    }
    for (const [name, schema] of Object.entries(spec.query?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: (spec.query?.required ?? []).includes(name), schema: clean(schema) });
    }
    if (spec.method === 'post' && spec.idempotent !== false) {
      parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, description: 'Replays the first response for the same key and body' });
    }
    if (spec.method === 'put') {
      parameters.push({ name: 'If-Match', in: 'header', required: true, schema: { type: 'string' }, description: 'ETag from the last GET' });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: clean(response.schema) } } } : {}),
      };
    }
    responses.default = { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    const access = spec.access;
    (paths[path] ??= {})[spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: `${spec.method}${path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      'x-access': access,
      ...(access === 'public' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: clean(spec.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trellis API',
      version,
      description: 'Multi-tenant partner ecosystems: onboarding, deal registration, order sync and payouts. Authenticate with `Authorization: Bearer <key>`.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key (trk_…) or the platform key' } },
      schemas: { Problem: clean(ProblemSchema) },
    },
    paths,
  };
}

/** A dependency-free page that renders the document for people. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trellis API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#1f6feb;color:#fff;padding:16px 32px}main{max-width:980px;margin:0 auto;padding:16px 32px}
h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:32px}
details{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:8px 12px}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}pre{background:#f6f8fa;padding:8px;overflow:auto}
.m{display:inline-block;width:64px;font-weight:600;text-transform:uppercase}.get{color:#0969da}.post{color:#1a7f37}.put{color:#9a6700}.delete{color:#cf222e}
.roles{color:#57606a;font-size:13px}
</style></head><body><header><h1>Trellis API</h1><div id="desc"></div><p><a style="color:#fff" href="/v1/openapi.json">/v1/openapi.json</a></p></header><main id="root">Loading…</main>
<script src="/v1/docs.js"></script></body></html>`;

/** The page's script, served on its own so the Content-Security-Policy needs no inline exception. */
export const DOCS_SCRIPT = `fetch('/v1/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('desc').textContent=doc.info.description;
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops))(byTag[op.tags[0]]??=[]).push({path,method,op});
  const root=document.getElementById('root');root.textContent='';
  const esc=s=>String(s).replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
  for(const [tag,ops] of Object.entries(byTag)){
    const h=document.createElement('h2');h.textContent=tag;root.appendChild(h);
    for(const {path,method,op} of ops){
      const d=document.createElement('details');
      const access=Array.isArray(op['x-access'])?op['x-access'].join(', '):op['x-access'];
      d.innerHTML='<summary><span class="m '+method+'">'+method+'</span><code>'+esc(path)+'</code> — '+esc(op.summary)+' <span class="roles">('+esc(access)+')</span></summary>'
        +(op.parameters?'<h4>Parameters</h4><pre>'+esc(JSON.stringify(op.parameters,null,2))+'</pre>':'')
        +(op.requestBody?'<h4>Body</h4><pre>'+esc(JSON.stringify(op.requestBody.content['application/json'].schema,null,2))+'</pre>':'')
        +'<h4>Responses</h4><pre>'+esc(JSON.stringify(op.responses,null,2))+'</pre>';
      root.appendChild(d);
    }
  }
});
`;
