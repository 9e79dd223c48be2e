// The studio page: upload, talk, see and steer one session's video. It keeps no model of
// its own: after every change it reads the session's state, preview and transcript back from
// the server, so what it shows is what the server did. Everything a user or the server said
// (file names, replies, titles, captions) goes into the page as text, never as HTML.

import { Api, ApiError } from './api.js';
import { LANGUAGES, browserLanguage, has, language, say, sessionLanguage, setLanguage } from './words.js';
import { clock, cutsFor, textAt, tracksOf, wordAt } from './timeline.js';

const api = new Api();
const $ = (selector) => document.querySelector(selector);
const action = (name) => document.querySelector(`[data-action="${name}"]`);

/** What the page knows of the open session, as the server last said it. */
const view = {
  session: null,
  state: null,
  draft: null,
  piece: null,
  words: [],
  captions: [],
  selected: new Set(),
  anchor: null,
  busy: false,
  previewKey: null,
};

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    // Through the CSSOM: the policy refuses style attributes.
    else if (name === 'style') Object.assign(node.style, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// ---- words on the page ----------------------------------------------------------------

function applyLanguage(lang) {
  setLanguage(lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = say(node.dataset.t);
  for (const node of document.querySelectorAll('[data-t-label]')) {
    node.setAttribute('aria-label', say(node.dataset.tLabel));
  }
  for (const node of document.querySelectorAll('[data-t-placeholder]')) {
    node.placeholder = say(node.dataset.tPlaceholder);
  }
  document.title = say('title');
  const credits = $('#credits');
  if (credits.dataset.available !== undefined) credits.textContent = say('credits', credits.dataset.available);
  if (view.state) showState();
  showSelection();
}

/** The status line: a word of words.js by its key (said again on a language switch), or `text`. */
function setStatus(key, text) {
  const status = $('#status');
  if (key) status.dataset.t = key;
  else delete status.dataset.t;
  status.textContent = key ? say(key) : text;
}

function alertUser(text) {
  const note = element('p', { class: 'error', role: 'alert', text });
  note.append(element('button', { type: 'button', class: 'close', 'aria-label': say('close'), text: '×', onclick: () => note.remove() }));
  $('#alerts').append(note);
}

function failure(error) {
  if (!(error instanceof ApiError)) return say('failed', error.message || String(error));
  if (error.code === 2001) return say('outOfCredits', error.message, $('#credits').dataset.available ?? '?');
  if (error.status === 429) return say('busy');
  return say('failed', error.message);
}

// ---- connecting and sessions -----------------------------------------------------------

async function showCredits(balance) {
  balance ??= await api.call('GET', '/api/credits/balance/simple');
  $('#credits').dataset.available = balance.available;
  $('#credits').textContent = say('credits', balance.available);
}

async function newSession(name = 'project') {
  const data = await api.call('POST', '/api/tasks/me/with-session/nemo_agent', {
    task_name: name.slice(0, 200),
    language: sessionLanguage(language()),
  });
  localStorage.setItem('cutline.session', data.session_id);
  await open(data.session_id);
  return data.session_id;
}

/** Resolves once the page has a token: files chosen or words sent before then wait for it. */
let connected;

async function ensureSession(name) {
  await connected;
  return view.session ?? newSession(name);
}

async function showSessions() {
  const list = $('#sessions');
  let sessions = [];
  try {
    sessions = (await api.call('GET', '/api/studio/sessions')).sessions ?? [];
  } catch {
    sessions = [];
  }
  list.replaceChildren();
  if (!sessions.length) list.append(element('li', { class: 'note', text: say('noSessions') }));
  for (const s of sessions) {
    const when = new Date((s.updated_at ?? s.created_at ?? 0) * 1000).toLocaleString(document.documentElement.lang);
    const line = say('sessionLine', s.task_name, clock(s.duration_ms ?? 0), when);
    list.append(element('li', {},
      element('button', {
        type: 'button',
        'data-session': s.session_id,
        'aria-current': String(s.session_id === view.session),
        text: line,
        onclick: () => open(s.session_id),
      })));
  }
}

async function open(sessionId) {
  view.session = sessionId;
  view.previewKey = null;
  localStorage.setItem('cutline.session', sessionId);
  $('#messages').replaceChildren();
  $('#export-result').replaceChildren();
  await refresh();
  showSessions();
}

// ---- the session's state -------------------------------------------------------------

/** Whether what was asked for `session` and `piece` still is what the page shows (another
 *  session or piece opened while the answer came would get the old one's). */
function still(session, piece) {
  return view.session === session && view.piece === piece;
}

async function refresh() {
  if (!view.session) return;
  const session = view.session;
  const data = await api.call('GET', `/api/state/nemo_agent/me/${encodeURIComponent(session)}/latest`);
  if (view.session !== session) return;
  view.state = data.state;
  const drafts = data.state.drafts ?? [];
  const current = drafts.find((d) => d.piece_id === data.state.current_piece) ?? drafts[drafts.length - 1];
  view.piece = current?.piece_id ?? null;
  view.draft = data.state.draft;
  showState();
  // Each panel on its own: one that fails says so and the others still show the state.
  const shown = await Promise.allSettled([showPreview(), showTranscript(), showCredits(), showExportPrice()]);
  for (const result of shown) {
    if (result.status === 'rejected') alertUser(failure(result.reason));
  }
}

function quoted(price) {
  if (!price.credits) return say('quoteFree');
  return say(price.credits === 1 ? 'quoteOne' : 'quote', price.credits, price.available);
}

/** What typed Steps would cost now, in words ('' when it cannot be told). */
async function priceOf(steps) {
  if (!view.session || !hasVideo()) return '';
  try {
    const asked = { steps };
    if (view.piece) asked.piece_id = view.piece;
    const price = await api.call('POST', `/api/studio/${encodeURIComponent(view.session)}/quote`, asked);
    return quoted(price);
  } catch {
    return '';
  }
}

/** What an export, and an undo or redo, cost before they run. */
async function showExportPrice() {
  const [exporting, undoing] = await Promise.all([priceOf([exportStep()]), priceOf([{ do: 'undo' }])]);
  $('#export-quote').textContent = exporting;
  $('#edit-quote').textContent = undoing ? say('editPrice', undoing) : '';
}

function exportStep() {
  const step = { do: 'export', format: $('#format').value };
  if ($('#resolution').value) step.resolution = $('#resolution').value;
  return step;
}

function sourceNames() {
  const names = {};
  for (const info of view.state?.video_infos ?? []) names[info.asset_id] = info.filename;
  return names;
}

function showState() {
  const state = view.state;
  // The pieces of a batch session, one selected.
  const pieces = $('#pieces');
  pieces.replaceChildren();
  for (const draft of state.drafts ?? []) {
    pieces.append(element('button', {
      type: 'button',
      'data-piece': draft.piece_id,
      'aria-pressed': String(draft.piece_id === view.piece),
      text: `${draft.name} · ${clock(draft.duration_ms ?? 0)}`,
      onclick: () => showPiece(draft.piece_id),
    }));
  }
  // The uploaded clips themselves, playable as they are (signed links need no header).
  for (const info of state.video_infos ?? []) {
    if (info.file_type !== 'video' || !info.url) continue;
    pieces.append(element('button', {
      type: 'button',
      class: 'source',
      'data-asset': info.asset_id,
      text: say('source', info.filename),
      onclick: () => playSource(info.url),
    }));
  }
  showTimeline();
  $('#question').hidden = !state.pending_plan;
}

/** Shows another piece of a batch session; the next turn is for it (`piece_id`). */
async function showPiece(pieceId) {
  const piece = (view.state.drafts ?? []).find((d) => d.piece_id === pieceId);
  if (!piece) return;
  view.piece = pieceId;
  view.draft = piece.draft;
  showState();
  await Promise.all([showPreview(), showTranscript()]).catch((error) => alertUser(failure(error)));
}

function showTimeline() {
  const timeline = $('#timeline');
  const length = view.draft?.d ?? 0;
  for (const row of timeline.querySelectorAll('.track')) row.remove();
  for (const track of tracksOf(view.draft, sourceNames())) {
    const row = element('div', { class: `track track-${track.kind}`, 'data-kind': track.kind, role: 'group', 'aria-label': say(`track_${track.kind}`) });
    row.append(element('span', { class: 'track-name', text: say(`track_${track.kind}`) }));
    for (const segment of track.segments) {
      const left = length ? (segment.start / length) * 100 : 0;
      const width = length ? (segment.duration / length) * 100 : 0;
      const button = element('button', {
        type: 'button',
        class: 'segment',
        style: { left: `${left}%`, width: `${width}%` },
        'data-start': segment.start,
        'aria-label': say('segment', segment.label, clock(segment.start), clock(segment.start + segment.duration)),
        title: segment.label,
        text: segment.label,
        onclick: () => seek(segment.start),
      });
      row.append(button);
    }
    timeline.append(row);
  }
  movePlayhead();
}

function seek(ms) {
  const video = $('#preview');
  if (video.src) video.currentTime = ms / 1000;
}

// ---- the preview --------------------------------------------------------------------

function hasVideo() {
  return (view.draft?.t ?? []).some((t) => t.tt === 0 && (t.sg ?? []).length);
}

async function showPreview() {
  const video = $('#preview');
  const note = $('#preview-note');
  if (!hasVideo()) {
    // Nothing to play (a new session): not the last session's preview either.
    if (video.getAttribute('src')) {
      video.pause();
      video.removeAttribute('src');
      delete video.dataset.key;
      delete video.dataset.durationMs;
      video.load();
    }
    note.textContent = say('previewNone');
    note.hidden = false;
    return;
  }
  note.textContent = say('previewWaiting');
  note.hidden = false;
  const [session, pieceId] = [view.session, view.piece];
  const piece = pieceId ? `?piece=${encodeURIComponent(pieceId)}` : '';
  let preview;
  try {
    preview = await api.call('GET', `/api/studio/${encodeURIComponent(session)}/preview${piece}`);
  } catch (error) {
    if (!still(session, pieceId)) return;
    // The old video is not this timeline any more: nothing is shown rather than it.
    view.previewKey = null;
    delete video.dataset.key;
    video.removeAttribute('src');
    video.load();
    note.textContent = failure(error);
    throw error;
  }
  if (!still(session, pieceId)) return;
  note.hidden = true;
  if (preview.key === view.previewKey) return;
  const at = video.currentTime || 0;
  view.previewKey = preview.key;
  video.dataset.key = preview.key;
  video.dataset.durationMs = preview.duration_ms;
  video.src = preview.url;
  video.addEventListener('loadedmetadata', () => {
    video.currentTime = Math.min(at, Math.max(0, video.duration - 0.05));
  }, { once: true });
}

/** Plays an uploaded clip as it is; the next change (or a piece button) brings the preview back. */
function playSource(url) {
  const video = $('#preview');
  view.previewKey = null;
  delete video.dataset.key;
  video.src = url;
  video.play().catch(() => {});
}

function movePlayhead() {
  const video = $('#preview');
  const length = view.draft?.d ?? 0;
  const ms = (video.currentTime || 0) * 1000;
  $('#playhead').style.left = length ? `${Math.min(100, (ms / length) * 100)}%` : '0';
  // Titles and captions are drawn over the video from the Draft (the preview has none).
  // A source clip playing has none of the timeline's text.
  const shown = video.dataset.key ? textAt(view.draft, ms) : [];
  const key = JSON.stringify(shown);
  if (key !== view.overlayKey) {
    view.overlayKey = key;
    $('#overlay').replaceChildren(...shown.map((t) => element('p', { class: `text ${t.position} ${t.caption ? 'caption' : 'title'}`, text: t.text })));
  }
  const current = wordAt(view.words, ms);
  for (const node of document.querySelectorAll('#transcript .word.playing')) node.classList.remove('playing');
  if (current >= 0) document.querySelector(`#transcript .word[data-index="${current}"]`)?.classList.add('playing');
}

// ---- transcript and captions --------------------------------------------------------

async function showTranscript() {
  const box = $('#transcript');
  let data = { words: [], captions: [], transcribed: false };
  const [session, piece] = [view.session, view.piece];
  if (piece) {
    try {
      data = await api.call('GET', `/api/studio/${encodeURIComponent(session)}/transcript?piece=${encodeURIComponent(piece)}`);
    } catch {
      // No transcript endpoint or nothing to read: the note says what to do.
    }
    if (!still(session, piece)) return;
  }
  view.words = data.words ?? [];
  view.captions = data.captions ?? [];
  view.selected.clear();
  view.anchor = null;
  box.replaceChildren();
  if (!view.words.length) box.append(element('p', { class: 'note', text: say('transcriptNone') }));
  view.words.forEach((word, index) => {
    box.append(element('span', {
      class: 'word',
      role: 'option',
      tabindex: index === 0 ? '0' : '-1',
      'aria-selected': 'false',
      'data-index': index,
      'data-start': word.start_ms,
      'data-end': word.end_ms,
      text: word.text,
    }), ' ');
  });
  const list = $('#caption-list');
  list.replaceChildren();
  view.captions.forEach((caption, index) => {
    list.append(element('li', {},
      element('button', {
        type: 'button',
        class: 'caption',
        'data-index': caption.index ?? index,
        text: `${clock(caption.start_ms)} ${caption.text}`,
        onclick: (event) => editCaption(event.currentTarget, caption),
      })));
  });
  showSelection();
}

function select(index, extend) {
  if (index < 0 || index >= view.words.length) return;
  if (extend && view.anchor !== null) {
    const [from, to] = [Math.min(view.anchor, index), Math.max(view.anchor, index)];
    for (let i = from; i <= to; i++) view.selected.add(i);
  } else if (extend) {
    view.selected.add(index);
    view.anchor = index;
  } else {
    view.selected = new Set([index]);
    view.anchor = index;
  }
  showSelection();
  const node = document.querySelector(`#transcript .word[data-index="${index}"]`);
  for (const word of document.querySelectorAll('#transcript .word')) word.tabIndex = -1;
  if (node) {
    node.tabIndex = 0;
    node.focus();
  }
}

function showSelection() {
  for (const node of document.querySelectorAll('#transcript .word')) {
    const on = view.selected.has(Number(node.dataset.index));
    node.classList.toggle('selected', on);
    node.setAttribute('aria-selected', String(on));
  }
  const cuts = cutsFor(view.words, view.selected);
  const seconds = cuts.reduce((sum, c) => sum + (c.end_ms - c.start_ms), 0) / 1000;
  const note = $('#selection');
  note.textContent = view.selected.size ? say('selected', view.selected.size, seconds.toFixed(1)) : say('nothingSelected');
  // The price of deleting them, said before the Delete.
  if (cuts.length) {
    const ticket = (view.selectionTicket = (view.selectionTicket ?? 0) + 1);
    priceOf(cuts.map((c) => ({ do: 'cut', span: 'between', ...c }))).then((price) => {
      if (price && ticket === view.selectionTicket) note.textContent += ` ${price}`;
    });
  }
  action('delete-words').disabled = view.selected.size === 0 || view.busy;
}

async function deleteWords() {
  const cuts = cutsFor(view.words, view.selected);
  if (!cuts.length) return;
  const said = [...view.selected].sort((a, b) => a - b).map((i) => view.words[i].text).join(' ');
  const steps = cuts.map((c) => ({ do: 'cut', span: 'between', start_ms: c.start_ms, end_ms: c.end_ms }));
  await runTurn({ steps, text: `${say('deleteWords')}: “${said}”` });
}

function editCaption(button, caption) {
  // A caption may have two lines: Enter saves, Shift+Enter breaks the line.
  const input = element('textarea', { rows: '2', 'aria-label': say('captionEdit', (caption.index ?? 0) + 1) });
  input.value = caption.text;
  button.replaceWith(input);
  input.focus();
  input.select();
  input.addEventListener('keydown', async (event) => {
    if (event.key === 'Escape') {
      input.replaceWith(button);
      button.focus();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || text === caption.text) {
        input.replaceWith(button);
        return;
      }
      await runTurn({ steps: [{ do: 'fix_caption', index: caption.index, text }], text: `“${caption.text}” → “${text}”` });
    }
  });
}

// ---- talking ------------------------------------------------------------------------

function addMessage(who, text = '') {
  const body = element('p', { class: 'body', text });
  const message = element('div', { class: `message ${who}` },
    element('span', { class: 'who', text: who === 'user' ? say('you') : say('assistant') }), body);
  $('#messages').append(message);
  message.scrollIntoView({ block: 'end' });
  return body;
}

function setBusy(busy) {
  view.busy = busy;
  for (const name of ['send', 'undo', 'redo', 'reset', 'export', 'yes', 'no']) action(name).disabled = busy;
  showSelection();
}

/** A turn: words, typed Steps, or both; streamed into a new reply. */
async function runTurn({ text, steps }, onEvent = () => {}) {
  if (view.busy) return;
  setBusy(true);
  addMessage('user', text ?? '');
  const reply = addMessage('assistant');
  const work = $('#work-line');
  let said = false;
  try {
    await ensureSession((text ?? 'project').slice(0, 60));
    const body = { session_id: view.session, new_message: { parts: [{ text: text ?? '' }] } };
    if (view.piece) body.piece_id = view.piece;
    if (steps) body.steps = steps;
    await api.turn(body, (event) => {
      if (event.type === 'text' || event.type === 'error') said = true;
      if (event.type === 'text') {
        reply.textContent += (reply.textContent ? '\n' : '') + event.content;
      } else if (event.type === 'progress') {
        work.hidden = false;
        $('#work-label').textContent = has(`stage_${event.stage}`) ? say(`stage_${event.stage}`) : say('working');
        $('#work').value = event.fraction;
      } else if (event.type === 'error') {
        reply.classList.add('failed');
        reply.textContent += (reply.textContent ? '\n' : '') + event.message;
      }
      onEvent(event);
      const messages = $('#messages');
      messages.scrollTop = messages.scrollHeight;
    }, () => setStatus('lost'));
    setStatus('ready');
    // A stream that ended without a word (the server restarted mid-turn): say so, and show
    // the timeline as it is now.
    if (!said) {
      reply.classList.add('failed');
      reply.textContent = say('interrupted');
    }
  } catch (error) {
    reply.classList.add('failed');
    reply.textContent = failure(error);
  } finally {
    work.hidden = true;
    setBusy(false);
  }
  try {
    await refresh();
  } catch (error) {
    alertUser(failure(error));
  }
  showSessions();
}

function sendWords(text) {
  return runTurn({ text });
}

let quoting = 0;
async function showQuote() {
  const text = $('#message').value.trim();
  const ticket = ++quoting;
  const quote = $('#quote');
  if (!text || !view.session) {
    quote.textContent = '';
    return;
  }
  try {
    const asked = { text };
    if (view.piece) asked.piece_id = view.piece;
    const price = await api.call('POST', `/api/studio/${encodeURIComponent(view.session)}/quote`, asked);
    if (ticket !== quoting) return;
    quote.textContent = quoted(price);
  } catch {
    if (ticket === quoting) quote.textContent = '';
  }
}

// ---- uploads ------------------------------------------------------------------------

async function uploadAll(files) {
  if (!files.length) return;
  try {
    await ensureSession(files[0].name.replace(/\.[^.]+$/, ''));
  } catch (error) {
    alertUser(failure(error));
    return;
  }
  await Promise.all([...files].map(uploadOne));
  await refresh().catch((error) => alertUser(failure(error)));
  showSessions();
}

async function uploadOne(file) {
  const bar = element('progress', { max: '1', value: '0' });
  const label = element('span', { text: say('uploading', file.name) });
  const row = element('li', {}, label, bar);
  $('#uploads').append(row);
  try {
    await api.upload(view.session, file, (fraction) => { bar.value = fraction; });
    bar.value = 1;
    label.textContent = say('uploaded', file.name);
  } catch (error) {
    row.remove();
    let why = error.message;
    if (error.code === 4001) why = `${why} ${say('formats')}`;
    alertUser(say('refused', file.name, why));
  }
}

// ---- export -------------------------------------------------------------------------

async function exportVideo() {
  const step = exportStep();
  const result = $('#export-result');
  const bar = $('#export-progress');
  result.replaceChildren(say('exporting'));
  bar.hidden = false;
  bar.value = 0;
  let job = null;
  await runTurn({ steps: [step], text: `${say('export')} ${step.format}${step.resolution ? ` ${step.resolution}` : ''}` }, (event) => {
    if (event.type === 'progress' && event.stage === 'render') bar.value = event.fraction;
    if (event.type === 'tool_result' && event.name === 'export') job = event.result;
  });
  bar.hidden = true;
  if (!job) {
    result.replaceChildren();
    return;
  }
  try {
    const status = await api.call('GET', `/api/render/proxy/lambda/${encodeURIComponent(job.id)}`);
    // On the page's own origin (the server names its listening address, which may not be
    // the one the browser reached), so the download attribute holds.
    const signed = new URL(status.outputUrl, window.location.href);
    const link = element('a', {
      href: `${signed.pathname}${signed.search}`,
      download: `${job.piece || 'video'}.${job.format || step.format}`.replace(/[\\/]/g, '_'),
      'data-role': 'download',
      text: `${say('download')} ${job.piece ?? ''} (${clock((job.duration ?? 0) * 1000)})`,
    });
    result.replaceChildren(link);
    link.focus();
  } catch (error) {
    result.replaceChildren(failure(error));
  }
}

// ---- keyboard and wiring ------------------------------------------------------------

function wire() {
  const languages = $('#language');
  for (const [code, name] of Object.entries(LANGUAGES)) languages.append(element('option', { value: code, text: name }));
  languages.addEventListener('change', () => {
    localStorage.setItem('cutline.language', languages.value);
    applyLanguage(languages.value);
  });

  $('#files').addEventListener('change', (event) => {
    uploadAll([...event.target.files]);
    event.target.value = '';
  });
  const drop = $('#drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('dragging');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('dragging');
    uploadAll([...event.dataTransfer.files]);
  });

  $('#ask').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('#message').value.trim();
    if (!text) return;
    $('#message').value = '';
    $('#quote').textContent = '';
    sendWords(text);
  });
  $('#message').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('#ask').requestSubmit();
    }
  });
  let typing;
  $('#message').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(showQuote, 400);
  });

  action('undo').addEventListener('click', () => runTurn({ steps: [{ do: 'undo' }], text: say('undo') }));
  action('redo').addEventListener('click', () => runTurn({ steps: [{ do: 'redo' }], text: say('redo') }));
  action('reset').addEventListener('click', () => runTurn({ steps: [{ do: 'reset' }], text: say('startOver') }));
  action('yes').addEventListener('click', () => sendWords(say('yes')));
  action('no').addEventListener('click', () => sendWords(say('no')));
  action('export').addEventListener('click', exportVideo);
  for (const id of ['#format', '#resolution']) $(id).addEventListener('change', () => view.session && showExportPrice());
  action('delete-words').addEventListener('click', deleteWords);
  action('new-session').addEventListener('click', () => newSession().catch((error) => alertUser(failure(error))));

  const transcript = $('#transcript');
  transcript.addEventListener('click', (event) => {
    const word = event.target.closest('.word');
    if (!word) return;
    const index = Number(word.dataset.index);
    select(index, event.shiftKey);
    seek(view.words[index].start_ms);
  });
  transcript.addEventListener('keydown', (event) => {
    const word = event.target.closest('.word');
    if (!word) return;
    const index = Number(word.dataset.index);
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (event.key in moves) {
      event.preventDefault();
      if (event.shiftKey && view.anchor === null) view.anchor = index;
      select(index + moves[event.key], event.shiftKey);
    } else if (event.key === ' ') {
      event.preventDefault();
      select(index, event.shiftKey);
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      deleteWords();
    }
  });

  const video = $('#preview');
  for (const name of ['timeupdate', 'seeked', 'loadedmetadata']) video.addEventListener(name, movePlayhead);
  const follow = () => {
    movePlayhead();
    if (!video.paused) requestAnimationFrame(follow);
  };
  video.addEventListener('play', follow);
}

async function start() {
  wire();
  applyLanguage(localStorage.getItem('cutline.language') || browserLanguage());
  $('#language').value = language();
  try {
    connected = api.connect();
    await showCredits(await connected);
    setStatus('ready');
    const kept = localStorage.getItem('cutline.session');
    if (kept) {
      await open(kept).catch((error) => {
        if (error instanceof ApiError && (error.code === 1002 || error.status === 404)) {
          view.session = null;
          localStorage.removeItem('cutline.session');
        } else {
          alertUser(failure(error));
        }
        showSessions();
      });
    } else {
      showSessions();
    }
  } catch (error) {
    setStatus(null, failure(error));
  }
}

start();
