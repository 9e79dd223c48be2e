// Words that leave a part undone are asked back before anything changes: "trim the pauses and
// remove the background" (cutline cannot remove a background) gets a reply naming the part
// not done, the "Go ahead" button shows, and nothing is changed nor charged yet. Clicking
// "Go ahead" applies the rest: the preview becomes the trimmed length, the reply says what was
// removed and again what was not done, the button goes away and the turn is charged.

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
  replies,
  preview,
} from './lib.mjs';

const INSTRUCTION = 'trim the pauses and remove the background';
const UNDONE = 'remove the background';


run(async () => {
  const session = await launch();
  const { page } = session;
  const response = await page.goto(`${config.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);
  await waitFor(page, () => document.querySelector('#status').textContent, (t) => t === 'Ready', 'the page connected');
  check(await page.locator('#question').isHidden(), 'no question before anything was said');

  await upload(page, [clipFile('talk.mp4')]);
  const original = await previewDuration(page, () => true, { timeoutMs: 60_000 });
  const first = await page.evaluate(preview);
  const before = await page.evaluate(credits);

  await page.getByLabel('Message', { exact: true }).fill(INSTRUCTION);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitInPage(page, 'the question with its "Go ahead" button', () => !document.querySelector('#question').hidden, undefined, {
    timeoutMs: 60_000,
  });
  const asked = (await page.evaluate(replies)).pop();
  check(asked.includes(UNDONE), `the reply names what is not done: ${JSON.stringify(asked)}`);
  check(/go ahead/i.test(asked), `the reply asks whether to go ahead: ${JSON.stringify(asked)}`);
  const goAhead = page.getByRole('button', { name: 'Go ahead', exact: true });
  check(await goAhead.isVisible(), 'the "Go ahead" button is visible');
  check(await goAhead.isEnabled(), 'the "Go ahead" button can be pressed');
  // Nothing changed nor charged while the question waits.
  const waiting = await page.evaluate(preview);
  check(waiting.key === first.key, `the preview changed before the answer: ${JSON.stringify(waiting)}`);
  const whileAsked = await page.evaluate(credits);
  check(whileAsked === before, `charged ${before - whileAsked} credits for a question`);

  await goAhead.click();
  const trimmed = await previewDuration(page, (s) => s < original - 1, { timeoutMs: 60_000 });
  const done = await waitFor(page, replies, (r) => r.length === 2 && r[1].length > 0, 'the reply to "Go ahead"');
  await waitInPage(page, 'the question gone', () => document.querySelector('#question').hidden);
  const said = await page.evaluate(() => [...document.querySelectorAll('#messages .message.user .body')].map((b) => b.textContent));
  check(/Removed \d+ pauses/.test(done[1]), `the reply says the pauses were trimmed: ${JSON.stringify(done[1])}`);
  check(done[1].includes(UNDONE), `the reply still names what was not done: ${JSON.stringify(done[1])}`);
  const after = await waitFor(page, credits, (n) => n < before, 'the balance after the edit');
  const timelineMs = await page.evaluate(() => Number(document.querySelector('#preview').dataset.durationMs));
  check(Math.abs(trimmed * 1000 - timelineMs) <= 100, `the preview lasts ${trimmed} s, the timeline ${timelineMs} ms`);

  assertNoDialogs(session);
  assertNoProblems(session);
  return {
    original_s: original,
    trimmed_s: trimmed,
    timeline_ms: timelineMs,
    asked,
    reply: done[1],
    said,
    credits_before: before,
    credits_while_asked: whileAsked,
    credits_after: after,
  };
});
