// In-page half of the GPU benchmark (tests/bench/gpu/README.md; driver:
// run_bench.py). One case per document: the driver's config lists the
// cases, the page runs cases[?case=N], POSTs the result, then loads N+1.
//
// Case kinds
//   adapter    navigator.gpu adapter: info, features, limits, fallback flag.
//              Every later case checks the adapter again and refuses to
//              report GPU numbers from a fallback (software) adapter unless
//              the driver was run with --allow-fallback (then every row is
//              labelled FALLBACK).
//   bandwidth  a plain WGSL read kernel over a 1 GiB storage buffer (GB/s by
//              wall clock and, with timestamp-query, by GPU timestamps), and
//              dispatch / submit / readback overheads.
//   engine     one engine on one model: wllama (its one wasm, which holds
//              llama.cpp's WebGPU backend; n_gpu_layers 999), Wick with
//              CreateEngine({backend: 'webgpu'}), or Wick's CPU wasm
//              (reference, labelled). Same Blob for every engine (fetched
//              once; fetch time reported apart from load time).
//
// Timings per engine case (wall clock in the page, streamed completions,
// greedy, ignore_eos, the same PP-token prompt each time, prompt cache off):
//   load_ms     engine creation from the Blob -> ready
//   ttft_ms     first request after load: request start -> first token
//   prefill     PP / (request start -> first token), median of warm requests
//   decode_N    N / (first token -> last token) with max_tokens N+1
// GPU memory is sampled by the driver (nvidia-smi) between the page's marks.

const CFG_URL = '/bench/config.json';
const here = new URL(location.href);
const caseIndex = Number(here.searchParams.get('case') ?? 0);
const logEl = document.getElementById('log');
const t0page = performance.now();

function log(...a) {
  const s = a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ');
  logEl.textContent += '\n' + s;
  console.log('[bench] ' + s);
}

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body) });
  return r.ok ? r.json() : null;
}
const mark = (name) => post('/bench/mark', { case: caseIndex, mark: name, t: performance.now() });

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ------------------------------------------------------------------ adapter
async function getAdapter() {
  if (!navigator.gpu) return { error: 'navigator.gpu is missing (WebGPU off in this browser)' };
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { error: 'requestAdapter() returned null' };
  const i = adapter.info ?? {};
  const info = { vendor: i.vendor, architecture: i.architecture, device: i.device,
    description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter,
    subgroupMinSize: i.subgroupMinSize, subgroupMaxSize: i.subgroupMaxSize };
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.toLowerCase();
  const fallback = info.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/.test(text);
  const limits = {};
  for (const k in adapter.limits) limits[k] = adapter.limits[k];
  return { adapter, info, fallback, features: [...adapter.features].sort(), limits,
    wgslFeatures: navigator.gpu.wgslLanguageFeatures ? [...navigator.gpu.wgslLanguageFeatures].sort() : [] };
}

async function caseAdapter() {
  const a = await getAdapter();
  if (a.error) return { error: a.error, userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated };
  return { info: a.info, fallback: a.fallback, features: a.features, limits: a.limits,
    wgslFeatures: a.wgslFeatures, userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated };
}

// ---------------------------------------------------------------- bandwidth
const READ_WGSL = /* wgsl */ `
override WG: u32 = 256;
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
// Each invocation reads 4 vec4s per step (independent loads in flight),
// grid-stride over the whole buffer; one 16-byte write per invocation
// keeps the loads alive.
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let stride = nwg.x * WG;
  let n = arrayLength(&src);
  var a = vec4<f32>(0.0); var b = a; var c = a; var d = a;
  var i = gid.x;
  loop {
    if (i + 3u * stride >= n) { break; }
    a += src[i]; b += src[i + stride]; c += src[i + 2u * stride]; d += src[i + 3u * stride];
    i += 4u * stride;
  }
  loop { if (i >= n) { break; } a += src[i]; i += stride; }
  dst[gid.x] = a + b + c + d;
}`;
const FILL_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> buf: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = arrayLength(&buf);
  var i = gid.x + gid.y * nwg.x * 256u;
  if (i < n) {
    var h = i * 747796405u + 2891336453u;            // PCG-style hash: no zeros
    h = ((h >> ((h >> 28u) + 4u)) ^ h) * 277803737u;
    // keep it a finite float: exponent bits forced into a small range
    buf[i] = (h & 0x807fffffu) | 0x3c000000u;
  }
}`;
const TINY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> x: array<u32>;
@compute @workgroup_size(1) fn main() { x[0] = x[0] + 1u; }`;

async function caseBandwidth(o) {
  const a = await getAdapter();
  if (a.error) return { error: a.error };
  if (a.fallback && !o.allowFallback) return { refused: 'fallback adapter', info: a.info };
  const hasTs = a.features.includes('timestamp-query');
  const device = await a.adapter.requestDevice({
    requiredFeatures: hasTs ? ['timestamp-query'] : [],
    requiredLimits: { maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
      maxBufferSize: a.limits.maxBufferSize },
  });
  const errors = [];
  device.addEventListener('uncapturederror', (e) => errors.push(String(e.error?.message ?? e.error)));
  const size = Math.min(o.bandwidthBytes, a.limits.maxStorageBufferBindingSize) & ~0xffff;
  const src = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE });
  const maxThreads = 65535 * 256;
  const dst = device.createBuffer({ size: maxThreads * 16, usage: GPUBufferUsage.STORAGE });
  // fill with finite non-zero data
  const fillP = device.createComputePipeline({ layout: 'auto',
    compute: { module: device.createShaderModule({ code: FILL_WGSL }), entryPoint: 'main' } });
  {
    const words = size / 4, groups = Math.ceil(words / 256);
    const gx = Math.min(groups, 65535), gy = Math.ceil(groups / gx);
    const enc = device.createCommandEncoder();
    const p = enc.beginComputePass();
    p.setPipeline(fillP);
    p.setBindGroup(0, device.createBindGroup({ layout: fillP.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: src } }] }));
    p.dispatchWorkgroups(gx, gy);
    p.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  }
  const module = device.createShaderModule({ code: READ_WGSL });
  const querySet = hasTs ? device.createQuerySet({ type: 'timestamp', count: 2 * o.bandwidthReps }) : null;
  const resolveBuf = hasTs ? device.createBuffer({ size: 16 * o.bandwidthReps,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  const readBuf = hasTs ? device.createBuffer({ size: 16 * o.bandwidthReps,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
  const configs = [];
  for (const wg of [256]) {
    for (const groups of [1024, 2048, 4096, 8192, 16384]) {
      const pipe = device.createComputePipeline({ layout: 'auto',
        compute: { module, entryPoint: 'main', constants: { WG: wg } } });
      const bg = device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [
        { binding: 0, resource: { buffer: src } }, { binding: 1, resource: { buffer: dst } }] });
      const run = async (withTs) => {
        const enc = device.createCommandEncoder();
        for (let r = 0; r < o.bandwidthReps; r++) {
          const desc = withTs ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * r,
            endOfPassWriteIndex: 2 * r + 1 } } : {};
          const p = enc.beginComputePass(desc);
          p.setPipeline(pipe); p.setBindGroup(0, bg); p.dispatchWorkgroups(groups); p.end();
        }
        if (withTs) {
          enc.resolveQuerySet(querySet, 0, 2 * o.bandwidthReps, resolveBuf, 0);
          enc.copyBufferToBuffer(resolveBuf, 0, readBuf, 0, 16 * o.bandwidthReps);
        }
        const s = performance.now();
        device.queue.submit([enc.finish()]);
        await device.queue.onSubmittedWorkDone();
        const ms = performance.now() - s;
        let ts = null;
        if (withTs) {
          await readBuf.mapAsync(GPUMapMode.READ);
          const t = new BigUint64Array(readBuf.getMappedRange().slice(0));
          readBuf.unmap();
          ts = [];
          for (let r = 0; r < o.bandwidthReps; r++) ts.push(Number(t[2 * r + 1] - t[2 * r]) / 1e6);
        }
        return { ms, ts };
      };
      await run(false); // warm-up
      const wall = [];
      for (let k = 0; k < 3; k++) wall.push((await run(false)).ms / o.bandwidthReps);
      let tsMs = null;
      if (hasTs) tsMs = median((await run(true)).ts);
      configs.push({ wg, groups, wall_ms: median(wall), wall_GBps: size / (median(wall) / 1000) / 1e9,
        ts_ms: tsMs, ts_GBps: tsMs ? size / (tsMs / 1000) / 1e9 : null });
    }
  }
  // per-dispatch and per-round-trip overheads
  const tinyP = device.createComputePipeline({ layout: 'auto',
    compute: { module: device.createShaderModule({ code: TINY_WGSL }), entryPoint: 'main' } });
  const xb = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const xr = device.createBuffer({ size: 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const tbg = device.createBindGroup({ layout: tinyP.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: xb } }] });
  const dispatchMs = [];
  for (let k = 0; k < 4; k++) {
    const enc = device.createCommandEncoder();
    const p = enc.beginComputePass();
    p.setPipeline(tinyP); p.setBindGroup(0, tbg);
    for (let i = 0; i < 1000; i++) p.dispatchWorkgroups(1);
    p.end();
    const s = performance.now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    dispatchMs.push((performance.now() - s) / 1000);
  }
  const rt = [], rb = [];
  for (let k = 0; k < 20; k++) {
    let s = performance.now();
    device.queue.submit([]);
    await device.queue.onSubmittedWorkDone();
    rt.push(performance.now() - s);
    s = performance.now();
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(xb, 0, xr, 0, 4);
    device.queue.submit([enc.finish()]);
    await xr.mapAsync(GPUMapMode.READ);
    xr.unmap();
    rb.push(performance.now() - s);
  }
  const best = configs.reduce((x, y) => ((y.ts_GBps ?? y.wall_GBps) > (x.ts_GBps ?? x.wall_GBps) ? y : x));
  device.destroy();
  return { info: a.info, fallback: a.fallback, bytes: size, reps: o.bandwidthReps, timestamps: hasTs,
    best_wall_GBps: Math.max(...configs.map((c) => c.wall_GBps)),
    best_ts_GBps: hasTs ? Math.max(...configs.map((c) => c.ts_GBps)) : null,
    best, configs, dispatch_us: median(dispatchMs) * 1000 / 1, submit_roundtrip_ms: median(rt),
    readback_4B_ms: median(rb), errors };
}

// ------------------------------------------------------------------ engines
const BASE_TEXT = 'The history of the printing press begins in the fifteenth century, when ' +
  'metal movable type made it possible to copy books far faster than any scribe. Within ' +
  'fifty years presses were working in more than two hundred cities across Europe, and ' +
  'the price of a book fell so far that merchants, students and craftsmen could own ' +
  'them. Printers standardised spelling, spread maps and scientific tables, and turned ' +
  'pamphlets into a tool of public argument. Historians still debate how much of the ' +
  'Reformation, the scientific revolution and the rise of national languages followed ' +
  'from this one machine, but few doubt that it changed how knowledge moved. ';

/** The longest word prefix of BASE_TEXT (repeated) with at most `pp` tokens,
 *  counted by Wick's tokenizer on the model's metadata-only GGUF (the same
 *  tokenizer both engines implement; each engine's own count is recorded). */
async function buildPrompt(vocabUrl, pp) {
  const { loadWickCore } = await import('../../../web/dist/wasm_core.js');
  const core = await loadWickCore({ threads: 1, baseUrl: new URL('../../../web/dist/', import.meta.url).href });
  const bytes = new Uint8Array(await (await fetch(vocabUrl)).arrayBuffer());
  const buf = core.allocModel(bytes.length);
  buf.write(0, bytes);
  const model = buf.open();
  const tok = (s) => core.tokenize(model, s).length;
  const words = [];
  while (words.length < pp * 2) words.push(...BASE_TEXT.trim().split(/\s+/));
  let lo = 1, hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tok(words.slice(0, mid).join(' ')) <= pp) lo = mid; else hi = mid - 1;
  }
  const text = words.slice(0, lo).join(' ');
  const n = tok(text);
  core.closeModel(model);
  return { text, tokens: n };
}

/** wllama: one Wllama per case; its log says where the weights went. */
async function wllamaEngine(o, blob, logs) {
  const { Wllama } = await import('../../../node_modules/@wllama/wllama/esm/index.js');
  const keep = (lvl) => (...a) => { if (logs.length < 2000) logs.push(`${lvl}: ${a.join(' ')}`); };
  const w = new Wllama({ default: new URL('../../../node_modules/@wllama/wllama/esm/wasm/wllama.wasm', import.meta.url).href },
    { suppressNativeLog: false, logger: { debug: keep('debug'), log: keep('log'), warn: keep('warn'), error: keep('error') } });
  const t = performance.now();
  await w.loadModel([new File([blob], `${o.model}.gguf`)], {
    n_ctx: o.nCtx, n_batch: o.nBatch, n_threads: o.threads, n_gpu_layers: 999, n_parallel: 1,
  });
  const loadMs = performance.now() - t;
  // wllama 3.13 returns from loadModel even when llama.cpp could not
  // allocate the weights (seen with 4.6 GB on its wasm64 CPU path)
  const failed = logs.find((l) => /failed to allocate|failed to load model/i.test(l));
  if (failed) { await w.exit().catch(() => {}); throw new Error(`wllama: ${failed}`); }
  const meta = { threads: w.getNumThreads(), multithread: w.isMultithread(),
    supportWebGPU: w.isSupportWebGPU?.(), version: o.wllamaVersion };
  const request = async (prompt, maxTokens) => {
    const s = performance.now();
    const stream = await w.createCompletion({ prompt, max_tokens: maxTokens, temperature: 0, ignore_eos: true,
      cache_prompt: false, seed: 1, stream: true, stream_options: { include_usage: true } });
    let first = null, usage = null, timings = null;
    for await (const c of stream) {
      if ((c.choices?.[0]?.text ?? '') && first === null) first = performance.now();
      if (c.usage) usage = c.usage;
      if (c.timings) timings = c.timings;
    }
    const end = performance.now();
    return { start: s, first: first ?? end, end, promptTokens: usage?.prompt_tokens,
      completionTokens: usage?.completion_tokens, enginePp: timings?.prompt_per_second,
      engineTg: timings?.predicted_per_second };
  };
  return { loadMs, meta, request, close: () => w.exit() };
}

/** Wick through its public API; backend 'webgpu' (the GPU engine) or 'cpu'. */
async function wickEngine(o, blob, logs, backend) {
  const mod = await import('../../../web/dist/index.js');
  const t = performance.now();
  const engine = await mod.CreateEngine(new File([blob], `${o.model}.gguf`), {
    backend, nCtx: o.nCtx, cache: 'none', threads: backend === 'cpu' ? o.threads : undefined,
    wasmBaseUrl: new URL('../../../web/dist/', import.meta.url).href, logLevel: 'WARN',
  });
  const loadMs = performance.now() - t;
  const request = async (prompt, maxTokens) => {
    await engine.resetChat(); // no prefix reuse between requests
    const s = performance.now();
    const stream = await engine.completions.create({ prompt, max_tokens: maxTokens, temperature: 0,
      ignore_eos: true, stream: true, stream_options: { include_usage: true } });
    let first = null, usage = null;
    for await (const c of stream) {
      if ((c.choices?.[0]?.text ?? '') && first === null) first = performance.now();
      if (c.usage) usage = c.usage;
    }
    const end = performance.now();
    return { start: s, first: first ?? end, end, promptTokens: usage?.prompt_tokens,
      completionTokens: usage?.completion_tokens, enginePp: usage?.extra?.prefill_tokens_per_s,
      engineTg: usage?.extra?.decode_tokens_per_s, extra: usage?.extra };
  };
  return { loadMs, meta: { backend }, request, close: () => engine.unload() };
}

async function caseEngine(o) {
  const a = await getAdapter();
  const gpuEngine = o.engine !== 'wick-cpu';
  if (gpuEngine && a.error) return { error: a.error };
  if (gpuEngine && a.fallback && !o.allowFallback) return { refused: 'fallback adapter', info: a.info };
  const tStart = performance.now();
  const budgetEnd = tStart + o.caseBudgetS * 1000;
  const prompt = await buildPrompt(o.vocabUrl, o.pp);
  let t = performance.now();
  const resp = await fetch(o.modelUrl);
  if (!resp.ok) return { error: `GET ${o.modelUrl}: HTTP ${resp.status}` };
  const blob = await resp.blob();
  const fetchMs = performance.now() - t;
  const logs = [];
  await mark('load');
  let eng;
  try {
    if (o.engine === 'wllama') eng = await wllamaEngine(o, blob, logs);
    else eng = await wickEngine(o, blob, logs, o.engine === 'wick-webgpu' ? 'webgpu' : 'cpu');
  } catch (e) {
    const msg = String(e?.message ?? e);
    const unavailable = o.engine === 'wick-webgpu' && /backend must be/.test(msg);
    return { error: unavailable ? `Wick's GPU engine is not built yet: ${msg}` : `load failed: ${msg}`,
      unavailable, logs: logs.slice(-200) };
  }
  await mark('loaded');
  const out = { engine: o.engine, meta: eng.meta, fetch_ms: fetchMs, load_ms: eng.loadMs,
    prompt_text_tokens: prompt.tokens, skipped: [], reps: [] };
  const one = async (maxTokens) => {
    const r = await eng.request(prompt.text, maxTokens);
    const n = r.completionTokens;
    const row = { max_tokens: maxTokens, prompt_tokens: r.promptTokens, completion_tokens: n,
      ttft_ms: r.first - r.start, total_ms: r.end - r.start,
      prefill_tps: r.promptTokens / ((r.first - r.start) / 1000),
      decode_tps: (n - 1) / ((r.end - r.first) / 1000), engine_pp: r.enginePp, engine_tg: r.engineTg };
    out.reps.push(row);
    return row;
  };
  try {
    // cold: the first request after load
    const cold = await one(o.tgShort + 1);
    out.ttft_ms = cold.ttft_ms;
    out.prompt_tokens = cold.prompt_tokens;
    const warm = [];
    for (let i = 0; i < o.reps; i++) {
      const left = budgetEnd - performance.now();
      if (left < cold.total_ms * 1.2) { out.skipped.push(`warm rep ${i + 1}: would pass the case budget`); break; }
      warm.push(await one(o.tgShort + 1));
    }
    const rows = warm.length ? warm : [cold];
    out.prefill_tps = median(rows.map((r) => r.prefill_tps));
    out[`decode${o.tgShort}_tps`] = median(rows.map((r) => r.decode_tps));
    out.engine_prefill_tps = median(rows.map((r) => r.engine_pp));
    out[`engine_decode${o.tgShort}_tps`] = median(rows.map((r) => r.engine_tg));
    // long decode, if it fits the budget at the short decode rate
    const estMs = (o.tgLong / out[`decode${o.tgShort}_tps`]) * 1000 * 1.3 + rows[0].ttft_ms;
    if (performance.now() + estMs > budgetEnd)
      out.skipped.push(`decode ${o.tgLong}: about ${(estMs / 1000).toFixed(0)} s at ` +
        `${out[`decode${o.tgShort}_tps`].toFixed(1)} tok/s, over the case budget of ${o.caseBudgetS} s`);
    else {
      const long = await one(o.tgLong + 1);
      out[`decode${o.tgLong}_tps`] = long.decode_tps;
      out[`engine_decode${o.tgLong}_tps`] = long.engine_tg;
    }
  } catch (e) {
    out.error = `request failed: ${String(e?.message ?? e)}`;
  }
  await mark('done');
  try { await eng.close(); } catch (e) { /* the page goes away anyway */ }
  // wllama: the lines that say which backend holds the weights
  out.logs_backend = logs.filter((l) => /webgpu|WebGPU|offload|buffer size|shader-f16|ShaderF16|CPU_|device|backend|fallback|n_threads|system_info/i.test(l)).slice(0, 80);
  out.logs_head = logs.slice(0, 60);
  out.logs_tail = logs.slice(-40);
  out.adapter = a.info ?? null;
  out.fallback = a.fallback ?? null;
  return out;
}

// -------------------------------------------------------------------- main
async function main() {
  const cfg = await (await fetch(CFG_URL)).json();
  const c = cfg.cases[caseIndex];
  if (!c) { await post('/bench/done', { cases: cfg.cases.length }); log('all cases done'); return; }
  log(`case ${caseIndex}: ${c.kind} ${c.engine ?? ''} ${c.model ?? ''}`);
  const o = { ...cfg.common, ...c };
  let result;
  try {
    if (c.kind === 'adapter') result = await caseAdapter(o);
    else if (c.kind === 'bandwidth') result = await caseBandwidth(o);
    else if (c.kind === 'engine') result = await caseEngine(o);
    else result = { error: `unknown case kind ${c.kind}` };
  } catch (e) {
    result = { error: String(e?.stack ?? e?.message ?? e) };
  }
  result.page_ms = performance.now() - t0page;
  log(JSON.stringify(result).slice(0, 400));
  await post('/bench/result', { case: caseIndex, spec: c, result });
  here.searchParams.set('case', String(caseIndex + 1));
  location.href = here.href;
}
main().catch(async (e) => {
  await post('/bench/result', { case: caseIndex, result: { error: `page: ${e?.stack ?? e}` } });
  here.searchParams.set('case', String(caseIndex + 1));
  location.href = here.href;
});
