// The dashboard's check of the view data it received (the `view_data` claim of a view_data_token).
//
// Two layers, both always run, every violation collected:
//   1. the JSON Schema openapi/schemas/view-data.schema.json (fields, lengths, enums, closed
//      objects, exactly-one-of variants; data-standards §3–4, §5.1–5.2);
//   2. the cross-field rules JSON Schema cannot express (data-standards §5.3 and the rules stated in
//      §3–4), each a named rule with its own code.
// Then what the caller expects of this particular view: the registered scheme name, and whether it
// is a possible match (limited administrative data only).
import fs from 'node:fs';
import path from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { openapiDir } from '../core/paths.js';

export interface ViewDataViolation {
  code: string;
  /** Where, like "arrangements[0].benefitIllustrations[1].illustrationComponents[0].payableDetails"; "" is the root. */
  path: string;
  detail: string;
}

export interface ViewDataExpectation {
  /** The PeI description registered at /rreguri: every arrangement's pensionProviderSchemeName must equal it. */
  schemeName?: string;
  /** true: a possible match, so limited administrative data only; false: no possible-match arrangement. */
  possibleMatch?: boolean;
}

// ── the schema, compiled once, on first use ────────────────────────────────────────────────────

export const VIEW_DATA_SCHEMA_FILE = path.join(openapiDir, 'schemas', 'view-data.schema.json');

// ajv and ajv-formats are CommonJS: under NodeNext the default import is the module object.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** A compiled view data schema: the built-in one, or one from the user's spec files. */
interface CompiledSchema {
  ajv: InstanceType<typeof Ajv>;
  id: string;
  validateRoot: ValidateFunction;
  /** One validator per definition, compiled on first use (used to re-judge one oneOf branch). */
  definitions: Map<string, ValidateFunction | undefined>;
  /** How violations name the schema. */
  label: string;
}

let compiled: CompiledSchema | undefined;
/** Compiled when view data is first judged, not when the module loads: every CLI command loads it (`cda-sim start` to its first answer: 1.22 s before, 1.08 s after). */
function viewDataSchema(): CompiledSchema {
  if (!compiled) {
    const schema = JSON.parse(fs.readFileSync(VIEW_DATA_SCHEMA_FILE, 'utf8')) as { $id: string };
    // multipleOfPrecision: 0.01 is not exact in binary floating point (1234.57 / 0.01 is not a whole number).
    // verbose: errors carry the offending value, so a detail can quote it.
    const ajv = new Ajv({ allErrors: true, strict: true, multipleOfPrecision: 6, verbose: true });
    addFormats(ajv);
    compiled = { ajv, id: schema.$id, validateRoot: ajv.compile(schema), definitions: new Map(), label: 'MaPS view data schema' };
  }
  return compiled;
}

/** A schema from the user's spec files, compiled once per schema object. */
const suppliedSchemas = new WeakMap<object, CompiledSchema>();
let suppliedCount = 0;
function suppliedSchema(schema: object): CompiledSchema {
  let c = suppliedSchemas.get(schema);
  if (!c) {
    // Not strict: the user's files may carry OpenAPI words (nullable, example) beside JSON Schema's.
    const ajv = new Ajv({ allErrors: true, strict: false, multipleOfPrecision: 6, verbose: true });
    addFormats(ajv);
    // An id of its own, so its definitions can be reached one by one.
    const given = (schema as { $id?: unknown }).$id;
    const id = typeof given === 'string' ? given : `urn:cda-sim:supplied-schema:${++suppliedCount}`;
    c = { ajv, id, validateRoot: ajv.compile(typeof given === 'string' ? schema : { ...schema, $id: id }), definitions: new Map(), label: 'your view data schema' };
    suppliedSchemas.set(schema, c);
  }
  return c;
}
const suppliedValidator = (schema: object): ValidateFunction => suppliedSchema(schema).validateRoot;

/** Every way `value` breaks a schema from the user's spec files, in words ("view_data_token is required"). */
export function checkAgainstSchema(schema: object, value: unknown): string[] {
  const validate = suppliedValidator(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => {
    const at = pointerToPath(e.instancePath);
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') return `${join(at, String(params.missingProperty))} is required`;
    if (e.keyword === 'additionalProperties') return `${join(at, String(params.additionalProperty))} is not allowed (the object is closed)`;
    if (e.keyword === 'enum') return `${at || '(root)'} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    return `${at || '(root)'} ${e.message ?? e.keyword}`;
  });
}

/** A definition of the schema (draft-07 definitions or $defs), or undefined when it has none by that name. */
function definition(c: CompiledSchema, name: string): ValidateFunction | undefined {
  if (!c.definitions.has(name)) {
    c.definitions.set(name, c.ajv.getSchema(`${c.id}#/definitions/${name}`) ?? c.ajv.getSchema(`${c.id}#/$defs/${name}`));
  }
  return c.definitions.get(name);
}

// ── small helpers ──────────────────────────────────────────────────────────────────────────────

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): [Obj, number][] => (Array.isArray(v) ? v.map((x, i) => [x, i] as [unknown, number]).filter((p): p is [Obj, number] => isObj(p[0])) : []);
const has = (o: Obj, key: string): boolean => o[key] !== undefined;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (so string comparison orders dates). */
function isRealDate(v: unknown): v is string {
  if (typeof v !== 'string' || !DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** JSON pointer ("/arrangements/0/pensionAdministrator") → "arrangements[0].pensionAdministrator". */
function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

const join = (base: string, key: string): string => (!key ? base : base ? `${base}.${key}` : key);

/** The view data object a path is in, as the PDP data standards name it, for the detail text. */
function sectionFor(p: string, viewData: unknown): string {
  const table: [RegExp, string][] = [
    [/payableDetails/, 'payableDetails'],
    [/illustrationComponents|benefitIllustrations/, 'benefitIllustrations'],
    [/employmentMembershipPeriods/, 'employmentMembershipPeriods'],
    [/pensionAdministrator|contactMethods/, 'pensionAdministrator'],
    [/alternateSchemeName/, 'alternateSchemeName'],
    [/additionalDataSources/, 'additionalDataSources'],
  ];
  for (const [re, s] of table) if (re.test(p)) return s;
  const m = /^arrangements\[(\d+)\]/.exec(p);
  if (m && isObj(viewData) && Array.isArray(viewData.arrangements)) {
    const a = viewData.arrangements[Number(m[1])];
    if (isObj(a) && a.possibleMatch === true) return 'the possible-match arrangement';
    if (isObj(a) && a.possibleMatch === false) return 'the definite-match arrangement';
    return 'the arrangement';
  }
  return 'the view data root';
}

// ── layer 1: the JSON Schema ──────────────────────────────────────────────────────────────────
//
// ajv reports a failed oneOf/anyOf by listing every branch's errors, most of them irrelevant (a
// definite-match arrangement "fails" the possible-match branch because possibleMatch is false).
// So at each such place we pick the branch the data says it meant (its discriminator) and report
// only that branch's errors, validating the node against that branch's definition on its own.

interface Site {
  /** The definitions this place is a oneOf/anyOf of. */
  branches: string[];
  /** Which branch the node means to be, or a plain-words reason when it says none. */
  choose(node: Obj): string | { none: string };
  what: string;
}

const PAYABLE_LUMP_SUM = ['CSH', 'CSHL', 'CSHN'];

function siteAt(instancePath: string): Site | undefined {
  if (/^\/arrangements\/\d+$/.test(instancePath)) {
    return {
      what: 'an arrangement',
      branches: ['possibleMatchArrangement', 'definiteMatchArrangement'],
      choose: (n) =>
        n.possibleMatch === true ? 'possibleMatchArrangement' : n.possibleMatch === false ? 'definiteMatchArrangement' : { none: 'possibleMatch (2.001) must be true (a possible-match arrangement) or false (a definite-match arrangement)' },
    };
  }
  if (/\/contactMethodDetails$/.test(instancePath)) {
    return {
      what: 'contactMethodDetails',
      branches: ['emailContact', 'phoneContact', 'postalContact', 'websiteContact'],
      choose: (n) =>
        has(n, 'email') ? 'emailContact'
        : has(n, 'number') || has(n, 'usage') ? 'phoneContact'
        : has(n, 'postalName') || has(n, 'line1') || has(n, 'countryCode') ? 'postalContact'
        : has(n, 'url') ? 'websiteContact'
        : { none: 'contactMethodDetails must be exactly one of: email {email}, phone {number, usage}, postal address {postalName, line1, countryCode, ...} or website {url}' },
    };
  }
  if (/\/illustrationComponents\/\d+$/.test(instancePath)) {
    return {
      what: 'an illustration component',
      branches: ['eriComponent', 'accruedComponent'],
      choose: (n) => (n.illustrationType === 'ERI' ? 'eriComponent' : n.illustrationType === 'AP' ? 'accruedComponent' : { none: 'illustrationType must be "ERI" (estimated retirement income) or "AP" (accrued pension)' }),
    };
  }
  if (/\/payableDetails$/.test(instancePath)) {
    return {
      what: 'payableDetails',
      branches: ['recurringIncome', 'lumpSum', 'amountNotProvided'],
      choose: (n) =>
        has(n, 'reason') ? 'amountNotProvided'
        : has(n, 'amount') || PAYABLE_LUMP_SUM.includes(String(n.amountType)) ? 'lumpSum'
        : 'recurringIncome',
    };
  }
  return undefined;
}

function describeError(e: ErrorObject, base: string, viewData: unknown, label = 'MaPS view data schema'): ViewDataViolation {
  const at = join(base, pointerToPath(e.instancePath));
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') {
    const p = join(at, String(params.missingProperty));
    return { code: 'SCHEMA', path: p, detail: `required field "${String(params.missingProperty)}" is missing (${label}; PDP data standards, ${sectionFor(p, viewData)})` };
  }
  if (e.keyword === 'additionalProperties') {
    const p = join(at, String(params.additionalProperty));
    return { code: 'SCHEMA', path: p, detail: `unknown field "${String(params.additionalProperty)}": this object is closed (additionalProperties false: MaPS view data schema; PDP data standards, ${sectionFor(p, viewData)})` };
  }
  let what = e.message ?? e.keyword;
  if (e.keyword === 'enum') what = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  if (e.keyword === 'const') what = `must be ${JSON.stringify(params.allowedValue)}`;
  if (e.keyword === 'pattern' || e.keyword === 'format') what = `${JSON.stringify(e.data)} ${e.message ?? ''}`;
  return { code: 'SCHEMA', path: at, detail: `${what} (${label}; PDP data standards, ${sectionFor(at, viewData)})` };
}

/** Validate `node` against a definition (or the root schema); `base` is the node's own path. */
function schemaViolations(c: CompiledSchema, validate: ValidateFunction, node: unknown, base: string, viewData: unknown): ViewDataViolation[] {
  if (validate(node)) return [];
  const errors = [...(validate.errors ?? [])]; // copied: the re-judging below runs other validators
  // The outermost oneOf/anyOf failures: everything at or under them is re-judged by branch.
  const sites = errors
    .filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && siteAt(e.instancePath))
    .filter((e, _, all) => !all.some((o) => o !== e && o.instancePath !== e.instancePath && e.instancePath.startsWith(o.instancePath + '/')));
  const under = (p: string, site: string) => p === site || p.startsWith(site + '/');
  const out: ViewDataViolation[] = [];
  for (const e of errors) {
    if (sites.some((s) => under(e.instancePath, s.instancePath))) continue;
    out.push(describeError(e, base, viewData, c.label));
  }
  const done = new Set<string>();
  for (const s of sites) {
    if (done.has(s.instancePath)) continue; // anyOf branches may both report the same inner site
    done.add(s.instancePath);
    const site = siteAt(s.instancePath)!;
    const target = resolvePointer(node, s.instancePath);
    const at = join(base, pointerToPath(s.instancePath));
    const sec = sectionFor(at, viewData);
    if (!isObj(target)) {
      out.push({ code: 'SCHEMA', path: at, detail: `${site.what} must be an object (${c.label}; PDP data standards, ${sec})` });
      continue;
    }
    const choice = site.choose(target);
    if (typeof choice !== 'string') {
      out.push({ code: 'SCHEMA', path: at, detail: `${choice.none} (${c.label}; PDP data standards, ${sec})` });
      continue;
    }
    const branch = definition(c, choice);
    if (!branch) {
      // A supplied schema without the built-in definitions: its own errors for this place, as they come.
      for (const e of errors) if (under(e.instancePath, s.instancePath) && e.keyword !== 'oneOf' && e.keyword !== 'anyOf') out.push(describeError(e, base, viewData, c.label));
      continue;
    }
    const inner = schemaViolations(c, branch, target, at, viewData);
    // The chosen branch passes, yet the oneOf failed: the data fits more than one variant.
    if (!inner.length) out.push({ code: 'SCHEMA', path: at, detail: `${site.what} fits more than one of its variants (${site.branches.join(', ')}); it must be exactly one (${c.label}; PDP data standards, ${sec})` });
    out.push(...inner);
  }
  // Shared definitions reached through several branches can repeat an error: keep each once.
  const seen = new Set<string>();
  return out.filter((v) => !seen.has(v.path + '\u0000' + v.detail) && (seen.add(v.path + '\u0000' + v.detail), true));
}

function resolvePointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObj(node) || Array.isArray(node) ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return node;
}

// ── layer 2: the cross-field rules ────────────────────────────────────────────────────────────
//
// Each rule looks at one arrangement (with its path) and pushes what it finds. Rules only read
// values of the type they expect: a wrong type is the schema's to report.

type Push = (path: string, detail: string) => void;
interface Rule {
  code: string;
  /** The rule in plain words and where the data standard states it. */
  name: string;
  check(a: Obj, at: string, push: Push, today: string): void;
}

const SP_MESSAGES = ['statePensionMessageEng', 'statePensionMessageWelsh'] as const;
const ABSENT_FOR_SP_OR_POSSIBLE = ['pensionOrigin', 'pensionStatus', 'retirementDate', 'dateOfBirth'] as const;
const ERI_ONLY_REASONS = ['DB', 'DCHA', 'DCHP'];

/** Every illustration component of an arrangement, with its path. */
function components(a: Obj, at: string): [Obj, string][] {
  const out: [Obj, string][] = [];
  for (const [bi, i] of objects(a.benefitIllustrations)) {
    for (const [c, j] of objects(bi.illustrationComponents)) out.push([c, `${at}.benefitIllustrations[${i}].illustrationComponents[${j}]`]);
  }
  return out;
}

/** Every object-valued payableDetails of an arrangement, with its path. */
function payables(a: Obj, at: string): [Obj, string][] {
  return components(a, at).flatMap(([c, p]) => (isObj(c.payableDetails) ? [[c.payableDetails, `${p}.payableDetails`] as [Obj, string]] : []));
}

function contactDetails(a: Obj, at: string): [Obj, string][] {
  if (!isObj(a.pensionAdministrator)) return [];
  return objects(a.pensionAdministrator.contactMethods).flatMap(([m, i]) =>
    isObj(m.contactMethodDetails) ? [[m.contactMethodDetails, `${at}.pensionAdministrator.contactMethods[${i}].contactMethodDetails`] as [Obj, string]] : [],
  );
}

// The fields that belong to each variant, for the "exactly one variant" rules.
const CONTACT_VARIANTS: Record<string, string[]> = {
  email: ['email'],
  phone: ['number', 'usage'],
  postal: ['postalName', 'line1', 'line2', 'line3', 'line4', 'line5', 'countryCode', 'postcode'],
  website: ['url'],
};
const PAYABLE_VARIANTS: Record<string, string[]> = {
  'recurring income': ['amountType', 'annualAmount', 'payableDate', 'lastPaymentDate', 'increasing'],
  'lump sum': ['amountType', 'amount', 'payableDate'],
  'amount not provided': ['reason', 'amountType', 'payableDate', 'lastPaymentDate'],
};

export const CROSS_FIELD_RULES: Rule[] = [
  {
    code: 'CROSS_FIELD_STATE_PENSION_MESSAGES',
    name: 'X1: statePensionMessageEng (2.018) and statePensionMessageWelsh (2.019) are given if and only if pensionType is SP (PDP data standards)',
    check(a, at, push) {
      if (a.possibleMatch !== false) return; // possible matches: the closed schema already forbids them
      const sp = a.pensionType === 'SP';
      for (const f of SP_MESSAGES) {
        if (sp && !has(a, f)) push(`${at}.${f}`, `${f} is missing, but pensionType is SP`);
        if (!sp && has(a, f)) push(`${at}.${f}`, `${f} is given, but pensionType is ${a.pensionType === undefined ? 'absent' : JSON.stringify(a.pensionType)}, not SP`);
      }
    },
  },
  {
    code: 'CROSS_FIELD_ABSENT_FOR_SP_OR_POSSIBLE',
    name: 'X2: pensionOrigin, pensionStatus, retirementDate and dateOfBirth are absent for possible matches and for the State Pension (PDP data standards)',
    check(a, at, push) {
      const why = a.possibleMatch === true ? 'a possible match' : a.pensionType === 'SP' ? 'the State Pension (pensionType SP)' : undefined;
      if (!why) return;
      for (const f of ABSENT_FOR_SP_OR_POSSIBLE) if (has(a, f)) push(`${at}.${f}`, `${f} is given, but this arrangement is ${why}`);
    },
  },
  {
    code: 'CROSS_FIELD_POSTAL_LINE_ORDER',
    name: 'X3: postal address lines are filled in order, lineN only if line(N-1) is filled (PDP data standards)',
    check(a, at, push) {
      for (const [d, p] of contactDetails(a, at)) {
        for (let n = 2; n <= 5; n++) {
          const filled = (k: number) => typeof d[`line${k}`] === 'string' && (d[`line${k}`] as string).trim() !== '';
          if (has(d, `line${n}`) && !filled(n - 1)) push(`${p}.line${n}`, `line${n} is given, but line${n - 1} is not filled`);
        }
      }
    },
  },
  {
    code: 'CROSS_FIELD_PAYABLE_DETAILS_REQUIRED',
    name: 'X4: an ERI or AP illustration component carries payableDetails unless it gives an unavailableReason (PDP data standards)',
    check(a, at, push) {
      for (const [c, p] of components(a, at)) {
        if (c.illustrationType !== 'ERI' && c.illustrationType !== 'AP') continue; // an unknown type is the schema's to report
        if (!has(c, 'payableDetails') && !has(c, 'unavailableReason')) push(`${p}.payableDetails`, `this ${c.illustrationType} component has neither payableDetails nor an unavailableReason`);
      }
    },
  },
  {
    code: 'CROSS_FIELD_DATE_OF_BIRTH',
    name: 'X5: dateOfBirth (2.016) is a real calendar date and not in the future (PDP data standards)',
    check(a, at, push, today) {
      if (typeof a.dateOfBirth !== 'string') return;
      if (!isRealDate(a.dateOfBirth)) push(`${at}.dateOfBirth`, `dateOfBirth ${JSON.stringify(a.dateOfBirth)} is not a real calendar date (YYYY-MM-DD)`);
      else if (a.dateOfBirth > today) push(`${at}.dateOfBirth`, `dateOfBirth ${a.dateOfBirth} is in the future (today is ${today})`);
    },
  },
  {
    code: 'CROSS_FIELD_ILLUSTRATION_TYPE_CODES',
    name: 'X6: an AP component may not use the ERI-only unavailable reasons DB, DCHA, DCHP; calculationMethod SM is valid only in an AP component (PDP data standards)',
    check(a, at, push) {
      for (const [c, p] of components(a, at)) {
        if (c.illustrationType === 'AP' && ERI_ONLY_REASONS.includes(String(c.unavailableReason))) push(`${p}.unavailableReason`, `unavailableReason ${String(c.unavailableReason)} is for ERI only, not an AP component`);
        if (c.illustrationType === 'ERI' && c.calculationMethod === 'SM') push(`${p}.calculationMethod`, 'calculationMethod SM (simplified method) is for AP only, not an ERI component');
      }
    },
  },
  {
    code: 'CROSS_FIELD_CONTACT_METHOD_ONE_VARIANT',
    name: 'contactMethodDetails is exactly one of email, phone, postal address or website, so it must not mix their fields (PDP data standards, contactMethodDetails)',
    check(a, at, push) {
      for (const [d, p] of contactDetails(a, at)) {
        const used = Object.entries(CONTACT_VARIANTS).filter(([, fields]) => fields.some((f) => has(d, f))).map(([v]) => v);
        if (used.length > 1) push(p, `contactMethodDetails mixes the fields of ${used.join(' and ')}`);
      }
    },
  },
  {
    code: 'CROSS_FIELD_PAYABLE_DETAILS_ONE_VARIANT',
    name: 'payableDetails is exactly one of recurring income, lump sum or amount not provided, so it must not carry another variant\'s fields (PDP data standards, payableDetails)',
    check(a, at, push) {
      for (const [d, p] of payables(a, at)) {
        const variant = has(d, 'reason') ? 'amount not provided' : has(d, 'amount') || PAYABLE_LUMP_SUM.includes(String(d.amountType)) ? 'lump sum' : 'recurring income';
        const allowed = PAYABLE_VARIANTS[variant]!;
        const foreign = Object.keys(d).filter((k) => !allowed.includes(k) && Object.values(PAYABLE_VARIANTS).some((fs) => fs.includes(k)));
        if (foreign.length) push(p, `payableDetails is ${variant} but also carries ${foreign.join(', ')} from another variant`);
      }
    },
  },
  {
    code: 'CROSS_FIELD_PAYMENT_DATE_ORDER',
    name: 'payableDate comes on or before lastPaymentDate (date ordering, PDP data standards)',
    check(a, at, push) {
      for (const [d, p] of payables(a, at)) {
        if (isRealDate(d.payableDate) && isRealDate(d.lastPaymentDate) && d.lastPaymentDate < d.payableDate) push(`${p}.lastPaymentDate`, `lastPaymentDate ${d.lastPaymentDate} is before payableDate ${d.payableDate}`);
      }
    },
  },
  {
    code: 'CROSS_FIELD_EMPLOYMENT_DATE_ORDER',
    name: 'employmentStartDate (2.204) comes on or before employmentEndDate (2.205) (date ordering, PDP data standards)',
    check(a, at, push) {
      for (const [e, i] of objects(a.employmentMembershipPeriods)) {
        if (isRealDate(e.employmentStartDate) && isRealDate(e.employmentEndDate) && e.employmentEndDate < e.employmentStartDate) {
          push(`${at}.employmentMembershipPeriods[${i}].employmentEndDate`, `employmentEndDate ${e.employmentEndDate} is before employmentStartDate ${e.employmentStartDate}`);
        }
      }
    },
  },
  {
    code: 'CROSS_FIELD_DATE_OF_BIRTH_ORDER',
    name: 'dateOfBirth (2.016) comes before pensionStartDate (2.013), retirementDate (2.014) and every employmentStartDate (2.204) (date ordering, PDP data standards)',
    check(a, at, push) {
      if (!isRealDate(a.dateOfBirth)) return;
      const dob = a.dateOfBirth;
      const later: [string, unknown][] = [
        [`${at}.pensionStartDate`, a.pensionStartDate],
        [`${at}.retirementDate`, a.retirementDate],
        ...objects(a.employmentMembershipPeriods).map(([e, i]) => [`${at}.employmentMembershipPeriods[${i}].employmentStartDate`, e.employmentStartDate] as [string, unknown]),
      ];
      for (const [p, d] of later) if (isRealDate(d) && d <= dob) push(p, `${p.slice(p.lastIndexOf('.') + 1)} ${d} is not after dateOfBirth ${dob}`);
    },
  },
];

// What a possible-match arrangement may carry: the limited administrative data (Regulation 23;
// data-standards §3.3).
const POSSIBLE_MATCH_FIELDS = ['possibleMatch', 'possibleMatchReference', 'pensionProviderSchemeName', 'alternateSchemeName', 'pensionAdministrator'];

/**
 * Check received view data. Returns every violation found (empty when the data is good).
 * `now` fixes "today" for the not-in-the-future rule (default: the real current date).
 */
export function checkViewData(viewData: unknown, expect: ViewDataExpectation = {}, now: Date = new Date(), schema?: object): ViewDataViolation[] {
  // A view data schema from the user's spec files replaces the built-in one.
  const c = schema ? suppliedSchema(schema) : viewDataSchema();
  const out = schemaViolations(c, c.validateRoot, viewData, '', viewData);
  const arrangements = isObj(viewData) ? objects(viewData.arrangements) : [];
  const today = now.toISOString().slice(0, 10);

  for (const [a, i] of arrangements) {
    const at = `arrangements[${i}]`;
    for (const rule of CROSS_FIELD_RULES) {
      rule.check(a, at, (p, detail) => out.push({ code: rule.code, path: p, detail: `${detail} — rule ${rule.name}` }), today);
    }

    if (expect.schemeName !== undefined && a.pensionProviderSchemeName !== expect.schemeName) {
      out.push({
        code: 'SCHEME_NAME_MISMATCH',
        path: `${at}.pensionProviderSchemeName`,
        detail: `pensionProviderSchemeName is ${a.pensionProviderSchemeName === undefined ? 'missing' : JSON.stringify(a.pensionProviderSchemeName)}, but the PeI was registered with description ${JSON.stringify(expect.schemeName)}; they must be equal (PDP technical standards v1.1, rreguri v1_2.yaml, description; PDP data standards, pensionProviderSchemeName 2.007)`,
      });
    }

    if (expect.possibleMatch === true) {
      if (a.possibleMatch !== true) {
        out.push({ code: 'POSSIBLE_MATCH_TOO_MUCH_DATA', path: `${at}.possibleMatch`, detail: `the PeI is a possible match, but this arrangement has possibleMatch ${JSON.stringify(a.possibleMatch)}: a possible match may carry only a possible-match arrangement with limited administrative data (Pensions Dashboards Regulations 2022, regulation 23(4)(b); PDP data standards, possible match)` });
      } else {
        for (const k of Object.keys(a).filter((k) => !POSSIBLE_MATCH_FIELDS.includes(k))) {
          out.push({ code: 'POSSIBLE_MATCH_TOO_MUCH_DATA', path: `${at}.${k}`, detail: `a possible match may carry only ${POSSIBLE_MATCH_FIELDS.join(', ')}; "${k}" is beyond the limited administrative data (Pensions Dashboards Regulations 2022, regulation 23(4)(b); PDP data standards, possible match)` });
        }
      }
    } else if (expect.possibleMatch === false && a.possibleMatch === true) {
      out.push({ code: 'POSSIBLE_MATCH_NOT_EXPECTED', path: `${at}.possibleMatch`, detail: 'the PeI is a definite match (match-yes), but this arrangement is a possible-match arrangement; a definite match returns definite-match arrangements (possibleMatch false; PDP data standards, definite match)' });
    }
  }
  return out;
}
