// Types for the CommonJS plugin in index.js, so TypeScript tests can import it.
import type { ESLint, Rule } from 'eslint';

declare const plugin: ESLint.Plugin & { rules: Record<'model-access' | 'no-float-money' | 'no-raw-collection', Rule.RuleModule> };
export = plugin;
