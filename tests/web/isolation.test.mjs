// A page that is NOT cross-origin isolated (served without COOP/COEP,
// tools/web_server.mjs --no-isolation): CreateEngine asked for 2 threads
// falls back to the single-threaded wasm build, logs why on the console,
// and still answers: the same greedy answer as an isolated page running
// the threaded build.
//
//   node tests/web/isolation.test.mjs --model FILE.gguf
//
// Uses the engine build in build/web-engine-test/ and the wasm files in
// build/web/ (tests/conformance/web_engine.sh makes both).

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../tools/web_server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const i = args.indexOf('--model');
const MODEL = path.resolve(ROOT, i >= 0 ? args[i + 1] : 'build/models/smollm2-135m-instruct-q4_1.gguf');
for (const f of [MODEL, path.join(ROOT, 'build/web-engine-test/index.js'), path.join(ROOT, 'build/web/wick-st.wasm')]) {
  if (!fs.existsSync(f)) {
    console.error(`isolation.test: ${f} is missing (bash tests/conformance/web_engine.sh builds it)`);
    process.exit(2);
  }
}
const MODEL_PATH = '/' + path.relative(ROOT, MODEL).split(path.sep).join('/');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});

/** Loads the model on a page of a server with or without isolation and
 *  answers one greedy request; returns what the page saw. */
async function answer(isolate) {
  const server = createServer({ root: ROOT, aliases: [], log: false, isolate });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const page = await (await browser.newContext()).newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  try {
    await page.goto(`${base}/tests/web/pages/engine.html`);
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 60000 });
    const r = await page.evaluate(async (modelUrl) => {
      const e = await window.wick.CreateEngine(modelUrl, {
        cache: 'none', wasmBaseUrl: '/build/web/', threads: 2, logLevel: 'INFO',
      });
      const res = await e.chat.completions.create({
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
        max_tokens: 8, temperature: 0,
      });
      await e.unload();
      return { isolated: crossOriginIsolated, sab: typeof SharedArrayBuffer, content: res.choices[0].message.content,
        finish: res.choices[0].finish_reason, tokens: res.usage.completion_tokens };
    }, base + MODEL_PATH);
    return { ...r, console: consoleLines };
  } finally {
    await page.context().close();
    server.close();
    server.closeAllConnections();
  }
}

let failed = 0;
const check = (cond, msg) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${msg}`);
  if (!cond) failed++;
};
try {
  const off = await answer(false);
  const on = await answer(true);
  const note = off.console.find((l) => l.includes('threads are off'));
  check(!off.isolated && off.sab === 'undefined', `without COOP/COEP: crossOriginIsolated ${off.isolated}, SharedArrayBuffer ${off.sab}`);
  check(!!note && note.startsWith('warning:') && note.includes('not cross-origin isolated') &&
    note.includes('Cross-Origin-Opener-Policy'), `console note: ${note ?? '(none) in ' + JSON.stringify(off.console)}`);
  check(off.console.some((l) => /core: \w+, 1 thread\(s\)/.test(l)), 'the engine runs 1 thread');
  check(off.tokens >= 1 && off.tokens <= 8 && ['stop', 'length'].includes(off.finish) && off.content.length > 0,
    `it answers: ${JSON.stringify(off.content)} (${off.tokens} tokens, ${off.finish})`);
  check(on.isolated && on.console.some((l) => /core: \w+, 2 thread\(s\)/.test(l)) &&
    !on.console.some((l) => l.includes('threads are off')), 'with COOP/COEP: isolated, 2 threads, no note');
  check(on.content === off.content, `same greedy answer as the isolated 2-thread page (${JSON.stringify(on.content)})`);
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
}
await browser.close();
console.log(`${failed ? 'FAILED' : 'PASSED'}: page without cross-origin isolation`);
process.exit(failed ? 1 : 0);
