// A refused upload says why in words: a text file named notes.mp4 is not taken, and an alert
// (role=alert) shows the server's reason, that it is not a video cutline recognises. Nothing
// lands on the timeline and the page throws nothing.

import { assertNoDialogs, assertNoProblems, check, config, launch, run, upload, waitInPage } from './lib.mjs';

run(async () => {
  const session = await launch();
  const { page } = session;
  const response = await page.goto(`${config.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);

  const notes = Buffer.from('Notes for the talk:\n- open with the joke\n- thank the crew\n');
  await upload(page, [{ name: 'notes.mp4', mimeType: 'video/mp4', buffer: notes }]);

  const alert = page.getByRole('alert').filter({ hasText: /\S/ }).first();
  await alert.waitFor({ state: 'visible' });
  const said = (await alert.textContent()).trim();
  check(
    /not (a|an) (video|recogni[sz]ed)|not recogni[sz]ed|not a video/i.test(said),
    `the alert does not say the file is not a video: ${JSON.stringify(said)}`,
  );
  const inAlert = await waitInPage(
    page,
    'the alert in an .error element',
    () => [...document.querySelectorAll('.error[role=alert]')].some((e) => e.textContent.trim() !== ''),
  );
  const segments = await page.locator('#timeline .segment').count();
  check(segments === 0, `${segments} segments on the timeline after a refused upload`);
  assertNoDialogs(session);
  // The refused request itself is logged by Chromium as a failed resource load.
  assertNoProblems(session, { allow: [/Failed to load resource: the server responded with a status of 4\d\d/] });

  return { said, error_element: inAlert === true, segments };
});
