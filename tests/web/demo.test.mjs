// The chat demo (examples/chat/) end to end in headless Chromium: load a
// model from the local server with the progress bar, stream an answer,
// stop a second one with the Stop button, and save a screenshot to
// build/web-test/demo.png.
//
//   node tests/web/demo.test.mjs [--model FILE.gguf] [--threads N]
//
// Needs web/dist/ (make web) and the wasm core (web/dist or build/web/).

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../tools/web_server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const MODEL = path.resolve(ROOT, arg('--model', 'build/models/smollm2-135m-instruct-q4_1.gguf'));
const THREADS = arg('--threads', '1');
const SHOT = path.join(ROOT, 'build/web-test/demo.png');
if (!fs.existsSync(MODEL) || !MODEL.startsWith(ROOT + path.sep)) {
  console.error(`demo.test: model ${MODEL} missing or outside ${ROOT}`);
  process.exit(2);
}
const MODEL_PATH = '/' + path.relative(ROOT, MODEL).split(path.sep).join('/');

const server = createServer({ root: ROOT, aliases: [], log: false });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const BASE = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
const logs = [];
page.on('pageerror', (e) => logs.push(`pageerror: ${e}`));
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') logs.push(`${m.type()}: ${m.text()}`); });

let failed = 0;
const check = (cond, msg) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${msg}`);
  if (!cond) failed++;
};
const state = () => page.evaluate(() => window.wickDemo && window.wickDemo.state);
const waitState = (s, timeout) => page.waitForFunction((x) => window.wickDemo && window.wickDemo.state === x, s, { timeout });

try {
  const q = new URLSearchParams({ model: MODEL_PATH, cache: 'none', temperature: '0', max_tokens: '96', threads: THREADS });
  if (!fs.existsSync(path.join(ROOT, 'web/dist/wick-st.wasm'))) q.set('wasm_base', '/build/web/');
  await page.goto(`${BASE}/examples/chat/?${q}`);
  check(await page.inputValue('#model-url') === MODEL_PATH, `the ?model= URL is the default in the URL field`);

  // Load, watching the progress bar.
  const seen = [];
  await page.exposeFunction('__progress', (v) => seen.push(v));
  await page.evaluate(() => {
    const p = document.getElementById('load-progress');
    new MutationObserver(() => window.__progress(p.value)).observe(p, { attributes: true });
    setInterval(() => window.__progress(p.value), 20);
  });
  const t0 = Date.now();
  await page.click('#load');
  await page.waitForFunction(() => ['ready', 'idle'].includes(window.wickDemo.state) && window.wickDemo.state !== 'loading'
    && (window.wickDemo.engine || window.wickDemo.error), null, { timeout: 180000 });
  const err = await page.evaluate(() => window.wickDemo.error);
  check(!err && (await state()) === 'ready', `model loads (${((Date.now() - t0) / 1000).toFixed(1)} s)${err ? ': ' + err : ''}`);
  const status = await page.textContent('#load-status');
  check(/Model loaded/.test(status), `status says the model loaded: "${status}"`);
  check(await page.evaluate(() => document.getElementById('load-progress').value) === 1, 'progress bar full');
  check(seen.some((v) => v > 0 && v < 1), `progress bar moved through intermediate values (${seen.filter((v) => v > 0 && v < 1).length} seen)`);

  // A streamed answer.
  // The demo sends "You are a helpful assistant." as the system message (its
  // ?system= default); with "Answer in one sentence." every greedy step of
  // the answer has a wasm top-2 margin > 1, where the bare question starts
  // on a near tie ("The" / "La", margin ~0.1-0.2).
  await page.fill('#prompt', 'What is the capital of France? Answer in one sentence.');
  await page.click('#send');
  await page.waitForFunction(() => window.wickDemo.state === 'generating', null, { timeout: 10000 }).catch(() => {});
  const partials = new Set();
  while ((await state()) === 'generating') {
    partials.add(await page.evaluate(() => document.querySelector('.msg.assistant:last-child')?.firstChild?.textContent || ''));
    await page.waitForTimeout(50);
  }
  const answer = await page.evaluate(() => document.querySelector('.msg.assistant:last-child').firstChild?.textContent || '');
  const usage = await page.evaluate(() => window.wickDemo.lastUsage);
  console.log(`     answer: ${JSON.stringify(answer)}`);
  check(answer.trim().length > 0, 'the answer is not empty');
  check(/Paris/.test(answer), 'the answer names Paris');
  check([...partials].filter((s) => s && s !== answer).length >= 1, `the answer streamed (${partials.size} distinct partial texts seen)`);
  const tps = usage?.extra?.decode_tokens_per_s;
  check(typeof tps === 'number' && tps > 0, `tokens/s from usage.extra: ${tps}`);
  const meta = await page.textContent('.msg.assistant:last-child .meta');
  check(/tokens\/s/.test(meta), `the answer shows tokens/s: "${meta}"`);
  fs.mkdirSync(path.dirname(SHOT), { recursive: true });
  await page.screenshot({ path: SHOT, fullPage: true });
  console.log(`     screenshot: ${path.relative(ROOT, SHOT)}`);

  // Stop button: interrupt a long answer after its first words.
  await page.fill('#prompt', 'Write a long story about a dragon who learns to bake bread.');
  await page.click('#send');
  await page.waitForFunction(() => (document.querySelector('.msg.assistant:last-child')?.firstChild?.textContent || '').length > 0,
    null, { timeout: 60000 });
  check(!(await page.isDisabled('#stop')), 'Stop is enabled while generating');
  await page.click('#stop');
  await waitState('ready', 30000);
  const finish = await page.evaluate(() => window.wickDemo.lastFinish);
  const usage2 = await page.evaluate(() => window.wickDemo.lastUsage);
  check(finish === 'abort', `Stop ends the answer with finish_reason "abort" (got ${finish})`);
  check(!usage2 || usage2.completion_tokens < 96, `stopped before max_tokens (${usage2 && usage2.completion_tokens} tokens)`);
  check(/stopped/.test(await page.textContent('.msg.assistant:last-child .meta')), 'the stopped answer says "stopped"');
  // The conversation continues after a stop.
  await page.fill('#prompt', 'Thanks!');
  await page.click('#send');
  await page.waitForFunction(() => window.wickDemo.state === 'generating', null, { timeout: 10000 }).catch(() => {});
  await waitState('ready', 120000);
  check((await page.locator('.msg.assistant').count()) === 3, 'three answers in the conversation');
  await page.screenshot({ path: SHOT, fullPage: true });

  // A local file through the file picker replaces the model.
  await page.setInputFiles('#model-file', MODEL);
  await page.waitForFunction(() => window.wickDemo.state === 'loading', null, { timeout: 10000 }).catch(() => {});
  await waitState('ready', 180000);
  const fileStatus = await page.textContent('#load-status');
  check(/Model loaded: .* from smollm2/.test(fileStatus) && !(await page.evaluate(() => window.wickDemo.error)),
    `a local file loads through the file picker: "${fileStatus}"`);
  check((await page.locator('.msg').count()) === 0, 'loading a model starts a new conversation');
} catch (e) {
  failed++;
  console.log(`FAIL ${e.message}`);
  await page.screenshot({ path: SHOT.replace(/\.png$/, '-failed.png'), fullPage: true }).catch(() => {});
}
if (failed && logs.length) console.log(`page console:\n  ${logs.join('\n  ')}`);
await browser.close();
server.close();
server.closeAllConnections();
console.log(failed ? `FAILED: ${failed} demo checks` : 'PASSED: chat demo');
process.exit(failed ? 1 : 0);
