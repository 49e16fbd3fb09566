'use strict';
const path = require('node:path');

/**
 * The linted file's path relative to the directory ESLint runs in (the repository root for
 * `npm run lint`), with forward slashes, so rules can match layers such as `services/deals/…`.
 */
function repoPath(context) {
  return path.relative(context.cwd, context.filename).split(path.sep).join('/');
}

/** Where a relative import points, as a repository path without extension or trailing `/index`. */
function resolveImport(context, source) {
  if (!source.startsWith('.')) return undefined;
  const target = path.relative(context.cwd, path.resolve(path.dirname(context.filename), source));
  return target.split(path.sep).join('/').replace(/\.(ts|js|mjs|cjs)$/, '').replace(/\/index$/, '');
}

module.exports = { repoPath, resolveImport };
