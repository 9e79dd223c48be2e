// What every studio browser test shares: Debian's Chromium started through playwright-core
// (the flags this machine's closed network needs, a fresh empty profile each time), what the
// page says wrong collected (console errors, uncaught exceptions, any alert/confirm/prompt),
// waits on conditions with deadlines (never a fixed sleep), expectations that fail with what
// was seen, screenshots, and the one JSON line of figures a script prints for the Rust runner
// (crates/cli/tests/it/studio.rs).
//
// The runner gives the script, through the environment:
//   CUTLINE_URL                the base URL of the `cutline serve` it started
//   CUTLINE_CLIP               a generated talk clip (MP4) to upload
//   CUTLINE_OUT                a folder for downloads, screenshots and what a failure leaves
//   CUTLINE_CHROMIUM           the Chromium to drive (scripts/prepare-browser.sh's second line)
//   CUTLINE_TEST_NODE_MODULES  where playwright-core is (its first line; also as NODE_PATH)

import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

// ES module imports ignore NODE_PATH; require() from the modules folder (or with NODE_PATH)
// finds playwright-core.
let playwright;
try {
  const modules = process.env.CUTLINE_TEST_NODE_MODULES;
  const from = modules ? join(modules, 'noop.js') : import.meta.url;
  playwright = createRequire(from)('playwright-core');
} catch (error) {
  throw new Error(
    `playwright-core is not found (${error.message.split('\n')[0]}): run scripts/prepare-browser.sh ` +
      'and give its first line as CUTLINE_TEST_NODE_MODULES (scripts/test.sh does)',
  );
}

// What the runner gave this script.
export const config = {
  base: (process.env.CUTLINE_URL ?? '').replace(/\/$/, ''),
  clip: process.env.CUTLINE_CLIP ?? '',
  out: process.env.CUTLINE_OUT ?? join(tmpdir(), 'cutline-studio-out'),
  chromium: process.env.CUTLINE_CHROMIUM || '/usr/bin/chromium',
};

// How long one wait may take unless told otherwise.
export const DEFAULT_TIMEOUT_MS = 30_000;

// What the page shows, read inside it (for waitFor/waitInPage): the number in "12 credits",
// the assistant's replies, the preview (its key, none before there is one, and length).
export const credits = () => Number((document.querySelector('#credits').textContent.match(/\d+/) ?? [NaN])[0]);
export const replies = () => [...document.querySelectorAll('#messages .message.assistant .body')].map((b) => b.textContent);
export const preview = () => {
  const video = document.querySelector('#preview');
  return { key: video.dataset.key ?? null, seconds: video.duration, ready: video.readyState };
};

// The flags Chromium needs here: headless without a sandbox (root, no GPU), and none of its
// own connections to the outside (refused by this machine's network, many at a time).
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The preview may start playing without a click.
  '--autoplay-policy=no-user-gesture-required',
];

const sessions = [];

// Starts Chromium with a new empty profile and one page at `viewport`; the page's and its
// context's problems and dialogs are collected from the first moment.
//   const s = await launch({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
//   s.page, s.context (also as s.browser), s.problems, s.dialogs, await s.close()
// `problems` are lines: "console: …", "page error: …", "crash: …", and "dialog: …" for a
// dialog (which `dialogs` also holds as { type, message }).
export async function launch({
  viewport = { width: 1280, height: 800 },
  locale = 'en-US',
  timeoutMs = DEFAULT_TIMEOUT_MS,
  options = {},
} = {}) {
  if (!config.base) throw new Error('CUTLINE_URL is not set (the Rust runner sets it)');
  const profile = mkdtempSync(join(tmpdir(), 'cutline-chromium-'));
  // A persistent context is how playwright takes a profile folder of ours (--user-data-dir).
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: config.chromium,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_FLAGS,
    viewport,
    locale,
    acceptDownloads: true,
    ...options,
  });
  context.setDefaultTimeout(timeoutMs);
  // However it is closed (session.close(), or context.close() by a script), the profile goes.
  context.on('close', () => removeProfile(profile));
  const session = {
    context,
    browser: context,
    profile,
    page: null,
    problems: [],
    // { type: 'alert' | 'confirm' | 'prompt' | 'beforeunload', message }
    dialogs: [],
    async close() {
      const at = sessions.indexOf(session);
      if (at >= 0) sessions.splice(at, 1);
      await context.close().catch(() => {});
    },
  };
  const watch = (page) => {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const url = message.location()?.url;
      // The browser's own request for an icon the page does not name is not the page's.
      if (url && new URL(url).pathname === '/favicon.ico') return;
      session.problems.push(`console: ${message.text()}${url ? ` (${url})` : ''}`);
    });
    page.on('pageerror', (error) => {
      session.problems.push(`page error: ${error?.stack ?? error}`);
    });
    page.on('crash', () => session.problems.push('crash: the page crashed'));
    page.on('dialog', (dialog) => {
      session.problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
      session.dialogs.push({ type: dialog.type(), message: dialog.message() });
      dialog.dismiss().catch(() => {});
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  session.page = context.pages()[0] ?? (await context.newPage());
  sessions.push(session);
  return session;
}

// Removes a profile folder; Chromium may still be writing into it as it goes, so a folder
// that will not go is left (the system's temporary folder) rather than failing the test.
function removeProfile(profile) {
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // left behind
  }
}

// Throws `message` unless `condition` holds.
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Waits until `probe()` (run here, in node) gives something truthy, and returns it; after
// `timeoutMs` throws, naming `what` and what `probe` last gave.
export async function until(what, probe, { timeoutMs = DEFAULT_TIMEOUT_MS, everyMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${describe(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

// Evaluates `read` in the page until `done(value)` holds (here, in node); the value, or an
// error naming `what` and the value last seen after `ms`.
export async function waitFor(page, read, done, what, ms = DEFAULT_TIMEOUT_MS) {
  let value;
  try {
    return await until(
      what,
      async () => {
        value = await page.evaluate(read);
        return done(value) ? { value } : null;
      },
      { timeoutMs: ms },
    ).then((found) => found.value);
  } catch (error) {
    throw new Error(`waited ${ms / 1000} s for ${what}; last seen: ${describe(value)}`, { cause: error });
  }
}

// `value`, if `holds(value)`; otherwise an error saying what was expected and what was seen.
export function expect(value, holds, what) {
  if (!holds(value)) throw new Error(`expected ${what}; saw ${describe(value)}`);
  return value;
}

// Waits until `fn(arg)`, run in the page, gives something truthy, and returns it (a
// JSON value); after `timeoutMs` throws, naming `what`.
export async function waitInPage(page, what, fn, arg, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 100 });
    const value = await handle.jsonValue().catch(() => true);
    await handle.dispose();
    return value;
  } catch (error) {
    if (error?.name === 'TimeoutError') {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    }
    throw error;
  }
}

// Waits until the page's text (textContent: what is shown as text, never parsed as HTML)
// contains `text`.
export function waitForText(page, text, options) {
  return waitInPage(
    page,
    `the text ${JSON.stringify(text)} on the page`,
    (t) => document.body.textContent.includes(t),
    text,
    options,
  );
}

// Waits until the preview player has loaded media whose duration is a finite number, and
// returns it in seconds. `accept(seconds)` narrows what counts (e.g. a new duration).
export async function previewDuration(page, accept = () => true, options) {
  return until(
    'a playable preview',
    async () => {
      const seconds = await page.evaluate(() => {
        const video = document.querySelector('video#preview');
        return video && video.readyState >= 1 && Number.isFinite(video.duration) ? video.duration : null;
      });
      return seconds !== null && accept(seconds) ? { seconds } : null;
    },
    options,
  ).then((found) => found.seconds);
}

// Gives the file input labelled "Upload" these files: [{ name, mimeType, buffer }].
export async function upload(page, files) {
  await page.getByLabel('Upload', { exact: true }).setInputFiles(files);
}

// The generated clip, under the name `name`.
export function clipFile(name = 'talk.mp4') {
  check(config.clip, 'CUTLINE_CLIP is not set (the Rust runner sets it)');
  return { name, mimeType: 'video/mp4', buffer: readFileSync(config.clip) };
}

// A screenshot of the page as it shows (the viewport) at `path`, relative to the output
// folder unless absolute, after the page's fonts have loaded; the path written.
export async function shot(page, path) {
  const file = isAbsolute(path) ? path : join(config.out, path);
  mkdirSync(dirname(file), { recursive: true });
  await page.evaluate(() => document.fonts.ready.then(() => true));
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

// Throws if the page logged an error or threw one; `allow` lists patterns of console
// errors that are expected (a refused upload's failed request, say).
export function assertNoProblems(session, { allow = [] } = {}) {
  const left = session.problems.filter(
    (p) => !(p.startsWith('console: ') && allow.some((pattern) => pattern.test(p))),
  );
  check(left.length === 0, `the page had problems:\n${left.join('\n')}`);
}

// Throws if an alert, confirm or prompt opened.
export function assertNoDialogs(session) {
  check(
    session.dialogs.length === 0,
    `a dialog opened (script ran?): ${session.dialogs.map(describe).join('; ')}`,
  );
}

// A directive of a Content-Security-Policy header ("script-src 'self'"), or null.
export function cspDirective(csp, name) {
  const found = (csp ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.split(/\s+/)[0].toLowerCase() === name);
  return found ?? null;
}

function describe(value) {
  if (value instanceof Error) return value.message;
  try {
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return String(value);
  }
}

// Runs a test script: `body()` returns its figures, printed as one JSON line on stdout; a
// failure goes to stderr with what the page showed and said (a screenshot in the output
// folder) and the exit code is 1. Browsers are closed either way. The whole script is
// stopped after `timeoutMs`.
export async function run(body, { timeoutMs = 240_000 } = {}) {
  const stop = setTimeout(() => {
    console.error(`the script ran longer than ${timeoutMs / 1000} s`);
    process.exit(3);
  }, timeoutMs);
  let code = 0;
  try {
    const figures = (await body()) ?? {};
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } catch (error) {
    code = 1;
    console.error(error?.stack ?? String(error));
    for (const [n, session] of sessions.entries()) {
      for (const problem of session.problems) console.error(`on the page: ${problem}`);
      const page = session.page;
      if (page && !page.isClosed()) {
        const text = await page
          .evaluate(() => document.body?.innerText ?? '')
          .catch(() => '(the page could not be read)');
        console.error(`the page's text:\n${text.slice(0, 4000)}`);
        const file = await shot(page, `failure-${n}.png`).catch(() => null);
        if (file) console.error(`screenshot: ${file}`);
      }
    }
  } finally {
    for (const session of [...sessions]) await session.close();
    clearTimeout(stop);
  }
  process.exitCode = code;
}
