// What the user and the server say is shown as text, never run as HTML: a clip uploaded under
// the name `<img src=x onerror=alert(1)>.mp4` and a title asked for with markup in it show
// literally, no <img src=x> (or <b>) element comes of them, no dialog opens and the page
// throws nothing; and `/` is served with a Content-Security-Policy whose scripts are the
// page's own files only (no 'unsafe-inline').

import {
  assertNoDialogs,
  assertNoProblems,
  check,
  clipFile,
  config,
  cspDirective,
  launch,
  run,
  upload,
  waitForText,
  waitInPage,
} from './lib.mjs';

const FILE_NAME = '<img src=x onerror=alert(1)>.mp4';
const TITLE = '<b>bold</b><img src=x onerror=alert(2)>';

run(async () => {
  const session = await launch();
  const { page } = session;

  const response = await page.goto(`${config.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);
  const csp = response.headers()['content-security-policy'] ?? '';
  const scripts = cspDirective(csp, 'script-src') ?? cspDirective(csp, 'default-src');
  check(scripts, `no script-src or default-src in the Content-Security-Policy: ${JSON.stringify(csp)}`);
  check(!scripts.includes("'unsafe-inline'"), `inline scripts are allowed: ${scripts}`);

  await upload(page, [clipFile(FILE_NAME)]);
  await waitForText(page, FILE_NAME);
  await waitInPage(
    page,
    'the clip on the timeline',
    () => document.querySelector('#timeline .track[data-kind=video] .segment') !== null,
  );

  await page.getByLabel('Message', { exact: true }).fill(`add the title "${TITLE}"`);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const replied = await waitInPage(
    page,
    'the reply naming the title',
    (title) =>
      [...document.querySelectorAll('#messages .message.assistant')].some((m) =>
        m.textContent.includes(title),
      ),
    TITLE,
    { timeoutMs: 60_000 },
  );
  check(replied, 'no reply named the title');
  // The title is on the timeline as a text layer.
  await waitInPage(
    page,
    'the title on the timeline',
    () => document.querySelector('#timeline .track[data-kind=text] .segment') !== null,
  );

  const found = await page.evaluate(
    ([name, title]) => {
      const text = document.body.textContent;
      const user = [...document.querySelectorAll('#messages .message.user')].some((m) =>
        m.textContent.includes(title),
      );
      return {
        name_shown: text.includes(name),
        title_shown: text.includes(title),
        title_in_user_message: user,
        images_x: document.querySelectorAll('img[src="x"], img[src$="/x"]').length,
        bold: [...document.querySelectorAll('b')].filter((b) => b.textContent === 'bold').length,
        handlers: document.querySelectorAll('[onerror]').length,
      };
    },
    [FILE_NAME, TITLE],
  );
  check(found.name_shown, 'the file name is not shown as text');
  check(found.title_shown && found.title_in_user_message, 'the title is not shown as text');
  check(found.images_x === 0, `${found.images_x} <img src=x> elements were made from text`);
  check(found.bold === 0, 'the title\'s <b> became an element');
  check(found.handlers === 0, `${found.handlers} elements carry an onerror attribute`);
  assertNoDialogs(session);
  // Any script error or policy violation fails; a request the server answered with an error
  // status is the flow tests' business, not this one's.
  assertNoProblems(session, { allow: [/^console: Failed to load resource: the server responded with a status of \d+/] });

  return { csp, script_src: scripts, dialogs: session.dialogs.length, ...found };
});
