// Coming back: after an upload and one edit ("trim the pauses"), a reload of the page opens
// the same session (the trimmed preview again); "New session" gives an empty page (no
// preview, nothing on the timeline), even clicked while the reopened session's preview is
// still on its way; the list of sessions shows the first one by its name and
// its length, and clicking it opens it again with its preview.

import {
  assertNoDialogs,
  assertNoProblems,
  check,
  clipFile,
  config,
  launch,
  previewDuration,
  run,
  until,
  upload,
  waitFor,
  waitInPage,
} from './lib.mjs';

// The "0:19.0" the page shows for a length in ms (timeline.js's clock).
function clock(ms) {
  const tenths = Math.max(0, Math.round(ms / 100));
  return `${Math.floor(tenths / 600)}:${((tenths % 600) / 10).toFixed(1).padStart(4, '0')}`;
}

const shown = () => {
  const video = document.querySelector('#preview');
  return {
    session: localStorage.getItem('cutline.session'),
    src: video.getAttribute('src'),
    seconds: video.duration,
    ready: video.readyState,
    segments: document.querySelectorAll('#timeline .segment').length,
    messages: document.querySelectorAll('#messages .message').length,
    note: document.querySelector('#preview-note').hidden ? null : document.querySelector('#preview-note').textContent,
  };
};
const listed = () =>
  [...document.querySelectorAll('#sessions button[data-session]')].map((b) => ({
    id: b.dataset.session,
    text: b.textContent,
    current: b.getAttribute('aria-current'),
  }));
const ready = (page) =>
  waitFor(page, () => document.querySelector('#status').textContent, (t) => t === 'Ready', 'the page connected');

run(async () => {
  const session = await launch();
  const { page } = session;
  const response = await page.goto(`${config.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);
  await ready(page);

  await upload(page, [clipFile('talk.mp4')]);
  const original = await previewDuration(page, () => true, { timeoutMs: 60_000 });
  await page.getByLabel('Message', { exact: true }).fill('trim the pauses');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const trimmed = await previewDuration(page, (s) => s < original - 1, { timeoutMs: 60_000 });
  const first = await page.evaluate(shown);
  const trimmedMs = await page.evaluate(() => Number(document.querySelector('#preview').dataset.durationMs));
  check(first.session, 'the page keeps the session it made');

  // Reload: the same session, its trimmed preview.
  await page.reload();
  await ready(page);
  const reloadedSeconds = await previewDuration(page, () => true, { timeoutMs: 60_000 });
  const reloaded = await page.evaluate(shown);
  check(reloaded.session === first.session, `another session after the reload: ${reloaded.session}, not ${first.session}`);
  check(Math.abs(reloadedSeconds - trimmed) <= 0.05, `the preview lasts ${reloadedSeconds} s after the reload, ${trimmed} s before`);
  check(reloaded.segments > 0, 'the timeline after the reload');

  // A new session: an empty page. Opened while the kept session's preview is still on its
  // way (held here until the new session is open): that late answer must not land in it.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let late = null;
  await page.route('**/api/studio/*/preview*', async (route) => {
    late = route.request();
    await held;
    await route.continue();
  });
  await page.reload();
  await ready(page);
  await until('the kept session asking for its preview', () => late);
  await page.getByRole('button', { name: 'New session', exact: true }).click();
  const empty = await waitFor(
    page,
    shown,
    (s) => s.session && s.session !== first.session && s.segments === 0 && s.note !== null,
    'an empty new session',
  );
  const finished = page.waitForEvent('requestfinished', { predicate: (r) => r === late, timeout: 30_000 });
  release();
  await finished;
  await page.unroute('**/api/studio/*/preview*');
  // The answer is in; the page's tasks queued behind it run before these two.
  await page.evaluate(() => new Promise((resolve) => setTimeout(() => setTimeout(resolve))));
  const afterLate = await page.evaluate(shown);
  check(!afterLate.src && afterLate.note !== null, `the old session's preview came into the new one: ${JSON.stringify(afterLate)}`);
  check(empty.messages === 0, `${empty.messages} messages in a new session`);
  check(!empty.src && !(empty.ready >= 1), `the preview still plays something in a new session: ${JSON.stringify(empty)}`);

  // The list: the first session, by its name and length, and the new one (current).
  const list = await waitFor(page, listed, (l) => l.length === 2, 'two sessions in the list');
  const earlier = list.find((s) => s.id === first.session);
  check(earlier, `the first session is not in the list: ${JSON.stringify(list)}`);
  check(earlier.text.startsWith('talk · '), `the first session is not named after its clip: ${JSON.stringify(earlier.text)}`);
  check(earlier.text.includes(clock(trimmedMs)), `the first session's length ${clock(trimmedMs)} is not shown: ${JSON.stringify(earlier.text)}`);
  check(earlier.current === 'false', 'the first session is not marked current');
  check(list.find((s) => s.id === empty.session)?.current === 'true', `the new session is not marked current: ${JSON.stringify(list)}`);

  // Reopen the first one.
  await page.locator(`#sessions button[data-session="${first.session}"]`).click();
  const reopenedSeconds = await previewDuration(page, (s) => Math.abs(s - trimmed) <= 0.05, { timeoutMs: 60_000 });
  const reopened = await page.evaluate(shown);
  check(reopened.session === first.session, `reopened ${reopened.session}, not ${first.session}`);
  check(reopened.segments === reloaded.segments, `${reopened.segments} segments after reopening, ${reloaded.segments} before`);
  await waitInPage(
    page,
    'the first session marked current',
    (id) => document.querySelector(`#sessions button[data-session="${id}"]`)?.getAttribute('aria-current') === 'true',
    first.session,
  );

  assertNoDialogs(session);
  assertNoProblems(session);
  return {
    original_s: original,
    trimmed_s: trimmed,
    reloaded_s: reloadedSeconds,
    reopened_s: reopenedSeconds,
    session: first.session,
    new_session: empty.session,
    listed: earlier.text,
    segments: reopened.segments,
  };
});
