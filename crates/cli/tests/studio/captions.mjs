// A misheard caption fixed in the page: after "add captions", clicking the second caption of
// the list gives a text field; Enter sends the new words as a typed fix_caption Step. The
// reply says which caption changed, the list shows the new words there and only there (as
// text: markup in them stays literal), the captions track keeps its segments, and Undo
// brings the old words back.

import {
  assertNoDialogs,
  assertNoProblems,
  check,
  clipFile,
  config,
  launch,
  run,
  upload,
  waitFor,
  waitInPage,
} from './lib.mjs';

const FIXED = 'Ada <i>Lovelace</i> & co';

// The captions as the list shows them, each "0:01 words": the words only.
const captionTexts = () =>
  [...document.querySelectorAll('#caption-list .caption')].map((c) =>
    c.textContent.replace(/^\S+\s/, ''),
  );

run(async () => {
  const session = await launch();
  const { page } = session;
  const response = await page.goto(`${config.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);

  await upload(page, [clipFile('talk.mp4')]);
  await waitInPage(
    page,
    'the clip on the timeline',
    () => document.querySelector('#timeline .track[data-kind=video] .segment') !== null,
  );
  await page.getByLabel('Message', { exact: true }).fill('add captions');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitInPage(
    page,
    'two captions or more in the list',
    () => document.querySelectorAll('#caption-list .caption').length >= 2,
    undefined,
    { timeoutMs: 180_000 },
  );
  const before = await page.evaluate(captionTexts);
  const segments = () =>
    page.locator('#timeline .track[data-kind=captions] .segment').count();
  const segmentsBefore = await segments();
  check(segmentsBefore === before.length, `${segmentsBefore} caption segments for ${before.length} captions`);

  await page.locator('#caption-list .caption[data-index="1"]').click();
  const field = page.locator('#caption-list textarea');
  await field.waitFor({ state: 'visible' });
  const value = await field.inputValue();
  // The same words to edit, a line break kept or made a space, never two words glued.
  const words = (text) => text.trim().split(/\s+/).join(' ');
  check(
    words(value) === words(before[1]),
    `the field holds ${JSON.stringify(value)} for the caption ${JSON.stringify(before[1])}`,
  );
  await field.fill(FIXED);
  await field.press('Enter');

  const expected = `Changed caption 2 to “${FIXED}”.`;
  await waitInPage(
    page,
    `the reply ${JSON.stringify(expected)}`,
    (said) =>
      [...document.querySelectorAll('#messages .message.assistant')].some((m) =>
        m.textContent.includes(said),
      ),
    expected,
    { timeoutMs: 60_000 },
  );
  const after = await waitFor(page, captionTexts, (texts) => texts[1] === FIXED, 'the fixed caption in the list');
  check(after.length === before.length, `${after.length} captions after the fix, ${before.length} before`);
  for (const [n, text] of after.entries()) {
    if (n !== 1) check(text === before[n], `caption ${n} changed too: ${JSON.stringify(text)}`);
  }
  const italics = await page.locator('#caption-list i, #overlay i').count();
  check(italics === 0, 'the markup in the words became an element');
  const segmentsAfter = await segments();
  check(segmentsAfter === segmentsBefore, `${segmentsAfter} caption segments after the fix`);

  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  const undone = await waitFor(
    page,
    captionTexts,
    (texts) => texts[1] === before[1],
    'the old words back after Undo',
  );
  check(JSON.stringify(undone) === JSON.stringify(before), 'Undo gives every caption back as it was');

  assertNoDialogs(session);
  // Requests answered with an error status are the flow tests' business.
  assertNoProblems(session, { allow: [/^console: Failed to load resource: the server responded with a status of \d+/] });
  return { captions: before.length, before: before[1], fixed: after[1], reply: expected, segments: segmentsAfter };
});
