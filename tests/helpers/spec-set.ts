// Spec sets the tests write for --spec-dir: copies of cda-sim's built-in documents under other file
// names and titles (so matching is by operation, not file name), each change a test asks for applied.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { openapiDir } from '../../simulator/core/paths.js';

type Obj = Record<string, any>;

export interface SpecChanges {
  /** Change the C&A document (a parsed copy of openapi/ca.yaml). */
  ca?: (doc: Obj) => void;
  /** Change the reporting document (a parsed copy of openapi/reporting.yaml). */
  reporting?: (doc: Obj) => void;
  /** The statuses the provider's find acknowledges with (default ['202']). */
  findAck?: string[];
  /** Change the view's 200 body schema ({view_data_token}, closed). */
  viewResponse?: (schema: Obj) => void;
  /** Change the view data schema (a copy of openapi/schemas/view-data.schema.json). */
  viewData?: (schema: Obj) => void;
  /** Add a find data schema (a copy of openapi/schemas/find-data.schema.json) so changed. */
  findData?: (schema: Obj) => void;
  /** Extra files, by name. */
  extra?: Record<string, string>;
}

const read = (file: string) => YAML.parse(fs.readFileSync(path.join(openapiDir, file), 'utf8')) as Obj;

/** The provider's endpoints as a find-requests / view-data document might describe them (paths of its own). */
function providerDocument(findAck: string[], viewResponse?: (schema: Obj) => void): Obj {
  const ok = (d: string) => ({ description: d });
  const doc: Obj = {
    openapi: '3.0.3',
    info: { title: 'Find requests (test-written)', version: '1.3-test' },
    paths: {
      '/find-requests': {
        post: {
          operationId: 'findRequest',
          parameters: [{ name: 'X-Request-ID', in: 'header', required: true, schema: { type: 'string', format: 'uuid' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/FindRequest' } } },
          },
          responses: { ...Object.fromEntries(findAck.map((s) => [s, ok('acknowledged')])), '400': ok('refused') },
        },
      },
      '/view-data/{assetGuid}': {
        get: {
          parameters: [
            { name: 'assetGuid', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'scope', in: 'query', required: true, schema: { type: 'string', enum: ['owner'] } },
          ],
          responses: {
            '200': { description: 'view data', content: { 'application/json': { schema: { $ref: '#/components/schemas/ViewResponse' } } } },
            '401': ok('a UMA challenge'),
            '404': ok('unknown asset'),
          },
        },
      },
    },
    components: {
      schemas: {
        ViewResponse: {
          type: 'object',
          additionalProperties: false,
          required: ['view_data_token'],
          properties: { view_data_token: { type: 'string', minLength: 1 } },
        },
        FindRequest: {
          type: 'object',
          required: ['user_token', 'find_request_token'],
          properties: { user_token: { type: 'string' }, find_request_token: { type: 'string' } },
        },
      },
    },
  };
  viewResponse?.(doc.components.schemas.ViewResponse);
  return doc;
}

/** Write a spec set into `dir` and return it. */
export function writeSpecSet(dir: string, changes: SpecChanges = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const ca = read('ca.yaml');
  ca.info = { ...ca.info, title: 'Token and registration API (test-written)', version: '2.1-test' };
  changes.ca?.(ca);
  fs.writeFileSync(path.join(dir, 'official-token-and-rreguri.yaml'), YAML.stringify(ca));
  const reporting = read('reporting.yaml');
  reporting.info = { ...reporting.info, title: 'Reporting API (test-written)', version: '2.1-test' };
  changes.reporting?.(reporting);
  fs.writeFileSync(path.join(dir, 'reporting-api.json'), JSON.stringify(reporting, null, 2));
  fs.writeFileSync(path.join(dir, 'find-requests.yaml'), YAML.stringify(providerDocument(changes.findAck ?? ['202'], changes.viewResponse)));
  const viewData = JSON.parse(fs.readFileSync(path.join(openapiDir, 'schemas', 'view-data.schema.json'), 'utf8')) as Obj;
  changes.viewData?.(viewData);
  fs.writeFileSync(path.join(dir, 'view-data-payload.json'), JSON.stringify(viewData, null, 2));
  if (changes.findData) {
    const findData = JSON.parse(fs.readFileSync(path.join(openapiDir, 'schemas', 'find-data.schema.json'), 'utf8')) as Obj;
    changes.findData(findData);
    fs.writeFileSync(path.join(dir, 'find-data.json'), JSON.stringify(findData, null, 2));
  }
  for (const [name, text] of Object.entries(changes.extra ?? {})) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
