// Upload by drag and drop: a file dragged over the page marks it as a drop target, and
// dropped there it is uploaded like one chosen with the file input: its row says it was
// uploaded, and the preview plays it at its length (the Rust test compares it with ffprobe's).
// The file is made in the page from the clip's bytes, as a drag from the desktop gives it.

import { readFileSync } from 'node:fs';

import {
  assertNoDialogs,
  assertNoProblems,
  check,
  config,
  launch,
  previewDuration,
  run,
  waitFor,
} from './lib.mjs';

const NAME = 'dropped talk.mp4';

run(async () => {
  const session = await launch();
  const { page } = session;
  const response = await page.goto(`${config.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);
  await waitFor(page, () => document.querySelector('#status').textContent, (t) => t === 'Ready', 'the page connected');

  const bytes = readFileSync(config.clip).toString('base64');
  const accepted = await page.evaluate(
    ({ bytes, name }) => {
      const raw = atob(bytes);
      const data = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type: 'video/mp4' }));
      const target = document.querySelector('#drop');
      const event = (type) => new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true });
      const over = event('dragover');
      target.dispatchEvent(over);
      const marked = target.classList.contains('dragging');
      const drop = event('drop');
      target.dispatchEvent(drop);
      return {
        over_taken: over.defaultPrevented,
        marked,
        drop_taken: drop.defaultPrevented,
        unmarked: !target.classList.contains('dragging'),
        size: data.length,
      };
    },
    { bytes, name: NAME },
  );
  check(accepted.over_taken, 'the page does not take a file dragged over it (dragover not prevented)');
  check(accepted.marked, 'the page does not show itself as a drop target while a file is dragged over it');
  check(accepted.drop_taken, 'the browser would open the dropped file itself (drop not prevented)');
  check(accepted.unmarked, 'the page still shows itself as a drop target after the drop');

  const row = await waitFor(
    page,
    () => [...document.querySelectorAll('#uploads li')].map((li) => ({
      text: li.textContent,
      value: li.querySelector('progress')?.value ?? null,
    })),
    (rows) => rows.length === 1 && rows[0].text.endsWith('uploaded') && !rows[0].text.startsWith('Uploading'),
    'the upload row saying it is uploaded',
    60_000,
  );
  check(row[0].text === `${NAME} uploaded`, `the row says ${JSON.stringify(row[0].text)}`);
  check(row[0].value === 1, `the row's bar stands at ${row[0].value}`);
  const seconds = await previewDuration(page, () => true, { timeoutMs: 60_000 });
  const clips = await page.evaluate(() => document.querySelectorAll('#timeline .track[data-kind=video] .segment').length);
  check(clips === 1, `${clips} clips on the timeline after one file was dropped`);
  const source = await page.evaluate(() => document.querySelector('#pieces .source')?.textContent ?? null);
  check(source === `Original: ${NAME}`, `the source clip is listed as ${JSON.stringify(source)}`);

  assertNoDialogs(session);
  assertNoProblems(session);
  return { ...accepted, row: row[0].text, preview_s: seconds, clips, source };
});
