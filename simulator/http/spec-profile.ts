// The spec profile: which OpenAPI documents route and validate a run. Built in: cda-sim's own
// reconstructed documents (openapi/). With --spec-dir: the user's files (for example the official
// ones from PDP's download), matched to the operations cda-sim plays by method and path template
// (or, for the provider's find and view endpoints, whose paths the provider chooses, by what the
// operation carries), never by file name. A supplied operation replaces the built-in one; the
// built-in ones the user did not supply stay. Whatever cannot be honoured is listed with why.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { openapiDir } from '../core/paths.js';

export const BUILT_IN_PROFILE = 'pdp-v2.0-reconstructed';

/** Which of the CDA's APIs an operation or schema belongs to. */
export type SpecApi = 'ca' | 'reporting' | 'find' | 'view' | 'view-data' | 'find-data';

export interface SpecFileInfo {
  /** The file name inside the spec folder. */
  file: string;
  title?: string;
  version?: string;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
}

export interface NotHonoured {
  file: string;
  /** The operation ("GET /peis/{id}"), schema or place in the file. */
  where: string;
  reason: string;
}

/** One operation or schema taken from the user's files. */
export interface Supplied {
  api: SpecApi;
  /** "POST /rreguri" as cda-sim plays it, or the schema's name. */
  what: string;
  file: string;
}

/** The provider's find endpoint as the profile describes it. */
export interface FindContract {
  /** The 2xx statuses that acknowledge a valid find. */
  ackStatuses: number[];
  source: string;
}

/** The provider's view endpoint as the profile describes it. */
export interface ViewContract {
  /** The status that carries view data, with the JSON Schema of its body (undefined: {view_data_token} as built in). */
  okStatus: number;
  okBodySchema?: object;
  source: string;
}

export interface SpecProfile {
  /** 'pdp-v2.0-reconstructed', or 'spec-dir' for the user's files. */
  id: string;
  /** One line, for start-up and reports. */
  label: string;
  files: SpecFileInfo[];
  supplied: Supplied[];
  notHonoured: NotHonoured[];
  /** The C&A and reporting documents with the user's operations in place; undefined: the built-in file. */
  documents: { ca?: object; reporting?: object };
  find: FindContract;
  view: ViewContract;
  /** The view_data claim's JSON Schema; undefined: openapi/schemas/view-data.schema.json. */
  viewDataSchema?: object;
  /** The find_data JSON Schema; undefined: openapi/schemas/find-data.schema.json. */
  findDataSchema?: object;
}

/** What results.json, versions.json and the reports keep of a profile. */
export interface ProfileRecord {
  id: string;
  label: string;
  files: SpecFileInfo[];
  supplied: Supplied[];
  notHonoured: NotHonoured[];
}

export function profileRecord(p: SpecProfile): ProfileRecord {
  return { id: p.id, label: p.label, files: p.files, supplied: p.supplied, notHonoured: p.notHonoured };
}

const BUILT_IN_FIND: FindContract = { ackStatuses: [202], source: 'built in: 202 Accepted' };
const BUILT_IN_VIEW: ViewContract = { okStatus: 200, source: 'built in: 200 {view_data_token}' };

export function builtInProfile(): SpecProfile {
  return {
    id: BUILT_IN_PROFILE,
    label: BUILT_IN_PROFILE,
    files: [],
    supplied: [],
    notHonoured: [],
    documents: {},
    find: BUILT_IN_FIND,
    view: BUILT_IN_VIEW,
  };
}

// ── reading the folder ──────────────────────────────────────────────────────────────────────────

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SPEC_FILE = /\.(ya?ml|json)$/i;

/** A file that cannot be parsed at all: a usage error naming it (the caller maps it to exit 2). */
export class SpecDirError extends Error {}

interface ParsedFile {
  file: string;
  doc: unknown;
  info: SpecFileInfo;
}

function readFolder(dir: string): ParsedFile[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new SpecDirError(`--spec-dir ${dir}: no such folder`);
  }
  if (!stat.isDirectory()) throw new SpecDirError(`--spec-dir ${dir}: not a folder (give the folder that holds your OpenAPI files)`);
  const names = fs.readdirSync(dir).filter((f) => SPEC_FILE.test(f) && fs.statSync(path.join(dir, f)).isFile()).sort();
  if (!names.length) throw new SpecDirError(`--spec-dir ${dir}: holds no .yaml, .yml or .json file`);
  return names.map((file) => {
    const bytes = fs.readFileSync(path.join(dir, file));
    let doc: unknown;
    try {
      doc = /\.json$/i.test(file) ? JSON.parse(bytes.toString('utf8')) : YAML.parse(bytes.toString('utf8'), { maxAliasCount: 1000 });
    } catch (err) {
      throw new SpecDirError(`--spec-dir: ${file} cannot be parsed as ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0].replace(/:\s*$/, '')}`);
    }
    const info = isObj(doc) && isObj(doc.info) ? doc.info : isObj(doc) ? doc : {};
    return {
      file,
      doc,
      info: {
        file,
        ...(typeof info.title === 'string' ? { title: info.title } : {}),
        ...(info.version !== undefined && isObj(doc) && isObj(doc.info) ? { version: String(info.version) } : {}),
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
    };
  });
}

// ── $refs: inlined, so an operation can be moved into another document ──────────────────────────

class RefProblem extends Error {}

function pointer(root: unknown, ref: string): unknown {
  let node = root;
  for (const raw of ref.slice(2).split('/')) {
    const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObj(node) && !Array.isArray(node)) return undefined;
    node = (node as Obj)[seg];
  }
  return node;
}

/** A copy of `node` with every local $ref inlined; a ref to another file, a missing target or a cycle is a RefProblem. */
function inline(node: unknown, root: unknown, trail: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, root, trail));
  if (!isObj(node)) return node;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#/')) throw new RefProblem(`$ref "${ref}" points outside the file; cda-sim resolves only references inside one file`);
    if (trail.includes(ref)) throw new RefProblem(`$ref "${ref}" refers to itself (a recursive schema); cda-sim cannot inline it`);
    const target = pointer(root, ref);
    if (target === undefined) throw new RefProblem(`$ref "${ref}" points at nothing in the file`);
    return inline(target, root, [...trail, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, root, trail)]));
}

// ── the built-in operations ─────────────────────────────────────────────────────────────────────

interface BuiltInOperation {
  api: 'ca' | 'reporting';
  method: string;
  /** The path as the built-in document spells it. */
  path: string;
}

const builtInDocs = new Map<string, Obj>();
function builtInDoc(api: 'ca' | 'reporting'): Obj {
  let doc = builtInDocs.get(api);
  if (!doc) {
    doc = YAML.parse(fs.readFileSync(path.join(openapiDir, `${api}.yaml`), 'utf8')) as Obj;
    builtInDocs.set(api, doc);
  }
  return structuredClone(doc);
}

/** "/rreguri/{resource_id}" and "/rreguri/{id}/" are one template. */
export const templateKey = (method: string, p: string) => `${method.toUpperCase()} ${p.replace(/\{[^}]*\}/g, '{}').replace(/(.)\/$/, '$1')}`;

function builtInOperations(): Map<string, BuiltInOperation> {
  const out = new Map<string, BuiltInOperation>();
  for (const api of ['ca', 'reporting'] as const) {
    const paths = builtInDoc(api).paths as Obj;
    for (const [p, item] of Object.entries(paths)) {
      for (const m of METHODS) if (isObj((item as Obj)[m])) out.set(templateKey(m, p), { api, method: m, path: p });
    }
  }
  return out;
}

// ── features cda-sim cannot honour ──────────────────────────────────────────────────────────────

const Ajv = AjvModule.default;
const addFormats = (addFormatsModule as unknown as { default: (ajv: unknown) => unknown }).default;

interface SchemaCheck {
  /** Why the schema cannot be compiled the way the request pipeline compiles it. */
  problem?: string;
  /** What compiles but is not checked (a format cda-sim does not know), in words. */
  unchecked: string[];
}

function checkSchema(schema: unknown): SchemaCheck {
  const unchecked: string[] = [];
  if (schema === undefined) return { unchecked };
  const warn = (...args: unknown[]) => {
    const m = /unknown format "([^"]+)"/.exec(args.map(String).join(' '));
    if (m) unchecked.push(`format "${m[1]}" is not one cda-sim knows, so it is not checked (the rest is followed)`);
  };
  try {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: { log: () => {}, warn, error: () => {} } });
    addFormats(ajv);
    ajv.compile(schema as object);
    return { unchecked: [...new Set(unchecked)] };
  } catch (err) {
    return { problem: `a schema cda-sim cannot compile: ${(err as Error).message.split('\n')[0].replace(/:\s*$/, '')}`, unchecked };
  }
}

/** Every schema an operation holds (parameters, request body, responses). */
function schemasOf(op: Obj): unknown[] {
  const out: unknown[] = [];
  for (const p of (op.parameters as Obj[] | undefined) ?? []) if (isObj(p)) out.push(p.schema);
  const contentSchemas = (c: unknown) => (isObj(c) ? Object.values(c).map((m) => (isObj(m) ? m.schema : undefined)) : []);
  if (isObj(op.requestBody)) out.push(...contentSchemas(op.requestBody.content));
  if (isObj(op.responses)) for (const r of Object.values(op.responses)) if (isObj(r)) out.push(...contentSchemas(r.content));
  return out.filter((s) => s !== undefined);
}

function checkOperation(op: Obj): SchemaCheck {
  if (op.callbacks) return { problem: 'callbacks are not played by cda-sim', unchecked: [] };
  const unchecked: string[] = [];
  for (const s of schemasOf(op)) {
    const check = checkSchema(s);
    if (check.problem) return check;
    unchecked.push(...check.unchecked);
  }
  return { unchecked: [...new Set(unchecked)] };
}

// ── classifying what a file holds ───────────────────────────────────────────────────────────────

const jsonSchemaOf = (content: unknown): Obj | undefined => {
  if (!isObj(content)) return undefined;
  const media = Object.entries(content).find(([t]) => /json/i.test(t))?.[1];
  return isObj(media) && isObj(media.schema) ? media.schema : undefined;
};
const propertiesOf = (schema: Obj | undefined): string[] => (schema && isObj(schema.properties) ? Object.keys(schema.properties) : []);

/** The provider's endpoints are matched by what they carry: their paths are the provider's own. */
function providerOperation(method: string, op: Obj): 'find' | 'view' | undefined {
  if (method === 'post' && isObj(op.requestBody) && propertiesOf(jsonSchemaOf(op.requestBody.content)).includes('find_request_token')) return 'find';
  if (method === 'get' && isObj(op.responses)) {
    for (const r of Object.values(op.responses)) if (isObj(r) && propertiesOf(jsonSchemaOf(r.content)).includes('view_data_token')) return 'view';
  }
  return undefined;
}

const VIEW_DATA_NAME = /^view[_-]?data$/i;
const FIND_DATA_NAME = /^find[_-]?data$/i;

/** A JSON Schema for the view_data or find_data claim: by its name (a component's key, or a schema's title). */
function dataSchemaKind(name: unknown): 'view-data' | 'find-data' | undefined {
  if (typeof name !== 'string') return undefined;
  return VIEW_DATA_NAME.test(name) ? 'view-data' : FIND_DATA_NAME.test(name) ? 'find-data' : undefined;
}

interface Collected {
  profile: SpecProfile;
  /** Operation key → the user's operation, ready to graft. */
  operations: Map<string, { builtIn: BuiltInOperation; op: Obj; file: string }>;
}

function takeDataSchema(c: Collected, kind: 'view-data' | 'find-data', schema: unknown, root: unknown, file: string, where: string): void {
  let inlined: Obj;
  try {
    inlined = root === schema ? (schema as Obj) : (inline(schema, root) as Obj);
  } catch (err) {
    if (!(err instanceof RefProblem)) throw err;
    c.profile.notHonoured.push({ file, where, reason: err.message });
    return;
  }
  const check = checkSchema(inlined);
  if (check.problem) return void c.profile.notHonoured.push({ file, where, reason: check.problem });
  const already = c.profile.supplied.find((s) => s.api === kind);
  if (already) return void c.profile.notHonoured.push({ file, where, reason: `${kind} is already supplied by ${already.file} (${already.what}); each is taken once` });
  for (const reason of check.unchecked) c.profile.notHonoured.push({ file, where, reason });
  if (kind === 'view-data') c.profile.viewDataSchema = inlined;
  else c.profile.findDataSchema = inlined;
  c.profile.supplied.push({ api: kind, what: where, file });
}

function collectOpenApi(c: Collected, f: ParsedFile, doc: Obj, builtIns: Map<string, BuiltInOperation>): void {
  const version = String(doc.openapi);
  if (!/^3\.0\./.test(version)) {
    c.profile.notHonoured.push({ file: f.file, where: `openapi: ${version}`, reason: 'cda-sim validates with OpenAPI 3.0.x; an OpenAPI 3.1 document is not followed (convert it to 3.0, or keep the built-in documents)' });
    return;
  }
  const paths = isObj(doc.paths) ? doc.paths : {};
  for (const [p, rawItem] of Object.entries(paths)) {
    if (!isObj(rawItem)) continue;
    // A path item may itself be a $ref (to one inside the file).
    const ref = rawItem.$ref;
    const listed = typeof ref === 'string' ? (ref.startsWith('#/') ? pointer(doc, ref) : undefined) : rawItem;
    if (!isObj(listed)) {
      c.profile.notHonoured.push({ file: f.file, where: p, reason: `the path item's $ref "${String(ref)}" cannot be resolved inside the file` });
      continue;
    }
    for (const method of Object.keys(listed)) {
      if (['parameters', 'summary', 'description', 'servers'].includes(method) || method.startsWith('x-')) continue;
      const where = `${method.toUpperCase()} ${p}`;
      if (!METHODS.includes(method)) {
        c.profile.notHonoured.push({ file: f.file, where, reason: `"${method}" is not an HTTP method` });
        continue;
      }
      let op: Obj;
      try {
        const item = inline(rawItem, doc) as Obj;
        op = { ...(item[method] as Obj) };
        // Path-level parameters apply to each operation; the path's own come from the built-in template.
        const pathParams = ((item.parameters as Obj[] | undefined) ?? []).filter(isObj);
        const own = ((op.parameters as Obj[] | undefined) ?? []).filter(isObj);
        const names = new Set(own.map((x) => `${x.in}|${x.name}`));
        op.parameters = [...pathParams.filter((x) => !names.has(`${x.in}|${x.name}`)), ...own];
      } catch (err) {
        if (!(err instanceof RefProblem)) throw err;
        c.profile.notHonoured.push({ file: f.file, where, reason: err.message });
        continue;
      }
      const check = checkOperation(op);
      if (check.problem) {
        c.profile.notHonoured.push({ file: f.file, where, reason: check.problem });
        continue;
      }
      const key = templateKey(method, p);
      const builtIn = builtIns.get(key);
      const kind = builtIn?.api ?? providerOperation(method, op);
      if (!kind) {
        c.profile.notHonoured.push({ file: f.file, where, reason: 'cda-sim plays no such operation (not a C&A or reporting endpoint it hosts, nor a provider find or view it calls)' });
        continue;
      }
      const what = builtIn ? templateKey(method, builtIn.path).replace('{}', '{…}') : kind === 'find' ? 'the provider’s find (POST {findUrl})' : 'the provider’s view (GET {viewUrl}/{assetGuid})';
      const already = c.profile.supplied.find((s) => s.api === kind && s.what === what);
      if (already) {
        c.profile.notHonoured.push({ file: f.file, where, reason: `already supplied by ${already.file}; each operation is taken once` });
        continue;
      }
      c.profile.supplied.push({ api: kind, what, file: f.file });
      for (const reason of check.unchecked) c.profile.notHonoured.push({ file: f.file, where, reason });
      if (builtIn) c.operations.set(key, { builtIn, op, file: f.file });
      else if (kind === 'find') c.profile.find = findContract(op, f.file, where);
      else c.profile.view = viewContract(op, f.file, where);
    }
  }
  const schemas = isObj(doc.components) && isObj(doc.components.schemas) ? doc.components.schemas : {};
  for (const [name, schema] of Object.entries(schemas)) {
    const kind = dataSchemaKind(name) ?? (isObj(schema) ? dataSchemaKind(schema.title) : undefined);
    if (kind) takeDataSchema(c, kind, schema, doc, f.file, `components.schemas.${name}`);
  }
}

function findContract(op: Obj, file: string, where: string): FindContract {
  const statuses = Object.keys(isObj(op.responses) ? op.responses : {})
    .filter((s) => /^2\d\d$/.test(s))
    .map(Number);
  return statuses.length ? { ackStatuses: statuses, source: `${file}: ${where}` } : BUILT_IN_FIND;
}

function viewContract(op: Obj, file: string, where: string): ViewContract {
  const responses = isObj(op.responses) ? op.responses : {};
  const entry = Object.entries(responses).find(([, r]) => isObj(r) && propertiesOf(jsonSchemaOf(r.content)).includes('view_data_token'));
  const [status, response] = entry!;
  return { okStatus: /^\d{3}$/.test(status) ? Number(status) : 200, okBodySchema: jsonSchemaOf((response as Obj).content), source: `${file}: ${where}` };
}

function collectFile(c: Collected, f: ParsedFile, builtIns: Map<string, BuiltInOperation>): void {
  const doc = f.doc;
  if (!isObj(doc)) return void c.profile.notHonoured.push({ file: f.file, where: '(the file)', reason: 'neither an OpenAPI document nor a JSON Schema (not an object)' });
  if (doc.swagger !== undefined) return void c.profile.notHonoured.push({ file: f.file, where: `swagger: ${String(doc.swagger)}`, reason: 'Swagger 2.0 is not followed; cda-sim reads OpenAPI 3.0.x' });
  if (doc.openapi !== undefined) return collectOpenApi(c, f, doc, builtIns);
  // A standalone JSON Schema: the view data or find data claim, named by its title.
  const kind = dataSchemaKind(doc.title);
  if (kind && (doc.type !== undefined || doc.properties !== undefined || doc.$schema !== undefined)) return takeDataSchema(c, kind, doc, doc, f.file, `schema "${String(doc.title)}"`);
  c.profile.notHonoured.push({ file: f.file, where: '(the file)', reason: 'not an OpenAPI 3.0 document, nor a JSON Schema titled view_data or find_data' });
}

// ── grafting the user's operations into the built-in documents ─────────────────────────────────

function graft(c: Collected): void {
  for (const api of ['ca', 'reporting'] as const) {
    const mine = [...c.operations.values()].filter((o) => o.builtIn.api === api);
    if (!mine.length) continue;
    const doc = builtInDoc(api);
    for (const { builtIn, op, file } of mine) {
      const item = (doc.paths as Obj)[builtIn.path] as Obj;
      const original = item[builtIn.method] as Obj;
      // The handler is found by the built-in operationId; the path's parameters keep their built-in names.
      const builtInPathParams = Array.isArray(item.parameters) ? [] : ((original.parameters as Obj[] | undefined) ?? []).filter((p) => isObj(p) && p.in === 'path');
      const grafted: Obj = { ...op, operationId: original.operationId, parameters: [...builtInPathParams, ...((op.parameters as Obj[]) ?? []).filter((p) => p.in !== 'path')] };
      if (original.operationId === 'token') tokenParamsAlsoInBody(c, grafted, file);
      // Who may call is cda-sim's own rule (PATs, mTLS), so the document's security schemes are not needed.
      delete grafted.security;
      // The file it came from: its violations name it, and not the built-in document's plain-words rules.
      grafted['x-cda-sim-supplied'] = file;
      item[builtIn.method] = grafted;
    }
    c.profile.documents[api] = doc;
  }
}

/**
 * /token takes its parameters in the query or in a form body, the body winning (the v1_2 document
 * lists query parameters; MaPS's dashboard and providers send a form body). A supplied token
 * operation that lists them only in the query keeps that rule: its query parameters are taken as a
 * form body too, and none is required in the query. Said at start-up, as a place not followed to the letter.
 */
function tokenParamsAlsoInBody(c: Collected, op: Obj, file: string): void {
  if (isObj(op.requestBody)) return;
  const params = ((op.parameters as Obj[]) ?? []).filter(isObj);
  const query = params.filter((p) => p.in === 'query' && typeof p.name === 'string');
  if (!query.length) return;
  const properties = Object.fromEntries(query.map((p) => [p.name as string, isObj(p.schema) ? p.schema : { type: 'string' }]));
  const required = query.filter((p) => p.required === true).map((p) => p.name as string);
  op.requestBody = { required: false, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties } } } };
  op.parameters = params.map((p) => (p.in === 'query' ? { ...p, required: false } : p));
  const names = query.map((p) => p.name as string).join(', ');
  c.profile.notHonoured.push({
    file,
    where: 'POST /token',
    reason: `its query parameters (${names}) are also taken as an application/x-www-form-urlencoded body, as MaPS's dashboard and providers send them (the body wins)${required.length ? `; ${required.join(', ')} must be given in one or the other, as the handler checks, not in the query alone` : ''}`,
  });
}

function labelFor(files: SpecFileInfo[], supplied: Supplied[]): string {
  const used = new Set(supplied.map((s) => s.file));
  const described = files
    .filter((f) => used.has(f.file))
    .map((f) => `${f.title ?? f.file}${f.version ? ` ${f.version}` : ''}`)
    .join('; ');
  return `spec-dir: ${described || 'no operation taken'} (over ${BUILT_IN_PROFILE} for the rest)`;
}

/**
 * Read a --spec-dir folder into a profile. A file that cannot be parsed throws SpecDirError; what a
 * parsed file holds that cda-sim cannot follow is listed in `notHonoured`, never thrown.
 */
export function loadSpecProfile(dir: string): SpecProfile {
  const files = readFolder(dir);
  const builtIns = builtInOperations();
  const c: Collected = { profile: { ...builtInProfile(), id: 'spec-dir', files: files.map((f) => f.info) }, operations: new Map() };
  for (const f of files) collectFile(c, f, builtIns);
  graft(c);
  c.profile.label = labelFor(c.profile.files, c.profile.supplied);
  return c.profile;
}

/** The profile as printed at start: the label, each file, what was taken and what was not honoured. */
export function describeProfile(p: ProfileRecord): string[] {
  if (p.id === BUILT_IN_PROFILE) return [`spec profile: ${p.label} (cda-sim's own documents, reconstructed from the public references)`];
  const lines = [`spec profile: ${p.label}`];
  for (const f of p.files) lines.push(`  ${f.file}: ${f.title ?? '(no title)'}${f.version ? `, version ${f.version}` : ''}, sha256 ${f.sha256}`);
  for (const s of p.supplied) lines.push(`  follows ${s.what} from ${s.file}`);
  for (const n of p.notHonoured) lines.push(`  NOT HONOURED ${n.file}: ${n.where}: ${n.reason}`);
  return lines;
}
