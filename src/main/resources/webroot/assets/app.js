'use strict';
// astrgate webchat: a plain client of the public Open API (/api/v1/*) with the key the user typed.
// No framework, no build step; every text from the server is put in the page as text, never as HTML.

const $ = (id) => document.getElementById(id);

const KEYS = { key: 'astrgate.key', user: 'astrgate.username', config: 'astrgate.config', session: 'astrgate.session' };

const state = {
  key: null,
  username: null,
  sessionId: null,      // null: a new chat; the server names it in its first event
  sessions: [],
  transcripts: new Map(), // session id -> message nodes shown in this page (history is not in the Open API)
  abort: null,          // AbortController of the reply being streamed
  pending: [],          // attachments in the composer: {file, url, status, id, type, chip}
};

/** An envelope error: HTTP status plus the server's message. */
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// ---------- API ----------

/** Reads an envelope; anything but status "ok" (whatever the HTTP status, see compat mode) is an ApiError. */
async function readEnvelope(res) {
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch (e) {
    // not JSON: reported below with the start of the text
  }
  if (!res.ok || !body || body.status !== 'ok') {
    const message = body && typeof body.message === 'string' && body.message
      ? body.message
      : (text.trim().slice(0, 200) || res.statusText || 'request failed');
    throw new ApiError(res.status, message);
  }
  return body.data;
}

async function api(path, options = {}) {
  let res;
  try {
    res = await fetch(path, { ...options, headers: { 'X-API-Key': state.key, ...(options.headers || {}) } });
  } catch (e) {
    throw new ApiError(0, 'Network error: ' + e.message);
  }
  return readEnvelope(res);
}

function describe(err) {
  if (err instanceof ApiError) {
    return (err.status ? 'HTTP ' + err.status + ' · ' : '') + err.message;
  }
  return String(err && err.message ? err.message : err);
}

/**
 * Reads an SSE body frame by frame ("data: <json>\n\n"); comment frames such as ": heartbeat" carry no data
 * and are skipped.
 */
async function readSse(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buf += value;
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = frame.split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (!data) {
        continue;
      }
      let event;
      try {
        event = JSON.parse(data);
      } catch (e) {
        continue;
      }
      onEvent(event);
    }
  }
}

// ---------- small DOM helpers ----------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = text;
  }
  return node;
}

function showBanner(text) {
  $('banner-text').textContent = text;
  $('banner').hidden = false;
}

function showError(err) {
  showBanner(describe(err));
}

function hideBanner() {
  $('banner').hidden = true;
}

function nearBottom() {
  const m = $('messages');
  return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
}

function scrollDown(force) {
  const m = $('messages');
  if (force || nearBottom()) {
    m.scrollTop = m.scrollHeight;
  }
}

function shortId(id) {
  return id.length > 13 ? id.slice(0, 8) + '…' + id.slice(-4) : id;
}

function sessionLabel(s) {
  return s.display_name || s.session_id;
}

function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return '';
  }
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

// ---------- sign in / out ----------

function showSignIn(message) {
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-key').value = state.key || '';
  $('signin-user').value = state.username || '';
  const box = $('signin-error');
  box.hidden = !message;
  box.textContent = message || '';
  (state.key ? $('signin-user') : $('signin-key')).focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $('signin-key').value.trim();
  const username = $('signin-user').value.trim();
  if (!key || !username) {
    return;
  }
  $('signin-submit').disabled = true;
  state.key = key;
  state.username = username;
  try {
    // The session list needs the same key scope as chatting, so it doubles as the key check.
    await loadSessions(true);
  } catch (err) {
    showSignIn(describe(err));
    return;
  } finally {
    $('signin-submit').disabled = false;
  }
  localStorage.setItem(KEYS.key, key);
  localStorage.setItem(KEYS.user, username);
  localStorage.removeItem(KEYS.session);
  enterApp();
}

function signOut() {
  if (state.abort) {
    state.abort.abort();
  }
  for (const k of Object.values(KEYS)) {
    if (k !== KEYS.config) {
      localStorage.removeItem(k);
    }
  }
  state.key = null;
  state.username = null;
  state.sessionId = null;
  state.sessions = [];
  state.transcripts.clear();
  clearAttachments();
  $('messages').replaceChildren();
  hideBanner();
  showSignIn();
}

function enterApp() {
  $('signin').hidden = true;
  $('app').hidden = false;
  $('user-name').textContent = state.username;
  $('user-name').title = 'Signed in as ' + state.username;
  renderSessions();
  updateComposer();
  const remembered = localStorage.getItem(KEYS.session);
  if (remembered) {
    selectSession(remembered);
  } else {
    newChat();
  }
  loadConfigs();
}

// ---------- sessions ----------

async function loadSessions(throwErrors) {
  const q = new URLSearchParams({ username: state.username, page: '1', page_size: '50', platform_id: 'webchat' });
  try {
    const data = await api('/api/v1/chat/sessions?' + q);
    state.sessions = data.sessions || [];
    renderSessions();
  } catch (err) {
    if (throwErrors) {
      throw err;
    }
    showError(err);
  }
}

function renderSessions() {
  const list = $('sessions');
  list.replaceChildren();
  for (const s of state.sessions) {
    const li = el('li');
    const b = el('button', 'session');
    b.type = 'button';
    b.dataset.sessionId = s.session_id;
    b.title = s.session_id;
    b.append(el('span', 'session-name', s.display_name || shortId(s.session_id)));
    b.append(el('span', 'session-time', formatTime(s.updated_at || s.created_at)));
    if (s.session_id === state.sessionId) {
      b.setAttribute('aria-current', 'true');
    }
    b.addEventListener('click', () => selectSession(s.session_id));
    li.append(b);
    list.append(li);
  }
  $('sessions-empty').hidden = state.sessions.length > 0;
}

function setTitle() {
  const s = state.sessions.find((x) => x.session_id === state.sessionId);
  $('chat-title').textContent = state.sessionId ? (s ? sessionLabel(s) : state.sessionId) : 'New chat';
  $('chat-title').title = state.sessionId || '';
}

function newChat() {
  if (state.abort) {
    return;
  }
  state.sessionId = null;
  localStorage.removeItem(KEYS.session);
  const m = $('messages');
  m.replaceChildren(el('div', 'hint', 'Ask anything. Replies stream in as they are written; attach images or files with the clip.'));
  setTitle();
  renderSessions();
  closeSidebar();
  $('input').focus();
}

function selectSession(id) {
  if (state.abort) {
    return;
  }
  state.sessionId = id;
  localStorage.setItem(KEYS.session, id);
  const m = $('messages');
  const kept = state.transcripts.get(id);
  if (kept && kept.length) {
    m.replaceChildren(...kept);
  } else {
    // History is not part of the Open API: say so, and carry on in the same session.
    const note = el('div', 'hint resumed');
    note.append(el('strong', null, 'Session selected. '));
    note.append(document.createTextNode('Earlier messages are not available through the Open API, so they are not '
      + 'shown here. What you send now continues this conversation (the server keeps its context).'));
    note.append(el('code', 'sid', id));
    m.replaceChildren(note);
    state.transcripts.set(id, [note]);
  }
  setTitle();
  renderSessions();
  closeSidebar();
  scrollDown(true);
}

function remember(node) {
  if (state.sessionId) {
    const list = state.transcripts.get(state.sessionId) || [];
    list.push(node);
    state.transcripts.set(state.sessionId, list);
  }
}

// ---------- configs ----------

async function loadConfigs() {
  const select = $('config');
  try {
    const data = await api('/api/v1/configs');
    const configs = data.configs || [];
    select.replaceChildren();
    for (const c of configs) {
      const o = el('option', null, c.is_default && c.name !== 'default' ? c.name + ' (default)' : c.name);
      o.value = c.id;
      select.append(o);
    }
    const wanted = localStorage.getItem(KEYS.config);
    select.value = configs.some((c) => c.id === wanted) ? wanted : 'default';
    $('config-box').hidden = configs.length === 0;
  } catch (err) {
    $('config-box').hidden = true;
    showBanner('Configs unavailable: ' + describe(err));
  }
}

// ---------- attachments ----------

function clearAttachments() {
  for (const a of state.pending) {
    if (a.url) {
      URL.revokeObjectURL(a.url);
    }
  }
  state.pending = [];
  $('attachments').replaceChildren();
  updateComposer();
}

function addFiles(files) {
  for (const file of files) {
    const a = { file, url: file.type.startsWith('image/') ? URL.createObjectURL(file) : null, status: 'uploading' };
    const chip = el('div', 'chip uploading');
    chip.title = file.name;
    if (a.url) {
      const img = el('img', 'thumb');
      img.src = a.url;
      img.alt = file.name;
      chip.append(img);
    } else {
      chip.append(el('span', 'file-icon', 'FILE'));
    }
    chip.append(el('span', 'chip-name', file.name));
    const x = el('button', 'chip-remove', '×');
    x.type = 'button';
    x.setAttribute('aria-label', 'Remove ' + file.name);
    x.addEventListener('click', () => {
      state.pending = state.pending.filter((p) => p !== a);
      chip.remove();
      updateComposer();
    });
    chip.append(x);
    a.chip = chip;
    $('attachments').append(chip);
    state.pending.push(a);
    upload(a);
  }
  updateComposer();
}

async function upload(a) {
  const form = new FormData();
  form.append('file', a.file, a.file.name);
  try {
    const data = await api('/api/v1/file', { method: 'POST', body: form });
    a.id = data.attachment_id;
    a.type = data.type;
    a.status = 'ready';
    a.chip.classList.remove('uploading');
    a.chip.dataset.attachmentId = a.id;
  } catch (err) {
    a.status = 'failed';
    a.chip.classList.remove('uploading');
    a.chip.classList.add('failed');
    state.pending = state.pending.filter((p) => p !== a);
    showBanner('Upload of ' + a.file.name + ' failed: ' + describe(err));
  }
  updateComposer();
}

// ---------- chatting ----------

function updateComposer() {
  const busy = !!state.abort;
  const uploading = state.pending.some((a) => a.status === 'uploading');
  const empty = !$('input').value.trim() && !state.pending.some((a) => a.status === 'ready');
  $('send').hidden = busy;
  $('stop').hidden = !busy;
  $('new-chat').disabled = busy; // switching away mid-reply would orphan it; Stop first
  $('send').disabled = uploading || empty;
  $('send').title = uploading ? 'Waiting for uploads' : '';
}

function userBubble(text, attachments) {
  const node = el('div', 'msg user');
  if (attachments.length) {
    const row = el('div', 'msg-attachments');
    for (const a of attachments) {
      if (a.url) {
        const img = el('img', 'thumb');
        img.src = a.url;
        img.alt = a.file.name;
        row.append(img);
      } else {
        row.append(el('span', 'file-pill', a.file.name));
      }
    }
    node.append(row);
  }
  if (text) {
    node.append(el('div', 'text', text));
  }
  return node;
}

/** A bot reply being streamed: text, reasoning, tool notes, stats. */
function botBubble() {
  const node = el('div', 'msg bot streaming');
  const reasoning = el('details', 'reasoning');
  reasoning.hidden = true;
  reasoning.append(el('summary', null, 'Reasoning'));
  const reasoningText = el('div', 'reasoning-text');
  reasoning.append(reasoningText);
  const text = el('div', 'text');
  const extras = el('div', 'extras');
  const meta = el('div', 'meta');
  node.append(reasoning, text, extras, meta);
  return { node, reasoning, reasoningText, text, extras, meta, ended: false, stats: null };
}

function handleEvent(bot, ev, started) {
  switch (ev.type) {
    case 'session_id':
      if (ev.session_id && state.sessionId !== ev.session_id) {
        adoptSession(ev.session_id, started);
      }
      break;
    case 'plain':
      if (ev.chain_type === 'reasoning') {
        bot.reasoning.hidden = false;
        bot.reasoningText.textContent += ev.data || '';
      } else if (ev.chain_type === 'tool_call' || ev.chain_type === 'tool_call_result') {
        bot.extras.append(el('div', 'tool', toolNote(ev)));
      } else {
        bot.text.textContent += ev.data || '';
      }
      break;
    case 'image':
    case 'record':
    case 'file':
      bot.extras.append(el('div', 'tool', ev.type + ': ' + String(ev.data || '').replace(/^\[[A-Z]+\]/, '')));
      break;
    case 'complete':
      // Streaming mode repeats the whole text here; keep it if the deltas were lost.
      if (!bot.text.textContent && ev.data) {
        bot.text.textContent = ev.data;
      }
      break;
    case 'agent_stats':
      bot.stats = ev.data;
      break;
    case 'end':
      bot.ended = true;
      break;
    default:
      break;
  }
  scrollDown();
}

function toolNote(ev) {
  try {
    const d = JSON.parse(ev.data);
    return ev.chain_type === 'tool_call' ? 'Tool call: ' + (d.name || '?') : 'Tool result received';
  } catch (e) {
    return ev.chain_type;
  }
}

/** The server named the new chat: it becomes the selected session and joins the list at once. */
function adoptSession(id, nodes) {
  state.sessionId = id;
  localStorage.setItem(KEYS.session, id);
  state.transcripts.set(id, nodes.slice());
  if (!state.sessions.some((s) => s.session_id === id)) {
    const now = new Date().toISOString();
    state.sessions.unshift({ session_id: id, display_name: null, created_at: now, updated_at: now });
  }
  setTitle();
  renderSessions();
}

function finishBubble(bot, how) {
  bot.node.classList.remove('streaming');
  const bits = [];
  if (how) {
    bits.push(how);
  }
  if (bot.stats && bot.stats.token_usage) {
    const u = bot.stats.token_usage;
    bits.push((u.input_other + u.input_cached) + ' in · ' + u.output + ' out');
    if (bot.stats.end_time && bot.stats.start_time) {
      bits.push((bot.stats.end_time - bot.stats.start_time).toFixed(1) + ' s');
    }
  }
  bot.meta.textContent = bits.join(' · ');
  if (!bot.text.textContent && !bot.extras.childElementCount && bot.reasoning.hidden) {
    bot.text.textContent = how === 'stopped' ? '' : '(no reply)';
  }
}

async function send(event) {
  if (event) {
    event.preventDefault();
  }
  if (state.abort || $('send').disabled) {
    return;
  }
  const text = $('input').value.trim();
  const attachments = state.pending.filter((a) => a.status === 'ready');
  if (!text && !attachments.length) {
    return;
  }
  const message = attachments.length
    ? [...(text ? [{ type: 'plain', text }] : []), ...attachments.map((a) => ({ type: a.type, attachment_id: a.id }))]
    : text;
  const body = { username: state.username, message, enable_streaming: true };
  if (state.sessionId) {
    body.session_id = state.sessionId;
  }
  if (!$('config-box').hidden && $('config').value) {
    body.config_id = $('config').value;
  }

  const m = $('messages');
  m.querySelectorAll('.hint:not(.resumed)').forEach((h) => h.remove());
  const mine = userBubble(text, attachments);
  const bot = botBubble();
  m.append(mine, bot.node);
  remember(mine);
  remember(bot.node);
  const started = [mine, bot.node];
  scrollDown(true);
  $('input').value = '';
  autosize();
  state.pending = state.pending.filter((a) => !attachments.includes(a));
  for (const a of attachments) {
    a.chip.remove();
  }
  hideBanner();

  const wasNew = !state.sessionId;
  const ctl = new AbortController();
  state.abort = ctl;
  updateComposer();
  try {
    let res;
    try {
      res = await fetch('/api/v1/chat', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', 'X-API-Key': state.key },
        body: JSON.stringify(body),
        signal: ctl.signal,
      });
    } catch (e) {
      if (e.name === 'AbortError') {
        throw e;
      }
      throw new ApiError(0, 'Network error: ' + e.message);
    }
    if (!res.ok || !(res.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
      await readEnvelope(res); // always throws for a chat request that did not start a stream
    }
    await readSse(res.body, (ev) => handleEvent(bot, ev, started));
    finishBubble(bot, bot.ended ? '' : 'the stream closed before its end');
  } catch (err) {
    if (err.name === 'AbortError') {
      finishBubble(bot, 'stopped');
    } else {
      bot.node.remove();
      mine.classList.add('failed');
      mine.append(el('div', 'meta', 'not sent: ' + describe(err)));
      showError(err);
    }
  } finally {
    state.abort = null;
    updateComposer();
    scrollDown();
  }
  if (wasNew && state.sessionId) {
    // A new session may get a generated title shortly after its first reply.
    await loadSessions(false);
    setTitle();
    setTimeout(() => loadSessions(false).then(setTitle), 2500);
  }
}

function stop() {
  if (state.abort) {
    // Aborting the fetch closes the connection; the server then cancels its upstream LLM request.
    state.abort.abort();
  }
}

// ---------- layout ----------

function openSidebar() {
  $('sidebar').classList.add('open');
  $('scrim').hidden = false;
}

function closeSidebar() {
  $('sidebar').classList.remove('open');
  $('scrim').hidden = true;
}

function autosize() {
  const t = $('input');
  t.style.height = 'auto';
  t.style.height = Math.min(t.scrollHeight, 200) + 'px';
}

function init() {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('new-chat').addEventListener('click', newChat);
  $('composer').addEventListener('submit', send);
  $('stop').addEventListener('click', stop);
  $('banner-close').addEventListener('click', hideBanner);
  $('menu').addEventListener('click', openSidebar);
  $('sidebar-close').addEventListener('click', closeSidebar);
  $('scrim').addEventListener('click', closeSidebar);
  $('config').addEventListener('change', () => localStorage.setItem(KEYS.config, $('config').value));
  $('file').addEventListener('change', (e) => {
    addFiles(Array.from(e.target.files || []));
    e.target.value = '';
  });
  const input = $('input');
  input.addEventListener('input', () => {
    autosize();
    updateComposer();
  });
  input.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter starts a new line (not while an IME is composing).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  document.addEventListener('paste', (e) => {
    const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
    if (files.length && !$('app').hidden) {
      addFiles(files);
    }
  });

  state.key = localStorage.getItem(KEYS.key);
  state.username = localStorage.getItem(KEYS.user);
  if (!state.key || !state.username) {
    showSignIn();
    return;
  }
  enterApp();
  loadSessions(true).then(setTitle).catch((err) => {
    if (err.status === 401) {
      showSignIn(describe(err)); // the stored key was revoked or has expired
    } else {
      showError(err);
    }
  });
}

init();
