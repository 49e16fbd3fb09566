/**
 * `npm run console:build`: builds the web console as the API would at start and writes it to
 * dist/console (git-ignored) — to check the bundle, measure it, or serve it from a CDN.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildConsole } from '../api/console/build';

async function main(): Promise<void> {
  const out = path.resolve(__dirname, '../dist/console');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'assets'), { recursive: true });
  const bundle = await buildConsole();
  fs.writeFileSync(path.join(out, 'index.html'), bundle.index.body);
  for (const [name, file] of bundle.assets) {
    fs.writeFileSync(path.join(out, 'assets', name), file.body);
    console.log(`${name.padEnd(28)} ${String(file.body.length).padStart(8)} B, ${String(file.br.length).padStart(7)} B brotli`);
  }
  console.log(`written to ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
