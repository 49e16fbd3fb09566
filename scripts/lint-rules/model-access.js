'use strict';
const ts = require('typescript');
const { repoPath, resolveImport } = require('./repo-path');

/**
 * trellis/model-access — each area's data is reached only by that area's use cases.
 *
 * A *value* import from `models/` (anything that is not erased: `import type`, `import { type X }`
 * and, when type information is available, names that only denote types are erased) is allowed:
 *  - in `models/**` (models and repositories build on each other), `areas/**` (manifests list
 *    their area's models), `test/**` and `bench/**` (they seed and measure the store itself);
 *  - in `services/<area>/**` and `activities/<area>/**`, from `models/<area>/**` of the SAME area,
 *    and from the shared model infrastructure (files at the root of `models/` other than the
 *    barrel, and `models/plugins/`: `repository()`, `tenantModel()`, indexes, the tenant plugin);
 *  - in any service or activity, for the platform-level models that are not tenant-owned
 *    (PLATFORM_MODELS below: the only models not built with `tenantModel()`).
 * Everywhere else (api/, workflows/, workers/, domain/, platform/, scripts/, …) only types.
 * The barrel `models/index.ts` re-exports every area, so only the first group may value-import it.
 * Files at the root of `services/` or `activities/` (e.g. `services/outbox.ts`) belong to no
 * area, so they get the shared infrastructure and platform models only: code that needs an
 * area's data belongs in that area's folder.
 *
 * Inside services and activities, a value import of a `…Model` (other than PLATFORM_MODELS) is
 * refused even from the own area: use cases reach the store through the tenant-bound
 * repositories declared in `models/<area>/repository.ts` (or `…-repository.ts`).
 */
const PLATFORM_MODELS = new Set(['TenantModel', 'PlatformSecretModel']);
const FREE_LAYERS = new Set(['models', 'areas', 'test', 'bench']);
const USE_CASE_LAYERS = new Set(['services', 'activities']);
const SHARED_MODEL_DIRS = new Set(['plugins']);
const MODEL_NAME = /^[A-Z]\w*Model$/;

/** 'barrel' | 'shared' | { area } for a repository path under models/, else undefined. */
function modelTarget(target) {
  if (target === undefined || (target !== 'models' && !target.startsWith('models/'))) return undefined;
  const parts = target.split('/');
  if (parts.length === 1) return 'barrel';
  if (parts.length === 2 || SHARED_MODEL_DIRS.has(parts[1])) return 'shared';
  return { area: parts[1] };
}

/** With type information, a plain `import { X }` of an interface or type alias is erased too. */
function denotesOnlyType(context, identifier) {
  const services = context.sourceCode.parserServices;
  if (!services || !services.program || !services.esTreeNodeToTSNodeMap) return false;
  const checker = services.program.getTypeChecker();
  let symbol = checker.getSymbolAtLocation(services.esTreeNodeToTSNodeMap.get(identifier));
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return Boolean(symbol) && (symbol.flags & ts.SymbolFlags.Value) === 0 && symbol.declarations !== undefined;
}

/** The names a declaration loads at run time; `['*']` when it takes the whole module. */
function valueNames(context, node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return [];
  if (node.type === 'ExportAllDeclaration' || node.type === 'ImportExpression') return ['*'];
  if (node.type === 'ImportDeclaration' && node.specifiers.length === 0) return ['*']; // side-effect import
  const names = [];
  for (const spec of node.specifiers) {
    if (spec.importKind === 'type' || spec.exportKind === 'type') continue;
    if (spec.type !== 'ImportSpecifier' && spec.type !== 'ExportSpecifier') {
      names.push('*'); // namespace or default import: the whole module
      continue;
    }
    if (denotesOnlyType(context, spec.local)) continue;
    const imported = spec.type === 'ImportSpecifier' ? spec.imported : spec.local;
    names.push(imported.name ?? imported.value);
  }
  return names;
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: "Value imports from models/ only in the model's own area's services and activities" },
    schema: [],
    messages: {
      typeOnly: "'{{source}}' is a model module: outside models/, services/, activities/, areas/, test/ and bench/ only `import type` from it is allowed (call a use case instead).",
      otherArea: "'{{source}}' belongs to the '{{area}}' area: only services/{{area}}/ and activities/{{area}}/ may load it (call that area's use case instead).",
      barrel: "'{{source}}' re-exports every area's models: import from the model's own file in your area.",
      modelInUseCase: "'{{name}}' is a tenant-owned model: use cases reach the store through the area's tenant-bound repository (models/<area>/repository.ts), not the model.",
    },
  },
  create(context) {
    const file = repoPath(context).split('/');
    const layer = file[0];
    const ownArea = file.length >= 3 ? file[1] : undefined; // services/<area>/x.ts

    function check(node, sourceNode) {
      if (!sourceNode || typeof sourceNode.value !== 'string') return;
      const source = sourceNode.value;
      const target = modelTarget(resolveImport(context, source));
      if (target === undefined || FREE_LAYERS.has(layer)) return;
      const names = valueNames(context, node);
      if (names.length === 0) return;
      if (!USE_CASE_LAYERS.has(layer)) return context.report({ node, messageId: 'typeOnly', data: { source } });
      if (target === 'barrel') return context.report({ node, messageId: 'barrel', data: { source } });
      const onlyPlatform = names.every((name) => PLATFORM_MODELS.has(name));
      if (target !== 'shared' && target.area !== ownArea && !onlyPlatform) {
        return context.report({ node, messageId: 'otherArea', data: { source, area: target.area } });
      }
      for (const name of names) {
        const wholeAreaModule = name === '*' && target !== 'shared';
        if (wholeAreaModule || (MODEL_NAME.test(name) && !PLATFORM_MODELS.has(name))) {
          context.report({ node, messageId: 'modelInUseCase', data: { name: name === '*' ? source : name } });
        }
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};
