// In-page half of tests/bench/web_cpu_bench.mjs. Each window.bench.* call
// runs in a fresh page (the driver opens one per call), so the two engines
// never share a tab, a wasm heap or worker threads.
//
// Throughput (wickThroughput / wllamaThroughput), the same shape for both:
// one warm-up request, then REPS streamed completion requests of the PP-token
// prompt with max_tokens TG+1 (greedy: temperature 0; ignore_eos so both
// generate the full count; the prompt is decoded from scratch every time:
// Wick's engine is reset, wllama gets cache_prompt false). Wall clock in the
// page, per request:
//   t_prefill = request start -> end of prefill (Wick: end of the last step
//               before the first token's chunk; wllama: arrival of the first
//               token's chunk, i.e. prefill + one sample + one message hop)
//   t_decode  = end of prefill -> end of the request (TG forward passes of
//               one token each, TG+1 samples)
//   pp t/s = prompt tokens / t_prefill;  tg t/s = TG / t_decode
// Each engine's own reported rates (Wick usage.extra, wllama's llama-server
// timings) are returned beside them.
//
// Cold start (wickColdStart / wllamaColdStart): wall time from the call
// that creates the engine (the library module is already imported) to the
// first streamed token of a short greedy completion, with the model taken
// from each library's own persistent cache when the profile has it.

import { loadWickCore } from '../../../web/dist/wasm_core.js';
import { CreateEngine } from '../../../web/dist/index.js';
import { Wllama } from '../../../node_modules/@wllama/wllama/esm/index.js';

const WLLAMA_PATHS = {
  default: new URL('../../../node_modules/@wllama/wllama/esm/wasm/wllama.wasm', import.meta.url).href,
};
const WICK_DIST = new URL('../../../web/dist/', import.meta.url).href;

/** The text the timed prompt is cut from (repeated as needed). */
const BASE_TEXT = 'The history of the printing press begins in the fifteenth century, when ' +
  'metal movable type made it possible to copy books far faster than any scribe. Within ' +
  'fifty years presses were working in more than two hundred cities across Europe, and ' +
  'the price of a book fell so far that merchants, students and craftsmen could own ' +
  'them. Printers standardised spelling, spread maps and scientific tables, and turned ' +
  'pamphlets into a tool of public argument. Historians still debate how much of the ' +
  'Reformation, the scientific revolution and the rise of national languages followed ' +
  'from this one machine, but few doubt that it changed how knowledge moved. ';

/** The prompt both engines complete greedily for the sanity check. */
export const CHECK_PROMPT = 'The three primary colors are';

const quietLogger = {
  debug: () => {}, log: () => {}, warn: (...a) => console.warn(...a), error: (...a) => console.error(...a),
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The longest word prefix of BASE_TEXT (repeated) whose Wick tokenization
 *  (BOS included) has at most `pp` tokens. */
function buildPrompt(tokenize, pp) {
  const words = [];
  while (words.length < pp * 2) words.push(...BASE_TEXT.trim().split(/\s+/));
  let lo = 1, hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tokenize(words.slice(0, mid).join(' ')).length <= pp) lo = mid; else hi = mid - 1;
  }
  const text = words.slice(0, lo).join(' ');
  return { text, ids: Array.from(tokenize(text)) };
}

/** The common measurement loop over `run(prompt, maxTokens, ignoreEos)`,
 *  which resolves to {ms, prefillMs, promptTokens, completionTokens,
 *  enginePp, engineTg}. */
async function measure(run, prompt, nPrompt, tg, reps) {
  await run(prompt, tg + 1, true); // warm-up
  const rows = [];
  for (let i = 0; i < reps; i++) {
    const g = await run(prompt, tg + 1, true);
    if (g.promptTokens !== nPrompt)
      throw new Error(`prompt tokens ${g.promptTokens}, expected ${nPrompt}`);
    if (g.completionTokens !== tg + 1)
      throw new Error(`generated ${g.completionTokens} tokens, expected ${tg + 1} (ignore_eos ignored?)`);
    rows.push({
      pp_wall: nPrompt / (g.prefillMs / 1000),
      tg_wall: tg / ((g.ms - g.prefillMs) / 1000),
      pp_engine: g.enginePp,
      tg_engine: g.engineTg,
      prefill_ms: g.prefillMs,
      total_ms: g.ms,
    });
  }
  const pick = (k) => median(rows.map((r) => r[k]));
  return {
    pp_wall: pick('pp_wall'), tg_wall: pick('tg_wall'),
    pp_engine: pick('pp_engine'), tg_engine: pick('tg_engine'),
    reps: rows,
  };
}

async function wickThroughput(o) {
  const t0 = performance.now();
  const core = await loadWickCore({ threads: o.threads, baseUrl: WICK_DIST, log: () => {} });
  if (core.threads !== o.threads) throw new Error(`wick core has ${core.threads} threads, asked ${o.threads}`);
  const bytes = await fetchBytes(o.modelUrl);
  const buf = core.allocModel(bytes.length);
  buf.write(0, bytes);
  const model = buf.open();
  const engine = core.engineNew(model, { nCtx: o.nCtx, nBatch: o.nBatch, nThreads: o.threads });
  const loadMs = performance.now() - t0;
  const { text, ids } = buildPrompt((s) => core.tokenize(model, s), o.pp);

  const run = async (prompt, maxTokens, ignoreEos) => {
    core.engineReset(engine); // no prefix reuse between requests
    const body = { prompt, max_tokens: maxTokens, temperature: 0, ignore_eos: ignoreEos };
    const s = performance.now();
    const err = core.engineStart(engine, 'completion', JSON.stringify(body), Math.floor(Date.now() / 1000));
    if (err) throw new Error(`wick refused the request: ${JSON.stringify(err)}`);
    // Prefill ends with the last step before the first one that yields a
    // chunk (a completion's first generation step shows token 1's text).
    let last = s, prefillEnd = null;
    for (;;) {
      const { chunks, done } = core.engineStep(engine);
      const now = performance.now();
      if (prefillEnd === null && chunks.length > 0) prefillEnd = last;
      last = now;
      if (done) break;
    }
    const ms = last - s;
    const resp = core.engineResponse(engine);
    const u = resp.usage;
    return {
      ms, prefillMs: (prefillEnd ?? s) - s, promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens,
      enginePp: u.extra.prefill_tokens_per_s, engineTg: u.extra.decode_tokens_per_s,
      text: resp.choices[0].text,
    };
  };
  const check = await run(CHECK_PROMPT, o.checkTokens, false);
  const m = await measure(run, text, ids.length, o.tg, o.reps);
  core.engineFree(engine);
  core.closeModel(model);
  return { ...m, load_ms: loadMs, isa: core.isa, threads: core.threads, prompt_text: text,
    prompt_ids: ids, check_text: check.text, check_prompt_tokens: check.promptTokens };
}

async function wllamaThroughput(o) {
  const t0 = performance.now();
  const bytes = await fetchBytes(o.modelUrl);
  const w = new Wllama(WLLAMA_PATHS, o.verbose ? {} : { suppressNativeLog: true, logger: quietLogger });
  await w.loadModel([new File([bytes], 'model.gguf')], {
    n_ctx: o.nCtx, n_batch: o.nBatch, n_threads: o.threads, n_gpu_layers: 0, n_parallel: 1,
    ...o.wllamaExtra,
  });
  const loadMs = performance.now() - t0;
  const threads = w.getNumThreads(), multithread = w.isMultithread();
  if ((o.threads > 1) !== multithread)
    throw new Error(`wllama multithread=${multithread} with ${threads} threads, asked ${o.threads}`);

  const run = async (prompt, maxTokens, ignoreEos) => {
    const body = {
      prompt, max_tokens: maxTokens, temperature: 0, ignore_eos: ignoreEos, cache_prompt: false, seed: 1,
    };
    const s = performance.now();
    const stream = await w.createCompletion({ ...body, stream: true, stream_options: { include_usage: true } });
    let first = null, text = '', usage = null, timings = null, nText = 0;
    for await (const c of stream) {
      const t = c.choices?.[0]?.text ?? '';
      if (t) { if (first === null) first = performance.now(); text += t; nText++; }
      if (c.usage) usage = c.usage;
      if (c.timings) timings = c.timings;
    }
    const ms = performance.now() - s;
    if (!usage) throw new Error('wllama sent no usage in its stream');
    return {
      ms, prefillMs: (first ?? s) - s, promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens,
      enginePp: timings?.prompt_per_second ?? NaN, engineTg: timings?.predicted_per_second ?? NaN,
      cached: timings?.cache_n ?? 0, text,
    };
  };
  const check = await run(CHECK_PROMPT, o.checkTokens, false);
  // The same text Wick measured (wllama 3.13's completion endpoint refuses
  // an array of token ids: "type must be string, but is array"); its own
  // tokenization must give as many tokens as Wick's.
  const own = await run(o.promptText, 1, true);
  if (own.promptTokens !== o.promptIds.length && !o.allowTokenMismatch)
    throw new Error(`wllama tokenizes the prompt text to ${own.promptTokens} tokens, Wick to ` +
      `${o.promptIds.length}; set ALLOW_TOKEN_MISMATCH=1 to measure anyway`);
  const m = await measure(run, o.promptText, own.promptTokens, o.tg, o.reps);
  await w.exit();
  return { ...m, load_ms: loadMs, threads, multithread, check_text: check.text,
    check_prompt_tokens: check.promptTokens, own_prompt_tokens: own.promptTokens };
}

async function wickColdStart(o) {
  const t0 = performance.now();
  const engine = await CreateEngine(o.modelUrl, {
    threads: o.threads, nCtx: o.nCtx, cache: 'cache-api', wasmBaseUrl: WICK_DIST, logLevel: 'ERROR',
  });
  const loaded = performance.now();
  const stream = await engine.completions.create({
    prompt: CHECK_PROMPT, max_tokens: 4, temperature: 0, stream: true,
  });
  let first = null, text = '';
  for await (const c of stream) {
    const t = c.choices?.[0]?.text ?? '';
    if (t && first === null) first = performance.now();
    text += t;
  }
  await engine.unload();
  return { load_ms: loaded - t0, first_token_ms: (first ?? NaN) - t0, text };
}

async function wllamaColdStart(o) {
  const t0 = performance.now();
  const w = new Wllama(WLLAMA_PATHS, { suppressNativeLog: true, logger: quietLogger });
  await w.loadModelFromUrl(o.modelUrl, {
    n_ctx: o.nCtx, n_threads: o.threads, n_gpu_layers: 0, n_parallel: 1, useCache: true,
  });
  const loaded = performance.now();
  const stream = await w.createCompletion({
    prompt: CHECK_PROMPT, max_tokens: 4, temperature: 0, stream: true,
  });
  let first = null, text = '';
  for await (const c of stream) {
    const t = c.choices?.[0]?.text ?? '';
    if (t && first === null) first = performance.now();
    text += t;
  }
  await w.exit();
  return { load_ms: loaded - t0, first_token_ms: (first ?? NaN) - t0, text };
}

window.bench = { wickThroughput, wllamaThroughput, wickColdStart, wllamaColdStart };
window.benchReady = { ok: true, crossOriginIsolated: globalThis.crossOriginIsolated === true };
