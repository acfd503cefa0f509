// No function in rehearsal/, runs/ or scenarios/ is longer than about 80 lines: a longer one does
// too many things for a reader to hold at once. Measured with the TypeScript compiler's parser.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { packageRoot } from '../simulator/core/paths.js';
import { measureFiles, tsFilesUnder, type FunctionLength } from './helpers/function-length.js';

const MAX_LINES = 80;
const FOLDERS = ['simulator/rehearsal', 'simulator/runs', 'simulator/scenarios'];

const tooLong = (measured: FunctionLength[]) => measured.filter((f) => f.lines > MAX_LINES).map((f) => `${f.where} ${f.name}: ${f.lines} lines`);

test(`no function in ${FOLDERS.join(', ')} is longer than ${MAX_LINES} lines`, () => {
  const files = tsFilesUnder(packageRoot, FOLDERS);
  assert.ok(files.length >= 30, `only ${files.length} source files found`);
  const measured = measureFiles(files, packageRoot);
  // A parse that found nothing would pass anything: the orchestrator's entry point must be among them.
  assert.ok(measured.length >= 300, `only ${measured.length} functions measured`);
  assert.ok(measured.some((m) => m.name === 'rehearse' && m.where.startsWith('simulator/rehearsal/rehearse.ts:')), 'rehearse() was not measured');
  assert.equal(tooLong(measured), [], `functions over ${MAX_LINES} lines:\n  ${tooLong(measured).join('\n  ')}`);
});

test('a long function is found and named by file, line and length; nested and short ones are measured too', () => {
  const body = Array.from({ length: 85 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const text = `// a file\nexport function short(): number {\n  return 1;\n}\n\nexport function long(): void {\n${body}\n  const inner = () => {\n    return 2;\n  };\n  inner();\n}\n\nclass Thing {\n  method(): number {\n    return 3;\n  }\n}\n`;
  const file = path.join(packageRoot, 'simulator/rehearsal/in-memory-example.ts');
  const measured = measureFiles([file], packageRoot, { [file]: text });
  const byName = new Map(measured.map((m) => [m.name, m]));
  assert.equal(byName.get('short'), { where: 'simulator/rehearsal/in-memory-example.ts:2', name: 'short', lines: 3 });
  assert.equal(byName.get('long')?.lines, 85 + 6);
  assert.equal(byName.get('inner'), { where: 'simulator/rehearsal/in-memory-example.ts:92', name: 'inner', lines: 3 });
  assert.equal(byName.get('method')?.lines, 3);
  assert.equal(tooLong(measured), ['simulator/rehearsal/in-memory-example.ts:6 long: 91 lines']);
});

test.run();
