// Shared by the studio's browser tests: Chromium started the way this machine allows (no
// background networking, a fresh profile), waits on a condition with a deadline, and
// expectations that fail with what was seen.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// ES modules do not read NODE_PATH: playwright-core is loaded from the folder the test
// command installed it in (scripts/prepare-browser.sh).
const modules = process.env.CUTLINE_TEST_NODE_MODULES;
if (!modules) throw new Error('CUTLINE_TEST_NODE_MODULES is not set (scripts/prepare-browser.sh prints it)');
const { chromium } = createRequire(join(modules, 'noop.js'))('playwright-core');

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** A browser and a page; `problems` collects script errors and dialogs the page opened. */
export async function launch({ locale = 'en-US', viewport = { width: 1280, height: 800 } } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'cutline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CUTLINE_CHROMIUM || '/usr/bin/chromium',
    args: FLAGS,
    locale,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('dialog', async (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
  return { browser: context, page, problems };
}

/** Evaluates `read` in the page until `done(value)`; the value, or an error after `ms`. */
export async function waitFor(page, read, done, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  let value;
  for (;;) {
    value = await page.evaluate(read);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`waited ${ms / 1000} s for ${what}; last seen: ${JSON.stringify(value)}`);
    await page.waitForTimeout(50);
  }
}

export function expect(value, holds, what) {
  if (!holds(value)) throw new Error(`expected ${what}; saw ${JSON.stringify(value)}`);
  return value;
}
