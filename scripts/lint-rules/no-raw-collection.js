'use strict';
const { repoPath } = require('./repo-path');

/**
 * trellis/no-raw-collection — the raw MongoDB driver bypasses the tenant-scope plugin, so a query
 * through it can read or write every tenant. Refused outside ALLOWED (each entry says why):
 *  - `.collection` on anything (`XModel.collection`, `db.collection('x')`), except reading
 *    `.collection.collectionName` / `.collection.name` (metadata, no data);
 *  - `.collections` on a connection (`mongoose.connection.collections`) or called (`db.collections()`);
 *  - `.db` on a connection (`mongoose.connection.db`, `conn.db`) and `client.db(…)` calls;
 *  - `.getClient()` (the driver's MongoClient behind mongoose);
 *  - importing the `mongodb` driver itself.
 */
const ALLOWED = new Map([
  ['api/routes/ops.ts', 'readiness probe pings the server (admin ping), reads no tenant data'],
  ['bench/run.ts', 'measures the raw driver as the floor that tenant scoping is compared with'],
  ['bench/payout-run.ts', 'seeds 100,000 deals in bulk as set-up, and measures the raw driver\'s bulk read and write as the payout run\'s floor'],
  ['bench/supply-ingest.ts', 'the floor and the naive pipeline write figures straight to the store, into their own collections'],
  ['scripts/local-stack.ts', 'pings the local FerretDB before any model exists'],
  ['test/integration/offboarding-and-reaper.test.ts', 'backdates createdAt, which mongoose timestamps would overwrite'],
  ['test/integration/tier-review-reaper.test.ts', 'backdates createdAt, which mongoose timestamps would overwrite'],
  ['test/integration/tenant-scope-refusals.test.ts', 'watches the driver\'s command monitor to prove a refused query never reached the store'],
]);
const METADATA = new Set(['collectionName', 'name']);
const CONNECTION_NAMES = new Set(['connection', 'conn']);

function propertyName(member) {
  if (member.computed) return member.property.type === 'Literal' ? String(member.property.value) : undefined;
  return member.property.type === 'Identifier' ? member.property.name : undefined;
}

/** `connection`, `conn`, `mongoose.connection`, `this.connection`… */
function isConnection(node) {
  if (node.type === 'TSNonNullExpression') return isConnection(node.expression);
  if (node.type === 'Identifier') return CONNECTION_NAMES.has(node.name);
  return node.type === 'MemberExpression' && CONNECTION_NAMES.has(propertyName(node));
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'No raw MongoDB driver access outside an audited allow-list' },
    schema: [],
    messages: {
      raw: "'{{what}}' is raw driver access and bypasses the tenant-scope plugin: go through a model or repository (or add this file, with a reason, to the allow-list in scripts/lint-rules/no-raw-collection.js).",
    },
  },
  create(context) {
    if (ALLOWED.has(repoPath(context))) return {};
    const report = (node, what) => context.report({ node, messageId: 'raw', data: { what } });

    function checkSource(node) {
      if (node.source && node.source.value === 'mongodb') report(node, "import 'mongodb'");
    }

    return {
      MemberExpression(node) {
        const name = propertyName(node);
        const parent = node.parent;
        const called = parent.type === 'CallExpression' && parent.callee === node;
        if (name === 'collection') {
          const readsMetadata = parent.type === 'MemberExpression' && parent.object === node && METADATA.has(propertyName(parent));
          if (!readsMetadata) report(node, '.collection');
        } else if (name === 'collections') {
          // Only on a connection or db: an export file's `body.collections` is plain data.
          if (called || isConnection(node.object)) report(node, '.collections');
        } else if (name === 'db') {
          if (called || isConnection(node.object)) report(node, called ? '.db()' : '.connection.db');
        } else if (name === 'getClient') {
          report(node, '.getClient()');
        }
      },
      ImportDeclaration: checkSource,
      ImportExpression: checkSource,
    };
  },
};
