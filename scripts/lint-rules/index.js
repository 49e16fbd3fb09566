'use strict';

/**
 * Trellis's own ESLint rules (the `trellis/` prefix in eslint.config.mjs): the house rules that
 * no published rule knows — each area's data stays in its area, money never becomes a float, and
 * nothing goes around the tenant-scope plugin.
 */
module.exports = {
  meta: { name: 'trellis' },
  rules: {
    'model-access': require('./model-access'),
    'no-float-money': require('./no-float-money'),
    'no-raw-collection': require('./no-raw-collection'),
  },
};
