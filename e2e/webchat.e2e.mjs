// Browser tests of astrgate's pages, run by BrowserTest (mvn verify) against a real node whose LLM is a fake.
// Env: BASE_URL (the node), API_KEY, CONTROL_URL (the fake's control server), CHROMIUM_PATH, OUT_DIR (failure
// screenshots), SCREENSHOT_DIR (optional: also write the README's screenshots there).
// Prints "ok - <scenario> # <ms> ms" or "not ok - <scenario> # <reason>" per scenario; exits 1 on any failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';

const env = process.env;
const BASE = env.BASE_URL;
const KEY = env.API_KEY;
const CONTROL = env.CONTROL_URL;
const OUT = env.OUT_DIR || 'target-e2e';
const SHOTS = env.SCREENSHOT_DIR || '';
for (const name of ['BASE_URL', 'API_KEY', 'CONTROL_URL']) {
  if (!env[name]) {
    console.error(name + ' is not set');
    process.exit(2);
  }
}
mkdirSync(OUT, { recursive: true });

// As recommended for this machine: no sandbox (root), and no background connections to a network we do not have.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

// ---------- harness ----------

let passed = 0;
let failed = 0;
const scriptErrors = [];

function check(cond, message) {
  if (!cond) {
    throw new Error(message);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function scenario(name, page, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} # ${Date.now() - started} ms`);
    return true;
  } catch (err) {
    failed++;
    const file = join(OUT, name.replace(/[^a-z0-9]+/gi, '-') + '.png');
    try {
      if (page && !page.isClosed()) {
        await page.screenshot({ path: file, fullPage: true });
      }
    } catch (e) {
      // the page may be gone; the message below still says what failed
    }
    console.log(`not ok - ${name} # ${String(err && err.stack || err).split('\n').slice(0, 6).join('\n#   ')}`);
    console.log(`#   screenshot: ${file}`);
    return false;
  }
}

function skip(name) {
  failed++;
  console.log(`not ok - ${name} # skipped: an earlier scenario failed`);
}

function watch(page, label) {
  page.on('pageerror', (err) => scriptErrors.push(`${label}: page error: ${err.message}`));
  page.on('console', (msg) => {
    // A refused request is logged by Chromium itself ("Failed to load resource"); the page shows those.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      scriptErrors.push(`${label}: console error: ${msg.text()}`);
    }
  });
}

// ---------- the fake LLM ----------

async function controlCall(method, path, body) {
  const res = await fetch(CONTROL + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  check(res.ok, `control ${method} ${path}: HTTP ${res.status}`);
  return res.json();
}

/** Queues one reply of the fake LLM: tokens (each after delay_ms) and optional reasoning. */
const queueReply = (tokens, opts = {}) => controlCall('POST', '/reply', { tokens, ...opts });
const upstreamRequests = async () => (await controlCall('GET', '/requests')).requests;

/** Words of a sentence as tokens, spaces kept. */
const words = (s) => s.match(/\S+\s*/g);

// ---------- page helpers ----------

async function signIn(page, username, key = KEY) {
  await page.goto(BASE + '/');
  await page.locator('#signin').waitFor();
  await page.fill('#signin-key', key);
  await page.fill('#signin-user', username);
  await page.click('#signin-submit');
}

async function lastBot(page) {
  return page.locator('.msg.bot').last();
}

/** Waits until no reply is streaming. */
async function waitIdle(page, timeout = 10000) {
  await page.waitForFunction(() => !document.querySelector('.msg.bot.streaming'), null, { timeout });
}

async function send(page, text) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

/** A w×h PNG: a coloured square with a lighter disc, so a thumbnail is visibly an image. */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) {
      c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const inDisc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (w / 3) ** 2;
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = inDisc ? 0xfc : 0xdc;
      raw[o + 1] = inDisc ? 0xa5 : 0x26;
      raw[o + 2] = inDisc ? 0xa5 : 0x26;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// ---------- scenarios ----------

const browser = await chromium.launch({ executablePath: env.CHROMIUM_PATH || '/usr/bin/chromium', args: ARGS });
const user = 'e2e-' + Date.now().toString(36);
const state = {};

const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await desk.newPage();
page.setDefaultTimeout(8000);
watch(page, 'webchat');

const chatScenarios = [
  ['sign in', async () => {
    await signIn(page, user, 'abk_not_a_real_key');
    const err = page.locator('#signin-error');
    await err.waitFor();
    const text = await err.textContent();
    check(text.includes('HTTP 401') && text.includes('Invalid API key'), 'wrong key shows the 401 envelope: ' + text);
    check(await page.locator('#app').isHidden(), 'the app stays closed with a wrong key');
    await page.screenshot({ path: join(OUT, 'signin-error.png') });
    await page.fill('#signin-key', KEY);
    await page.click('#signin-submit');
    await page.locator('#app').waitFor();
    check((await page.textContent('#user-name')) === user, 'the username is shown');
    const stored = await page.evaluate(() => [localStorage.getItem('astrgate.key'), localStorage.getItem('astrgate.username')]);
    check(stored[0] === KEY && stored[1] === user, 'key and username are remembered');
    await page.locator('#config-box').waitFor();
    const configs = await page.$$eval('#config option', (os) => os.map((o) => o.value));
    check(configs.includes('default') && configs.includes('alt'), 'configs listed: ' + configs);
    check((await page.inputValue('#config')) === 'default', 'default config selected');
  }],

  ['streamed reply grows', async () => {
    const answer = 'The quick brown fox jumps over the lazy dog, then naps in the afternoon sun.';
    await queueReply(words(answer), { delay_ms: 150, reasoning: ['Thinking ', 'about ', 'foxes.'] });
    await queueReply(['Fox sentence']); // the session's generated title
    await send(page, 'Tell me about the fox');
    const lengths = [];
    const deadline = Date.now() + 10000;
    for (;;) {
      const sample = await page.evaluate(() => {
        const bots = document.querySelectorAll('.msg.bot');
        const b = bots[bots.length - 1];
        return b ? { len: b.querySelector('.text').textContent.length, streaming: b.classList.contains('streaming') } : null;
      });
      if (sample) {
        lengths.push(sample.len);
        if (!sample.streaming) {
          break;
        }
      }
      check(Date.now() < deadline, 'the reply did not finish: lengths ' + lengths);
      await sleep(40);
    }
    const bot = await lastBot(page);
    check((await bot.locator('.text').textContent()) === answer, 'final text is the whole answer');
    check(await page.locator('.msg.user .text').last().isVisible(), 'the question is shown');
    const intermediate = new Set(lengths.filter((l) => l > 0 && l < answer.length));
    check(intermediate.size >= 5, 'text grew in steps, saw lengths ' + [...new Set(lengths)]);
    const reasoning = bot.locator('details.reasoning');
    check(await reasoning.isVisible(), 'reasoning is shown');
    check(!(await reasoning.evaluate((d) => d.open)), 'reasoning starts collapsed');
    check((await bot.locator('.reasoning-text').textContent()) === 'Thinking about foxes.', 'reasoning text');
    check(/in · \d+ out/.test(await bot.locator('.meta').textContent()), 'token stats shown after end');
    check(await page.locator('#send').isVisible() && await page.locator('#stop').isHidden(), 'Send is back');
    state.foxSession = await page.evaluate(() => localStorage.getItem('astrgate.session'));
    check(state.foxSession, 'the new session id was taken from the stream');
    await page.locator(`#sessions [data-session-id="${state.foxSession}"][aria-current="true"]`).waitFor();
  }],

  ['stop cancels upstream', async () => {
    await page.click('#new-chat');
    const before = (await upstreamRequests()).length;
    await queueReply(Array.from({ length: 60 }, (_, i) => `word${i} `), { delay_ms: 150 });
    await send(page, 'Write a very long story');
    await page.waitForFunction(() => {
      const t = [...document.querySelectorAll('.msg.bot .text')].pop();
      return t && t.textContent.includes('word2');
    });
    await page.click('#stop');
    const bot = await lastBot(page);
    await page.waitForFunction(() => !document.querySelector('.msg.bot.streaming'), null, { timeout: 3000 });
    check((await bot.locator('.meta').textContent()).includes('stopped'), 'the reply says it was stopped');
    check(await page.locator('#send').isVisible(), 'Send is back after Stop');
    const stoppedAt = (await bot.locator('.text').textContent()).length;
    let closed = false;
    const deadline = Date.now() + 3000;
    while (!closed && Date.now() < deadline) {
      const reqs = await upstreamRequests();
      closed = reqs.length > before && reqs[before].stream && reqs[before].client_closed;
      if (!closed) {
        await sleep(100);
      }
    }
    check(closed, 'the fake LLM saw its connection closed after Stop');
    await sleep(500);
    check((await bot.locator('.text').textContent()).length === stoppedAt, 'no text arrives after Stop');
  }],

  ['image upload reaches the LLM', async () => {
    await page.click('#new-chat');
    await page.selectOption('#config', 'alt');
    await queueReply(words('A red square with a pink disc in the middle.'), { delay_ms: 20 });
    await queueReply(['Red square']);
    const before = (await upstreamRequests()).length;
    await page.setInputFiles('#file', { name: 'square.png', mimeType: 'image/png', buffer: png(96, 96) });
    const chip = page.locator('#attachments .chip[data-attachment-id]');
    await chip.waitFor();
    check(await chip.locator('img.thumb').evaluate((i) => i.complete && i.naturalWidth === 96), 'composer thumbnail');
    await send(page, 'What is this?');
    await waitIdle(page);
    const mine = page.locator('.msg.user').last();
    check(await mine.locator('img.thumb').evaluate((i) => i.complete && i.naturalWidth === 96), 'thumbnail in the sent message');
    check((await mine.locator('.text').textContent()) === 'What is this?', 'text sent with the image');
    check((await (await lastBot(page)).locator('.text').textContent()).startsWith('A red square'), 'reply shown');
    check(await page.locator('#attachments .chip').count() === 0, 'composer cleared');
    const reqs = (await upstreamRequests()).slice(before);
    const chat = reqs.find((r) => r.stream);
    check(chat && chat.image, 'the LLM request carries an image_url part: ' + JSON.stringify(reqs));
    check(chat.model === 'gpt-alt', 'the selected config answered: ' + chat.model);
    await page.screenshot({ path: join(OUT, 'image.png') });
    await page.selectOption('#config', 'default');
  }],

  ['session listed after reload', async () => {
    let found = false;
    for (let i = 0; i < 10 && !found; i++) {
      await page.reload();
      await page.locator('#app').waitFor();
      await page.locator(`#sessions [data-session-id="${state.foxSession}"]`).waitFor();
      found = (await page.locator(`#sessions [data-session-id="${state.foxSession}"] .session-name`).textContent())
        === 'Fox sentence';
      if (!found) {
        await sleep(300);
      }
    }
    check(found, 'the first session is listed under its generated title');
    check(await page.locator('#sessions li').count() >= 3, 'all three sessions are listed');
    check(await page.locator('#signin').isHidden(), 'still signed in after reload');
    await page.click(`#sessions [data-session-id="${state.foxSession}"]`);
    await page.locator('.hint.resumed').waitFor();
    check((await page.textContent('#chat-title')) === 'Fox sentence', 'the resumed session is named in the title');
    const before = (await upstreamRequests()).length;
    await queueReply(['Still ', 'here.']);
    await send(page, 'Are you still there?');
    await waitIdle(page);
    check((await (await lastBot(page)).locator('.text').textContent()) === 'Still here.', 'the resumed session answers');
    const req = (await upstreamRequests())[before];
    check(req && req.messages >= 4, 'the resumed turn carries the earlier context: ' + JSON.stringify(req));
  }],
];

let chatOk = true;
for (const [name, fn] of chatScenarios) {
  if (!chatOk) {
    skip(name);
    continue;
  }
  chatOk = await scenario(name, page, fn);
}

const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true,
  deviceScaleFactor: 2 });
const small = await phone.newPage();
small.setDefaultTimeout(8000);
watch(small, 'phone');
await scenario('phone width', small, async () => {
  await signIn(small, user);
  await small.locator('#app').waitFor();
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 375, 'no horizontal scrolling at 375 px: ' + overflow);
  const hidden = await small.locator('#sidebar').boundingBox();
  check(hidden.x + hidden.width <= 1, 'the session list is a closed drawer');
  await small.click('#menu');
  await small.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().x >= 0);
  check(await small.locator('#sessions li').count() >= 3, 'sessions listed in the drawer');
  await small.locator('#sessions button').first().click();
  await small.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().right <= 1);
  for (const id of ['#input', '#send', '#signout', '#menu']) {
    const box = await small.locator(id).boundingBox();
    check(box && box.x >= 0 && box.x + box.width <= 375, id + ' fits the screen');
  }
  await small.screenshot({ path: join(OUT, 'phone.png') });
});

await scenario('envelope errors shown', small, async () => {
  check(state.foxSession, 'needs the session of "streamed reply grows"');
  // Another user in the same browser with the first user's session still selected: the server refuses (409).
  await small.evaluate(([u, s]) => {
    localStorage.setItem('astrgate.username', u);
    localStorage.setItem('astrgate.session', s);
  }, [user + '-other', state.foxSession]);
  await small.reload();
  await small.locator('.hint.resumed').waitFor();
  await send(small, 'hello?');
  const banner = small.locator('#banner');
  await banner.waitFor();
  const text = await banner.textContent();
  check(text.includes('HTTP 409') && text.includes('session_id belongs to another username'), 'banner: ' + text);
  const failedMsg = small.locator('.msg.user.failed');
  check(await failedMsg.isVisible() && (await failedMsg.textContent()).includes('not sent'), 'the message is marked as not sent');
  check(await small.locator('.msg.bot').count() === 0, 'no empty reply is left');
  check(await small.locator('#send').isVisible(), 'Send is back');
  await small.screenshot({ path: join(OUT, 'phone-error.png') });
  await small.click('#banner-close');
  check(await banner.isHidden(), 'the banner can be dismissed');
});

const docsCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const docs = await docsCtx.newPage();
docs.setDefaultTimeout(10000);
watch(docs, 'docs');
await scenario('docs try it out', docs, async () => {
  await docs.goto(BASE + '/docs');
  await docs.locator('.swagger-ui .info .title').waitFor();
  check((await docs.inputValue('.servers select')) === BASE, 'this node is the selected server');
  await docs.click('.auth-wrapper button.authorize');
  const dialog = docs.locator('.modal-ux');
  await dialog.waitFor();
  await dialog.locator('input').first().fill(KEY);
  await dialog.locator('button.authorize').click();
  await dialog.locator('button.btn-done').click();
  const op = docs.locator('.opblock-get', { has: docs.locator('[data-path="/api/v1/im/bots"]') });
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  await op.locator('button.execute').click();
  const live = op.locator('.live-responses-table');
  await live.waitFor();
  const status = (await live.locator('tr.response .response-col_status').first().textContent()).trim();
  check(status === '200', 'status shown: ' + status);
  const body = await live.locator('.response-col_description pre').first().textContent();
  check(body.includes('"bot_ids"') && body.includes('"qq_main"') && body.includes('"status": "ok"'),
    'response body shown: ' + body);
  const curl = await op.locator('.curl-command').textContent();
  check(curl.includes('X-API-Key'), 'the key went in the X-API-Key header');
});

await scenario('no script errors', null, async () => {
  check(scriptErrors.length === 0, 'errors in the pages:\n' + scriptErrors.join('\n'));
});

if (SHOTS) {
  await readmeScreenshots();
}

await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

/** The README's pictures: the chat mid-stream, and /docs. Not assertions, but they must not fail silently. */
async function readmeScreenshots() {
  mkdirSync(SHOTS, { recursive: true });
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 720 }, colorScheme: 'light' });
  const p = await ctx.newPage();
  p.setDefaultTimeout(10000);
  // Run alone (-Dtest=BrowserTest) so that alice's list holds only these sessions.
  await signIn(p, 'alice');
  await p.locator('#app').waitFor();
  const earlier = [
    ['Ideas for a weekend in Lisbon?', 'Walk Alfama early, take tram 28, and end at a miradouro at sunset.', 'Lisbon weekend'],
    ['What is server-sent events?', 'A long-lived HTTP response carrying text frames: one "data:" line per event.', 'Server-sent events'],
  ];
  for (const [q, a, title] of earlier) {
    await p.click('#new-chat');
    await queueReply(words(a), { delay_ms: 25 });
    await queueReply([title]);
    await send(p, q);
    await waitIdle(p);
  }
  await p.click('#new-chat');
  await queueReply(words('astrgate serves AstrBot\'s developer Open API from Java and Vert.x.'), { delay_ms: 25 });
  await queueReply(['About astrgate']);
  await send(p, 'What is astrgate?');
  await waitIdle(p);
  // The page re-reads the list shortly after a new session's first reply, which brings the generated title.
  await p.waitForFunction(() => document.getElementById('chat-title').textContent === 'About astrgate');
  const reply = 'Replies arrive as server-sent events. Each delta from the model is written to your browser the '
    + 'moment it arrives, so you read the answer while it is being written. Press Stop and the gateway cancels '
    + 'the model call at once.';
  await queueReply(words(reply), { delay_ms: 60, reasoning: ['The user wants to see streaming; ', 'explain it briefly.'] });
  await send(p, 'How does streaming work here?');
  await p.waitForFunction((n) => {
    const t = [...document.querySelectorAll('.msg.bot .text')].pop();
    return t && t.textContent.length > n;
  }, Math.floor(reply.length * 0.6));
  await p.screenshot({ path: join(SHOTS, 'chat-streaming.png') });
  await p.click('#stop');
  await ctx.close();

  const dctx = await browser.newContext({ viewport: { width: 1200, height: 860 }, colorScheme: 'light' });
  const d = await dctx.newPage();
  await d.goto(BASE + '/docs');
  await d.locator('.swagger-ui .opblock').first().waitFor();
  await sleep(300);
  await d.screenshot({ path: join(SHOTS, 'docs-page.png') });
  await dctx.close();
  console.log('# screenshots written to ' + SHOTS);
}
