// Wick's WebGPU path on a real GPU (bench.sh drives it; no wasm core: the
// plans come from plan_dump, the weights by HTTP Range straight into GPU
// buffers). Per model: load (upload + compile), prefill of PP tokens (one
// step), decode of TG tokens with GPU sampling (pipelined), decode with a
// logits readback per token (forward(), for comparison), dispatches per
// decode token; plus a plain WGSL read-bandwidth kernel. Refuses a
// fallback adapter unless ?allow_fallback.
import { WickGpuModel, requestGpuDevice } from '/web/dist/gpu/gpu_model.js';

const q = new URL(location.href).searchParams;
const logEl = document.getElementById('log');
const post = (path, body) => fetch(path, { method: 'POST', body: JSON.stringify(body) });
function log(s) { logEl.textContent += '\n' + s; post('/log', s); }

const READ = `
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> S: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  var acc = vec4<f32>(0.0);
  let n = arrayLength(&A);
  let stride = nw.x * 256u;
  for (var i = g.x; i < n; i += stride) { acc += A[i]; }
  if (acc.x == 1.2345) { S[0] = acc.y; }
}`;

async function bandwidth(device) {
  const bytes = 1 << 30;
  const a = device.createBuffer({ size: bytes, usage: 0x80 | 0x8 });
  const s = device.createBuffer({ size: 256, usage: 0x80 });
  const pipe = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: READ }), entryPoint: 'main' } });
  const bg = device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: a } }, { binding: 1, resource: { buffer: s } }] });
  let best = 0;
  for (const wgs of [2048, 8192]) {
    for (let rep = 0; rep < 3; rep++) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipe);
      pass.setBindGroup(0, bg);
      for (let i = 0; i < 10; i++) pass.dispatchWorkgroups(wgs);
      pass.end();
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const gbs = (10 * bytes) / ((performance.now() - t0) / 1000) / 1e9;
      if (rep > 0) best = Math.max(best, gbs);
    }
  }
  a.destroy();
  s.destroy();
  return best;
}

async function runCase(dev, c, cfg) {
  const plan = await (await fetch(`/plans/${c.name}/plan.json`)).json();
  const steps = {};
  for (const n of [1, plan.n_batch]) steps[n] = await (await fetch(`/plans/${c.name}/step_${n}.json`)).json();
  const url = `/models/${c.model.split('/').pop()}`;
  const source = {
    plan,
    step: (n) => { if (!steps[n]) throw new Error(`no step_${n}.json`); return steps[n]; },
    bytes: async (shard, off, len) => {
      const r = await fetch(url, { headers: { Range: `bytes=${off}-${off + len - 1}` } });
      return new Uint8Array(await r.arrayBuffer());
    },
  };
  const t0 = performance.now();
  const gm = await WickGpuModel.create(source, { device: dev.device, subgroupMinSize: dev.subgroupMinSize });
  const out = { name: c.name, loadMs: performance.now() - t0, timings: gm.timings,
    dispatchesPerDecodeToken: gm.dispatchCount(1) + 1, weightsBytes: gm.timings.uploadBytes };
  const PP = cfg.pp, TG = cfg.tg;
  let seed = 12345;
  const prompt = Array.from({ length: PP }, () => (seed = (seed * 1103515245 + 12345) >>> 0) % Math.min(plan.n_vocab, 30000));
  // prefill: one step of PP tokens (plan.n_batch = PP), first id sampled on the GPU
  const pre = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    await gm.generate(prompt, 0, 1);
    pre.push(performance.now() - t);
  }
  out.prefillMs = Math.min(...pre.slice(1));
  out.prefillTokS = PP / (out.prefillMs / 1000);
  out.ttftMsFirst = pre[0];
  // decode TG tokens after the prompt, GPU sampling, pipelined
  const dec = [];
  for (let r = 0; r < 2; r++) {
    await gm.generate(prompt, 0, TG + 1, { temperature: 0 }, { depth: 3 });
    dec.push(gm.lastGenerate.decodeMs / TG);
  }
  out.decodeMsPerTok = Math.min(...dec);
  out.decodeTokS = 1000 / out.decodeMsPerTok;
  await gm.generate(prompt, 0, TG + 1, { temperature: 0 }, { depth: 1 });
  out.decodeTokSDepth1 = 1000 / (gm.lastGenerate.decodeMs / TG);
  await gm.generate(prompt, 0, TG + 1, { temperature: 0.8, topK: 40, topP: 0.95, seed: 1 }, { depth: 3 });
  out.decodeTokSSampled = 1000 / (gm.lastGenerate.decodeMs / TG);
  // decode with the logits read back each token (forward)
  let ids = await gm.generate(prompt, 0, 1);
  let t = performance.now();
  const n = Math.min(TG, 32);
  for (let i = 0; i < n; i++) await gm.forward([ids[0]], PP + i);
  out.decodeTokSLogitsReadback = n / ((performance.now() - t) / 1000);
  if (dev.device.features.has('timestamp-query')) {
    out.profileDecode = await gm.profile(1, PP + 8);
    out.profilePrefill = await gm.profile(PP, 0, 2);
  }
  // the model's bytes per decode token over the read bandwidth
  out.rooflineTokS = (cfg.bandwidthGBs * 1e9) / gm.timings.uploadBytes;
  out.fractionOfRoofline = out.decodeTokS / out.rooflineTokS;
  gm.destroy();
  return out;
}

(async () => {
  try {
    const cfg = await (await fetch('/bench/config.json')).json();
    const dev = await requestGpuDevice({ subgroups: !q.has('no_subgroups'), timestamps: true });
    const info = { adapter: dev.adapterInfo, features: dev.features, subgroupMinSize: dev.subgroupMinSize,
      maxStorageBufferBindingSize: dev.device.limits.maxStorageBufferBindingSize, userAgent: navigator.userAgent,
      date: new Date().toISOString() };
    log(`adapter ${JSON.stringify(info.adapter)}`);
    const fb = info.adapter.isFallbackAdapter || /swiftshader|llvmpipe/i.test(JSON.stringify(info.adapter));
    if (fb && !q.has('allow_fallback')) {
      await post('/done', { error: 'fallback adapter refused', info });
      return;
    }
    await post('/result', { info, fallback: fb });
    cfg.bandwidthGBs = cfg.skipBandwidth ? 3000 : await bandwidth(dev.device);
    await post('/result', { bandwidthGBs: cfg.bandwidthGBs });
    for (const c of cfg.cases) {
      try {
        const r = await runCase(dev, c, cfg);
        await post('/result', r);
      } catch (e) {
        await post('/result', { name: c.name, error: String(e?.stack ?? e) });
      }
    }
    await post('/done', { done: true });
  } catch (e) {
    await post('/done', { error: String(e?.stack ?? e) });
  }
})();
