// Switching the page to Chinese: a browser in English gets the page in English and a session
// whose replies are English; after select#language is set to 中文 the page's words are
// Chinese (the Send button reads 发送, the Upload input is labelled 上传, the status and the
// balance too), a reload keeps the choice, and a session made after the switch gets its
// replies in Chinese.

import {
  assertNoDialogs,
  assertNoProblems,
  check,
  clipFile,
  config,
  launch,
  previewDuration,
  run,
  waitFor,
  preview,
} from './lib.mjs';

const words = () => ({
  lang: document.documentElement.lang,
  send: document.querySelector('[data-action=send]').textContent,
  upload: document.querySelector('[data-action=upload]').getAttribute('aria-label'),
  message: document.querySelector('[data-action=message]').getAttribute('aria-label'),
  newSession: document.querySelector('[data-action=new-session]').textContent,
  status: document.querySelector('#status').textContent,
  credits: document.querySelector('#credits').textContent,
  language: document.querySelector('#language').value,
});
const lastReply = () => [...document.querySelectorAll('#messages .message.assistant .body')].pop()?.textContent ?? '';
const CHINESE = /[\u4e00-\u9fff]/;


// Uploads the clip by the data-action=upload input (whatever its label), says `text`, and
// waits for the trimmed preview; the reply.
async function trim(page, text) {
  const before = await page.evaluate(preview);
  await page.setInputFiles('[data-action=upload]', [clipFile('talk.mp4')]);
  const uploaded = await waitFor(
    page,
    preview,
    (p) => p.key && p.key !== before.key && p.ready >= 1 && Number.isFinite(p.seconds),
    'the uploaded clip in the preview',
    60_000,
  );
  const original = uploaded.seconds;
  await page.fill('[data-action=message]', text);
  await page.click('[data-action=send]');
  const trimmed = await previewDuration(page, (s) => s < original - 1, { timeoutMs: 60_000 });
  const reply = await waitFor(page, lastReply, (r) => r.length > 0, 'the reply');
  return { original, trimmed, reply };
}

run(async () => {
  const session = await launch({ locale: 'en-US' });
  const { page } = session;
  const response = await page.goto(`${config.base}/`);
  check(response?.ok(), `GET / answered ${response?.status()}`);
  await waitFor(page, () => document.querySelector('#status').textContent, (t) => t === 'Ready', 'the page connected');
  const english = await waitFor(page, words, (w) => /\d/.test(w.credits), 'the balance');
  check(english.send === 'Send' && english.upload === 'Upload' && english.language === 'en', `the page in English: ${JSON.stringify(english)}`);

  // A session in English first.
  const first = await trim(page, 'trim the pauses');
  check(/^Removed \d+ pauses/.test(first.reply), `an English reply: ${JSON.stringify(first.reply)}`);

  // Switch.
  await page.selectOption('select#language', { label: '中文' });
  const chinese = await waitFor(page, words, (w) => w.send === '发送', 'the Send button in Chinese');
  check(chinese.upload === '上传', `the Upload input is labelled ${JSON.stringify(chinese.upload)}`);
  check(chinese.message === '消息', `the Message box is labelled ${JSON.stringify(chinese.message)}`);
  check(chinese.newSession === '新会话', `the New session button reads ${JSON.stringify(chinese.newSession)}`);
  check(chinese.lang === 'zh-CN', `the page's lang is ${chinese.lang}`);
  check(chinese.status === '就绪', `the status reads ${JSON.stringify(chinese.status)} after the switch`);
  check(chinese.credits.includes('积分'), `the balance reads ${JSON.stringify(chinese.credits)} after the switch`);
  check(await page.getByRole('button', { name: '发送', exact: true }).isVisible(), 'a button named 发送');
  check(await page.getByLabel('上传', { exact: true }).count() === 1, 'an input labelled 上传');

  // The choice is kept.
  await page.reload();
  await waitFor(page, () => document.querySelector('#status').textContent, (t) => t === '就绪', 'the page connected, in Chinese');
  const kept = await page.evaluate(words);
  check(kept.send === '发送' && kept.language === 'zh', `the choice kept after a reload: ${JSON.stringify(kept)}`);

  // A new session, made after the switch, answers in Chinese (to the same English words).
  await page.click('[data-action=new-session]');
  await waitFor(page, () => document.querySelectorAll('#timeline .segment').length, (n) => n === 0, 'an empty new session');
  const second = await trim(page, 'trim the pauses');
  check(CHINESE.test(second.reply) && second.reply.includes('停顿'), `a Chinese reply: ${JSON.stringify(second.reply)}`);

  assertNoDialogs(session);
  assertNoProblems(session);
  return {
    english: english.send,
    chinese: chinese.send,
    upload_label: chinese.upload,
    status: chinese.status,
    credits: chinese.credits,
    first_reply: first.reply,
    second_reply: second.reply,
    original_s: second.original,
    trimmed_s: second.trimmed,
  };
});
