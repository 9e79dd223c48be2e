// A chat stream cut in the middle of a turn is picked up where it was: "trim the pauses and
// add captions" on a talk clip, and as soon as the turn's first progress shows, the line
// drops: the page reaches the server through a TCP relay of this script, which resets every
// connection it carries and refuses new ones (as a dropped Wi-Fi would; Chromium's offline
// emulation leaves a response already streaming alone). Once the page says it lost the
// connection, the relay takes connections again. The page must then show the whole reply once, the trimmed
// preview, and be charged for one turn: the price quoted before sending. The figures name
// the /run_sse requests the page made (with their Last-Event-ID) and the token and session,
// so the Rust test can replay the turn from the server and compare it with the reply shown.

import net from 'node:net';

import {
  assertNoDialogs,
  assertNoProblems,
  check,
  clipFile,
  config,
  launch,
  previewDuration,
  run,
  upload,
  waitFor,
  waitInPage,
  credits,
} from './lib.mjs';

const INSTRUCTION = 'trim the pauses and add captions';
const LOST = 'The connection was lost; reconnecting…';


// A TCP relay to `target` on a loopback port of its own: `cut()` resets every connection it
// carries and refuses new ones until `mend()`.
async function relay(target) {
  const { hostname, port } = new URL(target);
  const open = new Set();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    const pair = { client, upstream };
    open.add(pair);
    const close = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    cut() {
      down = true;
      const cut = open.size;
      for (const { client, upstream } of [...open]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      return cut;
    },
    mend() {
      down = false;
    },
    close() {
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

run(async () => {
  const line = await relay(config.base);
  const session = await launch();
  const { page } = session;
  // Every /run_sse the page sent: its Last-Event-ID, and whether it got an answer.
  const streams = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname !== '/run_sse') return;
    streams.push({ request, last_event_id: request.headers()['last-event-id'] ?? null, status: null, failed: null });
  });
  page.on('response', (response) => {
    const found = streams.find((s) => s.request === response.request());
    if (found) found.status = response.status();
  });
  page.on('requestfailed', (request) => {
    const found = streams.find((s) => s.request === request);
    if (found) found.failed = request.failure()?.errorText ?? 'failed';
  });

  const response = await page.goto(`${line.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);
  await waitFor(page, () => document.querySelector('#status').textContent, (t) => t === 'Ready', 'the page connected');

  await upload(page, [clipFile('talk.mp4')]);
  const original = await previewDuration(page, () => true, { timeoutMs: 60_000 });

  // The price of the words, as the page quotes it before they are sent.
  await page.getByLabel('Message', { exact: true }).fill(INSTRUCTION);
  const quote = await waitFor(
    page,
    () => document.querySelector('#quote').textContent,
    (t) => /costs \d+ credits/.test(t),
    'the price of the words',
  );
  const price = Number(quote.match(/costs (\d+) credits/)[1]);
  const before = await page.evaluate(credits);
  check(Number.isFinite(before), 'the balance is shown');

  // The status line says the connection was lost only for a moment: caught as it changes.
  await page.evaluate((lost) => {
    window.lostSeen = false;
    new MutationObserver(() => {
      if (document.querySelector('#status').textContent === lost) window.lostSeen = true;
    }).observe(document.querySelector('#status'), { subtree: true, childList: true, characterData: true });
  }, LOST);
  await page.getByRole('button', { name: 'Send', exact: true }).click();

  // The turn's first event has reached the page: its progress bar shows. Cut the line.
  await waitInPage(page, 'the progress bar of the turn', () => !document.querySelector('#work-line').hidden, undefined, {
    timeoutMs: 60_000,
  });
  const progressAtCut = await page.evaluate(() => document.querySelector('#work').value);
  const cut = line.cut();
  await waitInPage(page, 'the page to notice the lost connection', () => window.lostSeen, undefined, { timeoutMs: 30_000 });
  const replyAtCut = await page.evaluate(() => [...document.querySelectorAll('.message.assistant .body')].pop().textContent);
  line.mend();

  // The turn ends on the page: ready again, the preview trimmed.
  await waitFor(page, () => document.querySelector('#status').textContent, (t) => t === 'Ready', 'the page ready after the turn', 120_000);
  const trimmed = await previewDuration(page, (s) => s < original - 1, { timeoutMs: 60_000 });
  const serverMs = await page.evaluate(() => Number(document.querySelector('#preview').dataset.durationMs));
  check(Math.abs(trimmed * 1000 - serverMs) <= 100, `the preview lasts ${trimmed} s, the timeline ${serverMs} ms`);
  const replies = await page.evaluate(() => [...document.querySelectorAll('.message.assistant .body')].map((b) => ({
    text: b.textContent,
    failed: b.classList.contains('failed'),
  })));
  check(replies.length === 1, `${replies.length} replies on the page`);
  const reply = replies[0];
  check(!reply.failed, `the reply failed: ${reply.text}`);
  check(/Removed/.test(reply.text) && /captions/.test(reply.text), `the reply says what was done: ${JSON.stringify(reply.text)}`);
  const after = await waitFor(page, credits, (n) => n < before, 'the balance after the turn');
  check(before - after === price, `charged ${before - after} credits for a turn quoted at ${price}`);
  const captions = await waitFor(
    page,
    () => document.querySelectorAll('#timeline .track[data-kind=captions] .segment').length,
    (n) => n > 0,
    'a captions track',
  );

  const token = await page.evaluate(() => localStorage.getItem('cutline.token'));
  const sessionId = await page.evaluate(() => localStorage.getItem('cutline.session'));
  check(token && sessionId, 'the page keeps its token and session');
  assertNoDialogs(session);
  // The cut stream and the reconnects tried while the line was down are logged as network errors.
  assertNoProblems(session, { allow: [/net::ERR_/] });
  line.close();
  return {
    connections_cut: cut,
    original_s: original,
    trimmed_s: trimmed,
    timeline_ms: serverMs,
    progress_at_cut: progressAtCut,
    reply_at_cut: replyAtCut,
    reply: reply.text,
    replies: replies.length,
    price,
    credits_before: before,
    credits_after: after,
    captions,
    streams: streams.map(({ last_event_id, status, failed }) => ({ last_event_id, status, failed })),
    token,
    session: sessionId,
  };
});
