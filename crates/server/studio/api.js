// The public HTTP API as the page uses it: a token kept per origin, JSON calls in the
// protocol's envelope, uploads with progress, and chat turns streamed over fetch (EventSource
// cannot POST) that pick up where they were with Last-Event-ID when the connection drops.

const ATTRIBUTION = {
  'X-Skill-Source': 'cutline-studio',
  'X-Skill-Version': '1',
  'X-Skill-Platform': 'web',
};

/** A refusal or failure, with the protocol's code and the server's words. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** How many times a dropped stream is picked up again before the page gives up. */
const RESUMES = 6;

export class Api {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    this.token = storage.getItem('cutline.token');
  }

  headers(extra = {}) {
    const headers = { ...ATTRIBUTION, ...extra };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** A token that works: the kept one, or a new anonymous one. */
  async connect() {
    if (this.token) {
      try {
        return await this.call('GET', '/api/credits/balance/simple');
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 1001) throw error;
      }
    }
    let client = this.storage.getItem('cutline.client');
    if (!client) {
      client = crypto.randomUUID();
      this.storage.setItem('cutline.client', client);
    }
    this.token = null;
    const data = await this.call('POST', '/api/auth/anonymous-token', undefined, {
      'X-Client-Id': client,
    });
    this.token = data.token;
    this.storage.setItem('cutline.token', data.token);
    return this.call('GET', '/api/credits/balance/simple');
  }

  async call(method, path, body, extra = {}) {
    const headers = this.headers(extra);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return opened(response.status, await response.text(), response.headers.get('Retry-After'));
  }

  /** Uploads one file; `progress(fraction)` as it goes. */
  upload(sessionId, file, progress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', `/api/upload-video/nemo_agent/me/${encodeURIComponent(sessionId)}`);
      for (const [name, value] of Object.entries(this.headers())) {
        request.setRequestHeader(name, value);
      }
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) progress(event.loaded / event.total);
      };
      request.onload = () => {
        try {
          resolve(opened(request.status, request.responseText));
        } catch (error) {
          reject(error);
        }
      };
      request.onerror = () => reject(new ApiError(0, 0, 'the connection was lost'));
      const form = new FormData();
      form.append('files', file, file.name);
      request.send(form);
    });
  }

  /**
   * Runs a chat turn (`body` is /run_sse's), calling `event({id, ...})` for each event.
   * A stream cut before the turn's end is opened again with the last id seen, so no event
   * is missed nor seen twice; `lost()` is called each time that happens.
   */
  async turn(body, event, lost = () => {}) {
    let lastId = null;
    for (let attempt = 0; ; attempt++) {
      const headers = this.headers({ 'Content-Type': 'application/json' });
      // Once the turn has started, ask for its events after the last one seen (0: all of
      // the session's latest turn, which is this one: a session runs one turn at a time).
      if (attempt > 0) headers['Last-Event-ID'] = String(lastId ?? 0);
      let response;
      try {
        response = await fetch('/run_sse', { method: 'POST', headers, body: JSON.stringify(body) });
      } catch (error) {
        // Never started: starting it again could run it twice.
        if (attempt === 0) throw new ApiError(0, 0, 'the connection was lost');
        if (attempt >= RESUMES) throw new ApiError(0, 0, 'the connection was lost');
        lost();
        await pause(attempt);
        continue;
      }
      if (!response.ok) {
        opened(response.status, await response.text(), response.headers.get('Retry-After'));
      }
      try {
        for await (const received of events(response.body)) {
          if (received.id !== undefined) lastId = received.id;
          event(received);
        }
        return;
      } catch (error) {
        if (attempt >= RESUMES) throw new ApiError(0, 0, 'the connection was lost');
        lost();
        await pause(attempt + 1);
      }
    }
  }
}

function pause(attempt) {
  return new Promise((resolve) => setTimeout(resolve, Math.min(4000, 250 * 2 ** attempt)));
}

/** The data of an envelope, or its refusal as an ApiError. */
function opened(status, text, retryAfter) {
  let envelope;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw new ApiError(status, status, `the server answered ${status}`);
  }
  if (status >= 400 || (envelope.code !== undefined && envelope.code !== 0)) {
    throw new ApiError(status, envelope.code ?? status, envelope.message, retryAfter);
  }
  return envelope.data;
}

/** Server-sent events from a fetch body: `{id, type, ...}` each. */
async function* events(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id;
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('id:')) id = Number(line.slice(3).trim());
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (!data.length) continue;
      yield { ...JSON.parse(data.join('\n')), id };
    }
  }
}
