// Every response our servers send in a test is checked against the same OpenAPI document that
// routes and validates requests: an invalid answer from cda-sim itself fails the test.
// It hooks the journal, so no call site can forget to check.
import { SetMatchType, type OpenAPIBackend } from 'openapi-backend';
import type { Journal, JournalEntry } from '../../simulator/store/journal.js';

export class ContractChecker {
  readonly violations: string[] = [];
  checked = 0;

  constructor(private api: OpenAPIBackend) {}

  watch(journal: Journal): this {
    journal.on('entry', (e: JournalEntry) => this.check(e));
    return this;
  }

  check(e: JournalEntry): void {
    const [pathOnly, query = ''] = e.url.split('?');
    const op = this.api.matchOperation({ method: e.method, path: pathOnly, headers: e.requestHeaders, query: Object.fromEntries(new URLSearchParams(query)) });
    if (!op) return; // unknown path: answered by the generic 404 problem, outside any document
    this.checked++;
    const where = `${e.method} ${pathOnly} → ${e.status} (${op.operationId})`;
    const declared = (op.responses ?? {}) as Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
    const response = declared[String(e.status)] ?? declared.default;
    if (!response) {
      this.violations.push(`${where}: status ${e.status} is not declared`);
      return;
    }
    const contentType = (e.responseHeaders['content-type'] ?? '').split(';')[0].trim();
    if (response.content) {
      if (!Object.keys(response.content).includes(contentType)) {
        this.violations.push(`${where}: content-type "${contentType}" is not declared (${Object.keys(response.content).join(', ')})`);
        return;
      }
      const result = this.api.validateResponse(e.responseBody, op, e.status);
      if (result.errors?.length) this.violations.push(`${where}: body ${JSON.stringify(result.errors.map((x) => `${x.instancePath} ${x.message}`))}`);
    } else if (e.responseBody !== undefined && e.responseBody !== '') {
      this.violations.push(`${where}: a body was sent where none is declared`);
    }
    const headers = this.api.validateResponseHeaders(e.responseHeaders, op, { statusCode: e.status, setMatchType: SetMatchType.Superset });
    if (headers.errors?.length) this.violations.push(`${where}: headers ${JSON.stringify(headers.errors.map((x) => `${x.instancePath} ${x.message}`))}`);
  }
}
