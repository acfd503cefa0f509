// The fields each step and check of a scenario file takes, so a file is checked when it loads:
// a misspelt field, a missing one or a wrong type is named with its test case and position, instead
// of surfacing as an error halfway through a run. Keep in step with the types in types.ts,
// stage-actions.ts and system-*.ts (tests/scenario-vocabulary.test.ts loads every shipped file).
import { FIRST_LEGS } from '../dashboard/dashboard-driver.js';
import { FIND_VARIANTS, findVariantProblems } from '../pfs/find-request.js';
import { DRIVER_FAULTS } from '../pfs/driver-faults.js';
import { FIND_TOKENS, TOKEN_FLAWS } from '../pfs/token-flaws.js';
import { INTROSPECTION_FIXTURES, validateFaultRule } from '../faults/registry.js';
import { UPDATE_ACTIONS } from './update-file.js';
import { CLIENT_CERT_CHOICES } from './types.js';

/** A field's rule: a type (a trailing ? makes it optional), or the list of allowed values. */
type Rule = 'string' | 'string?' | 'number' | 'number?' | 'boolean?' | 'number[]' | 'updates' | { oneOf: readonly (string | number)[]; optional?: boolean };

interface Shape {
  fields: Record<string, Rule>;
  /** Exactly one of these fields must be given. */
  exactlyOne?: string[];
  /** Rules across fields, owned elsewhere; asked only once every field has the right type. */
  rules?: (item: Record<string, unknown>) => string[];
}

const optional = (oneOf: readonly (string | number)[]) => ({ oneOf, optional: true });
const RETRY_ENDPOINTS = ['token', 'rreguri-post', 'rreguri-patch', 'rreguri-delete'] as const;
const cause: Shape['exactlyOne'] = ['find', 'update'];

export const STEP_SHAPES: Record<string, Shape> = {
  find: {
    fields: { user: 'string', as: 'string', variant: optional(FIND_VARIANTS), token: optional(FIND_TOKENS), flaw: optional(TOKEN_FLAWS), claim: 'string?' },
    // A named variant, or one flaw of one token: which token can have which flaw is token-flaws.ts's rule.
    rules: findVariantProblems,
  },
  'await-matching': { fields: { find: 'string' } },
  view: {
    fields: { find: 'string', record: 'number?', as: 'string', rptFrom: 'string?', firstLeg: optional(Object.keys(FIRST_LEGS)) },
    rules: (step) => (step.rptFrom !== undefined && step.firstLeg !== undefined ? ['"firstLeg" is for the full dance; a view presenting "rptFrom" has no first leg'] : []),
  },
  'introspection-fault': { fields: { user: 'string', fixture: optional(INTROSPECTION_FIXTURES), status: 'number?' } },
  'view-unknown-asset': { fields: { user: 'string', as: 'string' } },
  'view-pei': { fields: { user: 'string', record: 'number?', as: 'string' } },
  'await-updates': { fields: {} },
  fault: {
    fields: { endpoint: 'string', status: 'number?', fixture: optional(INTROSPECTION_FIXTURES), delayMs: 'number?', count: 'number?', forMs: 'number?', user: 'string?', retryAfterSeconds: 'number?', code: 'string?' },
    // The rest of the step is a fault rule: the fault registry's own validation judges it (forMs
    // becomes the rule's `until`, and `user` a test user id, when the step runs).
    rules: ({ do: _do, forMs: _forMs, ...rule }) => validateFaultRule(rule, Date.now()).map((v) => `"${v.field}" ${v.detail}`),
  },
  'clear-faults': { fields: {} },
  'await-settled': { fields: { find: 'string', quietMs: 'number?' } },
  'driver-fault': { fields: { fault: { oneOf: DRIVER_FAULTS }, user: 'string', as: 'string', delayMs: 'number?', count: 'number?' } },
  'tls-probe': { fields: { target: { oneOf: ['find', 'view', 'ca'] }, cert: { oneOf: CLIENT_CERT_CHOICES }, as: 'string', user: 'string?' } },
  update: { fields: { updates: 'updates' } },
};

export const CHECK_SHAPES: Record<string, Shape> = {
  'find-acknowledged': { fields: { find: 'string' } },
  'find-refused': { fields: { find: 'string' } },
  'pat-obtained': { fields: { find: 'string' } },
  'registered-as-expected': { fields: { find: 'string' } },
  'no-registration': { fields: { find: 'string' } },
  'no-ca-call': { fields: { find: 'string' } },
  'view-challenged': { fields: { view: 'string' } },
  'rpt-issued': { fields: { view: 'string' } },
  'view-introspected': { fields: { view: 'string' } },
  'view-data-valid': { fields: { view: 'string' } },
  'no-view-data': { fields: { view: 'string' } },
  'no-unexpected-calls': { fields: {} },
  'fresh-request-ids': { fields: {} },
  'no-duplicate-pei': { fields: { find: 'string' } },
  'view-refused': { fields: { view: 'string', statuses: 'number[]', introspected: 'boolean?' } },
  'view-not-found': { fields: { view: 'string' } },
  'slow-views-reportable': { fields: {} },
  'update-applied': { fields: { user: 'string' } },
  'nothing-else-changed': { fields: {} },
  'pei-gone': { fields: { user: 'string', view: 'string' } },
  retried: { fields: { endpoint: { oneOf: RETRY_ENDPOINTS }, status: 'number', maxAttempts: 'number?', minGapMs: 'number?', find: 'string?', update: 'string?' }, exactlyOne: cause },
  stopped: { fields: { endpoint: { oneOf: RETRY_ENDPOINTS }, status: 'number', find: 'string?', update: 'string?' }, exactlyOne: cause },
  'refusal-handled': { fields: { endpoint: { oneOf: RETRY_ENDPOINTS }, status: 'number', find: 'string?', update: 'string?' }, exactlyOne: cause },
  'no-registration-without-pat': { fields: { find: 'string', maxAttempts: 'number?' } },
  'no-data-on-ca-failure': { fields: { view: 'string', endpoint: { oneOf: ['perm', 'introspect'] } } },
  'mtls-refused': { fields: { probe: 'string' } },
  'registered-once': { fields: { find: 'string' } },
};

function fieldProblem(value: unknown, rule: Rule): string | undefined {
  if (typeof rule === 'object') {
    if (value === undefined) return rule.optional ? undefined : `is required (one of: ${rule.oneOf.join(', ')})`;
    return rule.oneOf.includes(value as string | number) ? undefined : `must be one of: ${rule.oneOf.join(', ')}, not ${JSON.stringify(value)}`;
  }
  const isOptional = rule.endsWith('?');
  if (value === undefined) return isOptional ? undefined : 'is required';
  switch (rule.replace('?', '')) {
    case 'string':
      return typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'number[]':
      return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number') ? undefined : 'must be a non-empty list of numbers';
    case 'updates': {
      if (!Array.isArray(value) || value.length === 0) return 'must be a non-empty list of {user, action, as}';
      for (const [i, u] of value.entries()) {
        const o = u as Record<string, unknown>;
        if (typeof o?.user !== 'string' || typeof o?.as !== 'string') return `[${i}] needs "user" and "as" (strings)`;
        if (!UPDATE_ACTIONS.includes(o.action as (typeof UPDATE_ACTIONS)[number])) return `[${i}].action must be one of: ${UPDATE_ACTIONS.join(', ')}`;
        const extra = Object.keys(o).filter((k) => !['user', 'action', 'as'].includes(k));
        if (extra.length) return `[${i}] has unknown field(s): ${extra.join(', ')}`;
      }
      return undefined;
    }
  }
  return `has an unknown rule ${String(rule)}`;
}

/** Every problem with one step or check, each naming its field and the rule broken. */
export function shapeProblems(item: Record<string, unknown>, kindField: 'do' | 'check', shape: Shape): string[] {
  const problems: string[] = [];
  for (const [field, rule] of Object.entries(shape.fields)) {
    const p = fieldProblem(item[field], rule);
    if (p) problems.push(`"${field}" ${p}`);
  }
  for (const field of Object.keys(item)) {
    if (field !== kindField && !(field in shape.fields)) problems.push(`"${field}" is not a field of "${String(item[kindField])}"; its fields: ${Object.keys(shape.fields).join(', ') || 'none'}`);
  }
  if (problems.length === 0 && shape.rules) problems.push(...shape.rules(item));
  if (shape.exactlyOne) {
    const given = shape.exactlyOne.filter((f) => item[f] !== undefined);
    if (given.length !== 1) problems.push(`give exactly one of ${shape.exactlyOne.map((f) => `"${f}"`).join(' or ')}${given.length ? `, not ${given.length}` : ''}`);
  }
  return problems;
}
