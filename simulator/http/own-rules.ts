// cda-sim's own rules: the constraints where cda-sim is stricter than the official documents. Each
// is tagged where it lives, in the OpenAPI document, as `x-cda-sim-own-rule: {<keyword>: <why>}` on
// the schema that holds the keyword. `--strict` (the default) enforces them as errors whose detail
// says so; `--strict=false` validates with a copy of the document that lacks them (so a request that
// breaks any other rule is still refused) and records each own-rule violation as a warning.
import type { ErrorObject } from 'ajv';

export const OWN_RULE_KEY = 'x-cda-sim-own-rule';

/** One own rule as a document tags it. */
export interface OwnRule {
  /** JSON pointer to the schema holding the keyword, e.g. /components/schemas/PeiRegistration. */
  pointer: string;
  /** The JSON Schema keyword it constrains (maxLength, additionalProperties, format…). */
  keyword: string;
  /** Why cda-sim is stricter than the official document. */
  why: string;
}

/** An own-rule violation: refused with --strict, a warning without. */
export interface OwnRuleWarning {
  code: string;
  field?: string;
  detail: string;
}

type Node = Record<string, unknown>;
const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null;

function tagOf(schema: unknown): Record<string, string> | undefined {
  const tag = isNode(schema) ? schema[OWN_RULE_KEY] : undefined;
  return isNode(tag) && !Array.isArray(tag) ? (tag as Record<string, string>) : undefined;
}

/** Every own rule a document tags, in document order. */
export function listOwnRules(document: unknown): OwnRule[] {
  const out: OwnRule[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown, pointer: string) => {
    if (!isNode(node) || seen.has(node)) return;
    seen.add(node);
    for (const [keyword, why] of Object.entries(tagOf(node) ?? {})) out.push({ pointer, keyword, why: String(why) });
    for (const [k, v] of Object.entries(node)) if (k !== OWN_RULE_KEY) walk(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(document, '');
  return out;
}

/** A copy of the document without its own rules: the keywords each tag names are removed. */
export function withoutOwnRules<T>(document: T): T {
  const copy = structuredClone(document);
  const walk = (node: unknown) => {
    if (!isNode(node)) return;
    for (const keyword of Object.keys(tagOf(node) ?? {})) delete node[keyword];
    for (const v of Object.values(node)) walk(v);
  };
  walk(copy);
  return copy;
}

/** The why of the own rule an ajv error broke (needs ajv's `verbose`, which gives the error its parentSchema). */
export function ownRuleOf(error: ErrorObject): string | undefined {
  return tagOf(error.parentSchema)?.[error.keyword];
}

/**
 * What became of a request that broke an own rule, which the note's words follow: refused under
 * --strict, accepted with a warning without it, or refused whole for a rule of the official document
 * it broke as well.
 */
export type OwnRuleOutcome = 'refused' | 'accepted' | 'refused-whole';

const OUTCOME_WORDS: Record<OwnRuleOutcome, string> = {
  refused: '--strict=false accepts it with a warning',
  accepted: 'accepted (--strict=false), PDP may answer differently',
  'refused-whole': '--strict=false accepts it alone, but this request also breaks a rule of the official document, so it is refused whole',
};

/** The words an own-rule violation carries once its request's outcome is known. */
export function ownRuleNote(why: string, outcome: OwnRuleOutcome): string {
  return `cda-sim's own rule, stricter than the official document: ${why}; ${OUTCOME_WORDS[outcome]}`;
}

/** Violations as answered or recorded: each own rule's violation ends with its note, in the words of the outcome. */
export function withOwnRuleNotes<V extends { detail?: string; ownRule?: string }>(violations: V[], outcome: OwnRuleOutcome): V[] {
  return violations.map((v) => (v.ownRule && v.detail !== undefined ? { ...v, detail: `${v.detail} (${ownRuleNote(v.ownRule, outcome)})` } : v));
}
