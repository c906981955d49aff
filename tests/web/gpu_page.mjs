// Page side of tests/web/gpu_logits.mjs: loads a GGUF into the wasm core
// (the CPU path: reference logits and greedy ids) and runs the same model
// through WickGpuModel (web/dist/gpu/) on this page's WebGPU adapter.
import { loadWickCore } from '/web/dist/wasm_core.js';
import { WickGpuModel, requestGpuDevice } from '/web/dist/gpu/gpu_model.js';

let core = null, dev = null;

async function openModel(url) {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const buf = core.allocModel(bytes.length);
  buf.write(0, bytes);
  return buf.open();
}

const argmax = (l) => { let b = 0; for (let i = 1; i < l.length; i++) if (l[i] > l[b]) b = i; return b; };

/** Compares logits: max |gpu - cpu| over max |cpu| (the logit scale). */
function compare(gpu, cpu) {
  let d = 0, scale = 0, sum = 0;
  for (let i = 0; i < cpu.length; i++) {
    const e = Math.abs(gpu[i] - cpu[i]);
    if (!(e <= d)) d = e; // NaN propagates
    sum += e;
    scale = Math.max(scale, Math.abs(cpu[i]));
  }
  return { maxDiff: d, meanDiff: sum / cpu.length, scale, rel: d / Math.max(scale, 1e-30), n: cpu.length,
    gpuLen: gpu.length };
}

window.gpuInit = async ({ subgroups = true } = {}) => {
  core = await loadWickCore({ threads: 1, baseUrl: '/build/web/' });
  const d = await requestGpuDevice({ subgroups });
  dev = d;
  return { adapter: d.adapterInfo, features: d.features, subgroupMinSize: d.subgroupMinSize,
    maxStorageBufferBindingSize: d.device.limits.maxStorageBufferBindingSize };
};

/** One model: prompt logits (prefill in chunks of nBatch), a greedy
 *  continuation of nGen tokens decoded one at a time, and the logits after
 *  the last decode step, each against the wasm core. */
window.gpuCase = async ({ url, prompt, nGen, nCtx, nBatch, maxBinding, samplingChecks, compact }) => {
  const model = await openModel(url);
  const src = core.gpuPlan(model, { nCtx, nBatch, maxBinding: maxBinding ?? dev.device.limits.maxStorageBufferBindingSize,
    maxBuffer: dev.device.limits.maxBufferSize, compact });
  const out = { arch: src.plan.arch, kernels: src.plan.kernels.length, uploads: src.plan.uploads.length };
  let gm = null;
  try {
    const t0 = performance.now();
    gm = await WickGpuModel.create(src, { device: dev.device, subgroupMinSize: dev.subgroupMinSize });
    out.dispatchesDecode = gm.dispatchCount(1);
    out.loadMs = performance.now() - t0;
    out.timings = gm.timings;
    // prefill
    const t1 = performance.now();
    let logits = null;
    for (let i = 0; i < prompt.length; i += nBatch) logits = await gm.forward(prompt.slice(i, i + nBatch), i);
    out.prefillMs = performance.now() - t1;
    out.prefill = compare(logits, core.promptLogits(model, prompt, { nCtx, nBatch }));
    // greedy decode on the GPU, one token per step
    const ids = [], stepLogits = [];
    let pos = prompt.length;
    const t2 = performance.now();
    for (let i = 0; i < nGen; i++) {
      const tok = argmax(logits);
      ids.push(tok);
      stepLogits.push(logits);
      if (i + 1 === nGen) break;
      logits = await gm.forward([tok], pos++);
    }
    out.decodeMs = performance.now() - t2;
    out.gpuIds = ids;
    // the same continuation sampled on the GPU (greedy; pipelined), which
    // must equal the logits-argmax ids above exactly (same kernels)
    out.sampledIds = samplingChecks === null ? ids : await gm.decodeGreedy(prompt, 0, nGen);
    out.sampledTimings = gm.lastGenerate;
    if (samplingChecks) { // (model-independent: the first model of a run)
      // seeded sampling: reproducible; top_k 1 and a tiny top_p are greedy
      const n3 = Math.min(nGen, 3), g3 = ids.slice(0, n3).join();
      const s1 = await gm.generate(prompt, 0, n3, { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 });
      const s2 = await gm.generate(prompt, 0, n3, { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 });
      const k1 = await gm.generate(prompt, 0, n3, { temperature: 1.5, topK: 1, seed: 3 });
      const p0 = await gm.generate(prompt, 0, n3, { temperature: 1.5, topP: 1e-6, seed: 5 });
      out.sampling = { reproducible: s1.join() === s2.join(), topK1: k1.join() === g3,
        topPtiny: p0.join() === g3, ids: s1 };
      // stop after the second id: the ids submitted past it are discarded
      out.stopped = (await gm.decodeGreedy(prompt, 0, n3, { onToken: (_id, i) => i === 1 })).length;
    }
    out.cpuIds = Array.from(core.generateGreedy(model, prompt, nGen, { nCtx }));
    // logits after a decode step (the n = 1 shape at pos > 0)
    if (ids.length >= 2) {
      const ctx = prompt.concat(ids.slice(0, -1));
      out.decode = compare(stepLogits[ids.length - 1], core.promptLogits(model, ctx, { nCtx, nBatch }));
    }
    // at the first difference: both sides' logit margins between the two tokens
    let i = 0;
    while (i < out.cpuIds.length && out.cpuIds[i] === ids[i]) i++;
    out.firstDiff = i < out.cpuIds.length ? i : null;
    if (out.firstDiff !== null) {
      const g = stepLogits[i], c = core.promptLogits(model, prompt.concat(ids.slice(0, i)), { nCtx, nBatch });
      out.gpuMargin = g[ids[i]] - g[out.cpuIds[i]];
      out.cpuMargin = c[out.cpuIds[i]] - c[ids[i]];
    }
    return out;
  } finally {
    gm?.destroy();
    src.free();
    core.closeModel(model);
  }
};

window.gpuReady = true;
