#!/usr/bin/env node
// Browser CPU-path benchmark: Wick's wasm build (web/dist/) against wllama
// (npm @wllama/wllama, llama.cpp compiled to wasm), in headless Chromium,
// on the same GGUF files, context size, batch size and thread counts.
// Numbers for BENCHMARKS.md (see tests/bench/web_cpu_bench.md); not a test.
//
// For each model and thread count, in a fresh cross-origin isolated page
// per engine (tests/bench/web/bench.html, served by tools/web_server.mjs):
//   - a greedy completion of CHECK_PROMPT by both (first 60 chars printed);
//   - prefill tokens/s on a PP-token prompt (the same text, cut to PP tokens by Wick's
//     tokenization of a fixed English text, BOS included; wllama gets the
//     same text and must tokenize it to as many tokens) and decode tokens/s over TG tokens (greedy,
//     ignore_eos), median of REPS after one warm-up; wall clock around the
//     requests, plus each engine's own reported rates;
//   - cold start: CreateEngine (Wick, Cache API) / new Wllama +
//     loadModelFromUrl (wllama, OPFS) to the first streamed token, on a
//     first visit (profile emptied at start; the model comes from the local
//     server) and again with the model in the library's cache.
//
// Usage: node tests/bench/web_cpu_bench.mjs [--json FILE] [--verbose]
//   env: PP (128), TG (64), REPS (3), THREADS ("1 2"), NCTX (1024),
//        NBATCH (512), MODELS ("smollm2 gemma3"), COLD (1; 0 skips cold start),
//        CHROMIUM (/usr/bin/chromium), WLLAMA_LOAD_PARAMS (JSON merged into
//        wllama's loadModel params, e.g. '{"flash_attn":false}'),
//        KEEP_PROFILE (1: keep build/web-cpu-bench-profile/ after the run),
//        ALLOW_TOKEN_MISMATCH (1: measure even if wllama's tokenization of the
//        prompt text has a different length than Wick's)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = (k, d) => (process.env[k] === undefined || process.env[k] === '' ? d : process.env[k]);
const int = (k, d) => {
  const v = Number(env(k, d));
  if (!Number.isInteger(v) || v < 1) { console.error(`web_cpu_bench: ${k} must be a positive integer, got ${env(k, d)}`); process.exit(2); }
  return v;
};
const PP = int('PP', 128), TG = int('TG', 64), REPS = int('REPS', 3);
const NCTX = int('NCTX', 1024), NBATCH = int('NBATCH', 512);
const THREADS = env('THREADS', '1 2').split(/\s+/).filter(Boolean).map(Number);
const COLD = env('COLD', '1') !== '0';
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const CHECK_TOKENS = 24;
let WLLAMA_EXTRA;
try { WLLAMA_EXTRA = JSON.parse(env('WLLAMA_LOAD_PARAMS', '{}')); } catch (e) {
  console.error(`web_cpu_bench: WLLAMA_LOAD_PARAMS is not JSON: ${e.message}`); process.exit(2);
}
const KNOWN_MODELS = {
  smollm2: { name: 'SmolLM2-135M Q4_1', file: 'build/models/smollm2-135m-instruct-q4_1.gguf' },
  gemma3: { name: 'Gemma 3 270M Q4_K_M', file: 'build/models/gemma3-270m-q4_k_m.gguf' },
};
const MODELS = env('MODELS', 'smollm2 gemma3').split(/\s+/).filter(Boolean);

const argv = process.argv.slice(2);
let jsonOut = null, verbose = false;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--json') jsonOut = argv[++i];
  else if (argv[i] === '--verbose') verbose = true;
  else { console.error(`web_cpu_bench: unknown argument ${argv[i]}`); process.exit(2); }
}
for (const m of MODELS) {
  if (!KNOWN_MODELS[m]) { console.error(`web_cpu_bench: unknown model ${m} (known: ${Object.keys(KNOWN_MODELS).join(' ')})`); process.exit(2); }
  if (!fs.existsSync(path.join(ROOT, KNOWN_MODELS[m].file))) { console.error(`web_cpu_bench: ${KNOWN_MODELS[m].file} is missing (bash tests/setup/models.sh)`); process.exit(2); }
}
for (const t of THREADS) if (!Number.isInteger(t) || t < 1) { console.error(`web_cpu_bench: bad THREADS entry ${t}`); process.exit(2); }
for (const f of ['web/dist/wasm_core.js', 'web/dist/index.js', 'web/dist/wick-mt.wasm', 'web/dist/wick-st.wasm',
  'node_modules/@wllama/wllama/esm/index.js', 'node_modules/@wllama/wllama/esm/wasm/wllama.wasm']) {
  if (!fs.existsSync(path.join(ROOT, f))) { console.error(`web_cpu_bench: ${f} is missing (make web / npm ci)`); process.exit(2); }
}

const log = (...a) => console.error('[web_cpu_bench]', ...a);

// ------------------------------------------------------------ server
function startServer() {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'tools/web_server.mjs'), '--root', ROOT, '--port', '0'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.on('error', reject);
    p.on('exit', (c) => reject(new Error(`web_server exited with ${c} before printing its URL`)));
    p.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ proc: p, url: buf.slice(0, nl).trim() });
    });
  });
}

const { proc: server, url: BASE } = await startServer();
const PROFILE = path.join(ROOT, 'build/web-cpu-bench-profile');
fs.rmSync(PROFILE, { recursive: true, force: true }); // the first cold start is a real first visit
const ctx = await chromium.launchPersistentContext(PROFILE, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});

async function cleanup() {
  try { await ctx.close(); } catch { /* already closed */ }
  server.kill();
  // The profile holds both libraries' model caches (hundreds of MB).
  if (env('KEEP_PROFILE', '0') !== '1') fs.rmSync(PROFILE, { recursive: true, force: true });
}
process.on('SIGINT', async () => { await cleanup(); process.exit(130); });

/** Calls window.bench[fn](opts) in a fresh page; closes the page after. */
async function inPage(fn, opts) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (verbose) log(`page ${m.type()}: ${m.text()}`);
  });
  try {
    await page.goto(`${BASE}tests/bench/web/bench.html`);
    const ready = await page.waitForFunction(() => window.benchReady, null, { timeout: 60000 })
      .then((h) => h.jsonValue()).catch(() => null);
    if (!ready) throw new Error(`the bench page did not load: ${errors.join(' | ') || 'no error reported'}`);
    if (!ready.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated');
    return await page.evaluate(([f, o]) => window.bench[f](o), [fn, opts]);
  } catch (e) {
    throw new Error(`${fn}: ${e.message.split('\n')[0]}${errors.length ? ` (page: ${errors.slice(0, 3).join(' | ')})` : ''}`);
  } finally {
    await page.close();
  }
}

// ------------------------------------------------------------- run
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const results = { date: new Date().toISOString(), params: { PP, TG, REPS, NCTX, NBATCH, THREADS }, rows: [], cold: [], checks: [] };
const t0 = Date.now();
try {
  for (const key of MODELS) {
    const m = KNOWN_MODELS[key];
    const modelUrl = `${BASE}${m.file}`;
    for (const threads of THREADS) {
      const common = { modelUrl, threads, nCtx: NCTX, nBatch: NBATCH, pp: PP, tg: TG, reps: REPS, checkTokens: CHECK_TOKENS, verbose,
        allowTokenMismatch: env('ALLOW_TOKEN_MISMATCH', '0') === '1', wllamaExtra: WLLAMA_EXTRA };
      log(`${m.name}, ${threads} thread(s): Wick`);
      const w = await inPage('wickThroughput', common);
      log(`${m.name}, ${threads} thread(s): wllama`);
      const l = await inPage('wllamaThroughput', { ...common, promptIds: w.prompt_ids, promptText: w.prompt_text });
      results.rows.push({ model: m.name, threads, wick: w, wllama: l });
      results.checks.push({ model: m.name, threads, wick: w.check_text, wllama: l.check_text,
        wick_prompt_tokens: w.check_prompt_tokens, wllama_prompt_tokens: l.check_prompt_tokens,
        pp_tokens: w.prompt_ids.length, wllama_own_tokens_of_text: l.own_prompt_tokens });
    }
    if (COLD) {
      for (const threads of THREADS) {
        const o = { modelUrl, threads, nCtx: NCTX };
        for (const [engine, fn] of [['Wick', 'wickColdStart'], ['wllama', 'wllamaColdStart']]) {
          log(`${m.name}, ${threads} thread(s): ${engine} cold start`);
          const first = await inPage(fn, o);  // the first visit of this profile stores the model
          const cached = await inPage(fn, o);
          results.cold.push({ model: m.name, threads, engine, first, cached });
        }
      }
    }
  }
} finally {
  await cleanup();
}

// ------------------------------------------------------------ report
const line = (cells) => `| ${cells.join(' | ')} |`;
console.log(`\nWick vs wllama ${JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@wllama/wllama/package.json'))).version}` +
  ` in headless Chromium (${(await import('node:os')).cpus().length} CPUs), pp${PP} / tg${TG}, n_ctx ${NCTX},` +
  ` n_batch ${NBATCH}, median of ${REPS} after 1 warm-up; ${((Date.now() - t0) / 1000).toFixed(0)} s total`);
console.log('Wall clock around the requests (engine-reported rates in brackets)\n');
console.log(line(['model', 'threads', 'engine', 'pp t/s', 'tg t/s', 'pp ratio Wick/wllama', 'tg ratio Wick/wllama']));
console.log(line(['---', '---', '---', '---', '---', '---', '---']));
for (const r of results.rows) {
  const pr = r.wick.pp_wall / r.wllama.pp_wall, tr = r.wick.tg_wall / r.wllama.tg_wall;
  console.log(line([r.model, r.threads, 'Wick', `${fmt(r.wick.pp_wall)} [${fmt(r.wick.pp_engine)}]`,
    `${fmt(r.wick.tg_wall)} [${fmt(r.wick.tg_engine)}]`, fmt(pr, 2), fmt(tr, 2)]));
  console.log(line([r.model, r.threads, 'wllama', `${fmt(r.wllama.pp_wall)} [${fmt(r.wllama.pp_engine)}]`,
    `${fmt(r.wllama.tg_wall)} [${fmt(r.wllama.tg_engine)}]`, '', '']));
}
if (results.cold.length) {
  console.log('\nCold start: engine creation to the first streamed token (ms); load = until the engine is ready\n');
  console.log(line(['model', 'threads', 'engine', 'first visit: load / first token', 'cached: load / first token']));
  console.log(line(['---', '---', '---', '---', '---']));
  for (const c of results.cold) {
    console.log(line([c.model, c.threads, c.engine, `${fmt(c.first.load_ms, 0)} / ${fmt(c.first.first_token_ms, 0)}`,
      `${fmt(c.cached.load_ms, 0)} / ${fmt(c.cached.first_token_ms, 0)}`]));
  }
}
console.log(`\nGreedy check: completion of "The three primary colors are", ${CHECK_TOKENS} tokens (first 60 chars)`);
for (const c of results.checks) {
  const same = c.wick === c.wllama ? 'identical' : 'differ';
  console.log(`  ${c.model}, ${c.threads} thr (${same}; prompt tokens wick ${c.wick_prompt_tokens}, wllama ${c.wllama_prompt_tokens};` +
    ` pp prompt ${c.pp_tokens} ids, wllama's own tokenization of its text ${c.wllama_own_tokens_of_text})`);
  console.log(`    Wick:   ${JSON.stringify(c.wick.slice(0, 60))}`);
  console.log(`    wllama: ${JSON.stringify(c.wllama.slice(0, 60))}`);
}
if (jsonOut) {
  fs.writeFileSync(jsonOut, JSON.stringify(results, null, 1));
  log(`wrote ${jsonOut}`);
}
