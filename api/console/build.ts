import path from 'node:path';
import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Builds the web console (console/, Preact + htm, chart.js) with esbuild into memory: one
 * minified script and one stylesheet, named by their content hash so browsers may cache them for
 * good, each also compressed (brotli, gzip) once here rather than on every request.
 */
export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
  br: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface ConsoleBundle {
  /** The page: loads the two hashed assets, nothing inline (the CSP allows no inline script or style). */
  index: ConsoleAsset;
  /** By file name under /console/assets/. */
  assets: Map<string, ConsoleAsset>;
}

export const CONSOLE_SOURCE = path.resolve(__dirname, '../../console');

function asset(contentType: string, body: Buffer): ConsoleAsset {
  return {
    contentType,
    body,
    br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }),
    gzip: gzipSync(body, { level: 9 }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: [path.join(CONSOLE_SOURCE, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome120', 'firefox120', 'safari17'],
    entryNames: 'app-[hash]',
    // Code loaded on demand (the dashboards and chart.js) goes to its own hashed chunks.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    outdir: '/console-assets',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
  });
  const assets = new Map<string, ConsoleAsset>();
  let script = '';
  let style = '';
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    const ext = path.extname(name);
    assets.set(name, asset(TYPES[ext] ?? 'application/octet-stream', Buffer.from(file.contents)));
    if (ext === '.js' && name.startsWith('app-')) script = name;
    if (ext === '.css' && name.startsWith('app-')) style = name;
  }
  // The chunks the entry imports statically are announced up front, so they download alongside
  // it instead of after it has been parsed.
  const entryOutput = Object.entries(result.metafile.outputs).find(([file]) => path.basename(file) === script)?.[1];
  const preloads = (entryOutput?.imports ?? []).filter((i) => i.kind === 'import-statement').map((i) => path.basename(i.path));
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Trellis console</title>',
    style ? `<link rel="stylesheet" href="/console/assets/${style}">` : '',
    ...preloads.map((name) => `<link rel="modulepreload" href="/console/assets/${name}">`),
    `<script type="module" src="/console/assets/${script}"></script>`,
    '</head>',
    '<body><div id="app"><main class="boot" aria-busy="true"><p>Loading the console…</p></main></div></body>',
    '</html>',
  ].join('\n');
  return { index: asset('text/html; charset=utf-8', Buffer.from(html)), assets };
}
