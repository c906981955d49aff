// Prefill speed of Wick's wasm build against n_batch (prompt tokens per
// forward step), in headless Chromium: one page (tests/web/pages/loader.html
// with the real core, web/dist/), the model loaded once, then the prompt
// decoded in a fresh context (WasmWickCore.promptLogits: context, prefill,
// logits) with each n_batch in turn, round after round, so that the
// machine's noise falls on every n_batch alike. Not a test: numbers for
// choosing CreateEngine's default n_batch. Each cell is the median over
// ROUNDS, with the min and max.
//
//   node tests/bench/web_nbatch.mjs
//   env: NBATCHES ("32 64 128 256"), PP (256), ROUNDS (8), 1 thread (loader.html),
//        MODEL (build/models/smollm2-135m-instruct-q4_1.gguf)
// Needs make web (web/dist/) and npm ci.

import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../tools/web_server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = (k, d) => process.env[k] || d;
const NB = env('NBATCHES', '32 64 128 256').split(/\s+/).map(Number);
const PP = Number(env("PP", 256)), ROUNDS = Number(env("ROUNDS", 8)); // 1 thread (the page loads the core so)
const MODEL = env('MODEL', 'build/models/smollm2-135m-instruct-q4_1.gguf');

const server = createServer({ root: ROOT, aliases: [], log: false });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const BASE = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${BASE}/tests/web/pages/loader.html?core=real&loader=/web/dist/model_loader.js`);
  await page.waitForFunction(() => window.T && window.T.ready, null, { timeout: 60000 });
  const r = await page.evaluate(async ([url, nb, pp, rounds]) => {
    const { core, L } = window.T;
    const h = await L.loadModel(core, url, { cache: 'none' });
    const text = 'The history of the city begins with a small settlement on the river, where traders ' +
      'from the north and the south met to exchange grain, salt, wool and news. ';
    let ids = Array.from(core.tokenize(h, text.repeat(40))).slice(0, pp);
    const ms = Object.fromEntries(nb.map((n) => [n, []]));
    core.promptLogits(h, ids.slice(0, 16), { nCtx: 512, nBatch: 32 }); // warm-up
    for (let k = 0; k < rounds; k++) {
      for (const n of k % 2 ? [...nb].reverse() : nb) {
        const t = performance.now();
        core.promptLogits(h, ids, { nCtx: 512, nBatch: n });
        ms[n].push(performance.now() - t);
      }
    }
    core.closeModel(h);
    return { ms, n: ids.length, threads: core.threads, isa: core.isa };
  }, [`${BASE}/${MODEL}`, NB, PP, ROUNDS]);
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
  console.log(`${MODEL}, Chromium, ${r.isa}, ${r.threads} thread(s), prompt ${r.n} tokens, ${ROUNDS} interleaved rounds`);
  console.log('n_batch  prefill t/s: median (min-max)');
  for (const n of NB) {
    const tps = r.ms[n].map((m) => r.n / (m / 1000));
    console.log(`${String(n).padEnd(8)} ${med(tps).toFixed(1).padStart(6)} (${Math.min(...tps).toFixed(1)}-${Math.max(...tps).toFixed(1)})`);
  }
} finally {
  await browser.close();
  server.close();
  server.closeAllConnections();
}
