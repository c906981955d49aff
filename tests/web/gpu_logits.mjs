#!/usr/bin/env node
// WebGPU path vs the CPU path, in headless Chromium (SwiftShader in CI):
// for each model, prompt logits (prefill chunks), the logits after a
// decode step, and a greedy continuation, computed by WickGpuModel
// (web/dist/gpu/) and by the wasm core in the same page.
//
//   node tests/web/gpu_logits.mjs [--tol 0.03] [--n-gen 6] [--n-batch 4]
//        [--max-binding BYTES] [--no-subgroups] [--prompt-len N --n-ctx N] [--gpu-kernels] [--no-sampling-checks] [-v] MODEL.gguf...
//
// Plans are `compact` (generic products: SwiftShader runs the real-GPU
// kernels mv1 / mm several times slower) unless --gpu-kernels. Each case
// also generates with GPU sampling (greedy ids must equal the logits
// argmax; the first model of a compact run checks seeded sampling and
// stop) unless --no-sampling-checks (slow real models).
//
// Logits: max |gpu - cpu| / max |cpu| must stay under --tol. The CPU path
// quantizes activations to Q8_0/Q8_K before each product (as llama.cpp
// does) while the GPU multiplies in f32, and keeps K/V in f16 (GPU: f32):
// that, not kernel error, sets the tolerance (measured: see docs/gpu.md).
// Greedy ids must agree; a divergence passes only at a near tie: the GPU's
// own margin between its token and the CPU's is below twice the largest
// logit difference measured on that model (printed either way).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from '../../tools/web_server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = { tol: 0.03, nCtx: 64, nGen: 6, nBatch: 4, maxBinding: 0, verbose: false, models: [], subgroups: true, compact: true, samplingChecks: true,
  prompt: [1, 415, 2936, 9060, 285, 1142, 10575, 754, 272] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--tol') args.tol = Number(process.argv[++i]);
  else if (a === '--n-gen') args.nGen = Number(process.argv[++i]);
  else if (a === '--n-batch') args.nBatch = Number(process.argv[++i]);
  else if (a === '--max-binding') args.maxBinding = Number(process.argv[++i]);
  else if (a === '--prompt') args.prompt = process.argv[++i].split(',').map(Number);
  else if (a === '--prompt-len') { // a deterministic prompt of N ids below 32000
    let x = 7;
    args.prompt = Array.from({ length: Number(process.argv[++i]) }, () => (x = (x * 1103515245 + 12345) >>> 0) % 32000);
  } else if (a === '--n-ctx') args.nCtx = Number(process.argv[++i]);
  else if (a === '--no-subgroups') args.subgroups = false;
  else if (a === '--gpu-kernels') args.compact = false;
  else if (a === '--no-sampling-checks') args.samplingChecks = false;
  else if (a === '-v') args.verbose = true;
  else if (a.startsWith('-')) { console.error(`unknown argument ${a}`); process.exit(2); }
  else args.models.push(a);
}
if (!args.models.length) { console.error('usage: gpu_logits.mjs [options] MODEL.gguf...'); process.exit(2); }

const server = createServer({ root: ROOT, aliases: [], log: false });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const BASE = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync'],
});
const timer = setTimeout(() => { console.log('FAIL - the whole run took over 10 minutes'); process.exit(1); }, 600000);
let failures = 0;
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(300000);
  page.on('console', (m) => { if (args.verbose || m.type() === 'error' || m.type() === 'warning') console.log(`# [page ${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`# [page error] ${e.message}`));
  await page.goto(`${BASE}tests/web/pages/gpu.html`);
  await page.waitForFunction(() => window.gpuReady === true, null, { timeout: 30000 });
  const info = await page.evaluate((o) => window.gpuInit(o), { subgroups: args.subgroups });
  console.log(`# adapter ${JSON.stringify(info.adapter)}; shader-f16: ${info.features.includes('shader-f16')}; ` +
    `maxStorageBufferBindingSize ${info.maxStorageBufferBindingSize}; subgroups: ` +
    `${info.subgroupMinSize ? `on (min size ${info.subgroupMinSize})` : 'off'}; products: ` +
    `${args.compact ? 'compact (generic)' : 'GPU kernels (mv1 / mm, rows >= 256)'}`);
  console.log(`# tolerance: max|gpu-cpu|/max|cpu| < ${args.tol}; greedy ids equal or a near tie ` +
    `(GPU margin < 2 x the model's max logit difference)${args.maxBinding ? `; binding limit lowered to ${args.maxBinding} bytes` : ''}`);
  for (const m of args.models) {
    const name = path.basename(m);
    const t0 = Date.now();
    try {
      const r = await page.evaluate((a) => window.gpuCase(a), {
        url: `/${path.relative(ROOT, path.resolve(m))}`, prompt: args.prompt, nGen: args.nGen, nCtx: args.nCtx,
        nBatch: args.nBatch, maxBinding: args.maxBinding || undefined, samplingChecks: !args.samplingChecks ? null : m === args.models[0] && args.compact,
        compact: args.compact,
      });
      const worst = Math.max(r.prefill.rel, r.decode?.rel ?? 0);
      const maxDiff = Math.max(r.prefill.maxDiff, r.decode?.maxDiff ?? 0);
      let idsOk = true, idsNote = `${r.cpuIds.length}/${r.cpuIds.length} greedy ids equal`;
      if (r.firstDiff !== null) {
        idsOk = Math.abs(r.gpuMargin) < 2 * maxDiff;
        idsNote = `ids equal up to step ${r.firstDiff}, then gpu ${r.gpuIds[r.firstDiff]} vs cpu ${r.cpuIds[r.firstDiff]}: ` +
          `gpu margin ${r.gpuMargin.toFixed(4)}, cpu margin ${r.cpuMargin.toFixed(4)} ` +
          `(${idsOk ? 'a near tie, accepted' : 'NOT a near tie'})`;
      }
      const sampledOk = r.sampledIds.join() === r.gpuIds.join(); // (skipped: --no-sampling-checks)
      const samplingOk = !r.sampling || (r.sampling.reproducible && r.sampling.topK1 && r.sampling.topPtiny &&
        r.stopped === 2);
      if (!sampledOk) idsNote += `; GPU-sampled greedy ids ${r.sampledIds} differ from the logits argmax ${r.gpuIds}`;
      if (!samplingOk) idsNote += `; GPU sampling check failed ${JSON.stringify(r.sampling)} (stop after 2: ${r.stopped})`;
      const ok = worst < args.tol && Number.isFinite(worst) && idsOk && r.prefill.gpuLen === r.prefill.n &&
        sampledOk && samplingOk;
      if (!ok) failures++;
      console.log(`${ok ? 'ok' : 'FAIL'} - ${name} (${r.arch}): prefill max|d| ${r.prefill.maxDiff.toExponential(2)} ` +
        `/ scale ${r.prefill.scale.toFixed(3)} = ${r.prefill.rel.toExponential(2)} (mean |d| ` +
        `${r.prefill.meanDiff.toExponential(2)}); decode ` +
        `${r.decode ? r.decode.rel.toExponential(2) : '-'}; ${idsNote}; ${r.kernels} pipelines in ` +
        `${r.timings.compileMs.toFixed(0)} ms, upload ${(r.timings.uploadBytes / 1e6).toFixed(1)} MB in ` +
        `${r.timings.uploadMs.toFixed(0)} ms (${r.uploads} ranges), prefill ${args.prompt.length} tok ` +
        `${r.prefillMs.toFixed(0)} ms, decode ${args.nGen - 1} tok ${r.decodeMs.toFixed(0)} ms ` +
        `; GPU-sampled greedy = argmax ids${r.sampling ? ', seeded repeat, top-k 1, top-p 1e-6, stop ok' : ''}; ` +
        `${r.dispatchesDecode} dispatches/decode step (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failures++;
      console.log(`FAIL - ${name}: ${e.message.split('\n')[0]}`);
    }
  }
} finally {
  clearTimeout(timer);
  await browser.close();
  server.close();
}
console.log(failures ? `gpu_logits: ${failures} FAILED` : 'gpu_logits: all passed');
process.exit(failures ? 1 : 0);
