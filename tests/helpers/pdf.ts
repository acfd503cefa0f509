// Read a PDF back as text with pdftotext (poppler-utils; .ci/run installs it where missing).
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';

export function pdfText(file: string): string {
  const r = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  assert.ok(!r.error, `pdftotext is needed to read the PDF back (Debian: poppler-utils): ${r.error?.message}`);
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}
