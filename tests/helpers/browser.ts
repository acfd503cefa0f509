// Headless Chromium for the browser tests, driven by playwright-core (which never downloads a
// browser of its own). Which Chromium: see chromium.ts (the test runner finds or installs it
// first). Missing Chromium is a failure that says what is needed, never a skip.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { packageRoot } from '../../simulator/core/paths.js';
import { findChromium, notFoundMessage } from './chromium.js';

// Without the background-networking flags Chromium reaches out to the network at start, which this
// machine refuses, and everything slows down while it retries.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const executablePath = findChromium({ env: process.env });
  if (!executablePath) throw new Error(notFoundMessage({ env: process.env }));
  // A fresh profile each run: nothing cached from an earlier page.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 } });
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
