'use strict';
const ts = require('typescript');
const { repoPath } = require('./repo-path');

/**
 * trellis/no-float-money — money is integer minor units and decimal.js, never a JS float.
 *
 * Refuses:
 *  - `parseFloat(…)` / `Number.parseFloat(…)` anywhere (nothing in Trellis needs a float parse);
 *  - `.toFixed(…)` on a number outside TO_FIXED_ALLOWED (it rounds in binary floating point);
 *    with type information, `Decimal#toFixed` (the right way to print an amount) is let through;
 *  - `Number(…)`, `parseInt(…)` and unary `+` applied to an expression that names money
 *    (an identifier or property with a word from MONEY_WORDS, split on camelCase and `_`).
 */
const TO_FIXED_ALLOWED = new Map([
  ['bin/start.ts', 'prints the start-up time in seconds'],
  ['bench/measure.ts', 'formats latencies and throughput for the benchmark table'],
  ['scripts/local-stack.ts', 'logs how long the local stack took to start'],
  ['scripts/trials/api-kill.ts', 'prints trial durations in seconds'],
  ['test/support/global-setup.ts', 'logs how long the test stack took to start'],
]);
const MONEY_WORDS = new Set([
  'amount', 'amounts', 'price', 'prices', 'total', 'totals', 'subtotal', 'minor', 'cents',
  'commission', 'commissions', 'payout', 'payouts', 'fee', 'fees', 'balance', 'balances',
  'rate', 'rates', 'money', 'cost', 'costs', 'discount', 'revenue', 'owed', 'paid',
]);
// 'rate' followed by one of these is about request rates, not money (rateLimit, RATE_LIMITED).
const NOT_MONEY_AFTER_RATE = new Set(['limit', 'limits', 'limited', 'limiter']);

function words(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

function namesMoney(name) {
  const w = words(name);
  return w.some((word, i) => MONEY_WORDS.has(word) && !(word.startsWith('rate') && NOT_MONEY_AFTER_RATE.has(w[i + 1])));
}

/** The first identifier or property name in `node`'s subtree that names money. */
function moneyName(node) {
  if (!node || typeof node.type !== 'string') return undefined;
  if (node.type === 'Identifier') return namesMoney(node.name) ? node.name : undefined;
  if (node.type === 'Literal' || node.type === 'TemplateElement') return undefined; // strings are data
  for (const key of Object.keys(node)) {
    if (key === 'parent' || key === 'typeAnnotation') continue;
    const child = node[key];
    for (const c of Array.isArray(child) ? child : [child]) {
      const found = c && typeof c === 'object' ? moneyName(c) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** `parseFloat`, `Number.parseFloat`, `globalThis.parseFloat` → 'parseFloat'. */
function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
    const owner = callee.object.type === 'Identifier' ? callee.object.name : undefined;
    if (owner === 'Number' || owner === 'globalThis' || owner === 'window') return callee.property.name;
  }
  return undefined;
}

/** Without type information every receiver counts; with it, only numbers (not Decimal). */
function mayBeNumber(context, node) {
  const services = context.sourceCode.parserServices;
  if (!services || !services.program || !services.esTreeNodeToTSNodeMap) return true;
  const type = services.program.getTypeChecker().getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => t.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.Any | ts.TypeFlags.Unknown));
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'No float arithmetic or parsing on money (parseFloat, toFixed, Number() on amounts)' },
    schema: [],
    messages: {
      parseFloat: 'parseFloat reads a float: parse amounts with toMinor() (domain/money.ts) or decimal.js.',
      toFixed: 'Number#toFixed rounds a binary float: format amounts with fromMinor() or Decimal#toFixed.',
      moneyToNumber: "{{how}} on '{{name}}' turns money into a float: keep integer minor units and use decimal.js (domain/money.ts).",
    },
  },
  create(context) {
    const toFixedAllowed = TO_FIXED_ALLOWED.has(repoPath(context));

    function checkConversion(node, arg, how) {
      const name = moneyName(arg);
      if (name) context.report({ node, messageId: 'moneyToNumber', data: { how, name } });
    }

    return {
      'CallExpression, NewExpression'(node) {
        const name = calleeName(node.callee);
        if (name === 'parseFloat') return context.report({ node, messageId: 'parseFloat' });
        if (name === 'Number' || name === 'parseInt') return checkConversion(node, node.arguments[0], `${name}()`);
        const callee = node.callee;
        if (node.type === 'CallExpression' && callee.type === 'MemberExpression' && !callee.computed &&
            callee.property.type === 'Identifier' && callee.property.name === 'toFixed' &&
            !toFixedAllowed && mayBeNumber(context, callee.object)) {
          context.report({ node, messageId: 'toFixed' });
        }
      },
      UnaryExpression(node) {
        if (node.operator === '+') checkConversion(node, node.argument, 'unary +');
      },
    };
  },
};
