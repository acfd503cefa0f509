// Headless Chromium for the console's end-to-end test: Debian's `chromium` package, driven by
// playwright-core (which never downloads a browser of its own). Missing Chromium is a failure,
// not a skip: .ci/run installs it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { packageRoot } from '../../simulator/core/paths.js';

export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium reaches out to the network at start, which this
// machine refuses, and everything slows down while it retries.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`the console's browser test needs Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this)`);
  }
  // A fresh profile each run: nothing cached from an earlier page.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 } });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where tests keep what a person may want to look at afterwards (git-ignored). */
export function artefactPath(name: string): string {
  const dir = path.join(packageRoot, 'tests', 'artefacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
