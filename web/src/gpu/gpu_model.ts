/* WickGpuModel: the generic WebGPU executor of a plan made by the C core
 * (src/gpu/gpu_plan.h; JSON described in docs/gpu.md). It owns the WebGPU
 * objects and nothing model-specific: it creates the plan's buffers,
 * uploads the weight bytes, compiles the kernels (all in parallel with
 * createComputePipelineAsync), and for each step shape (n tokens) creates
 * the parameter buffer and bind groups once; a step then writes the
 * 16-byte Step uniform and the token ids, and replays the recorded
 * dispatch list in one compute pass. Reads back the last token's logits.
 *
 *   const m = await WickGpuModel.create(source, {device, subgroupMinSize});
 *   const logits = await m.forward([1, 2, 3], 0); // tokens at positions 0..2
 *   const ids = await m.generate([1, 2, 3], 0, 16, {temperature: 0}); // GPU sampling
 *
 * generate() samples on the GPU (src/gpu/wgsl/sample.wgsl): each step
 * writes its token id into the token buffer (the next step's embedding
 * input) and reads back 4 bytes; step t+1 is submitted before the id of
 * step t arrives (up to `depth` steps in flight).
 *
 * Device loss: every later call throws a GpuDeviceLostError naming the
 * reason; make a new WickGpuModel (on a new device) to continue. */
import { WGSL_SOURCES } from './wgsl_sources.js';

// Minimal WebGPU typing: TypeScript's DOM lib has no WebGPU types and the
// package ships no dependency on @webgpu/types.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type GPUDeviceLike = any;
type GPUAny = any;

const BUFFER_USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 };
const MAP_MODE_READ = 0x1;

export interface GpuPlanBuffer { name: string; kind: string; size: number }
export interface GpuPlanKernel { name: string; sources: string[]; entry: string; constants: Record<string, number> }
export interface GpuPlan {
  version: number; arch: string; n_vocab: number; n_embd: number; n_layer: number;
  n_ctx: number; n_batch: number; tokens_buffer: number; logits_buffer: number;
  step_uniform_bytes: number; param_slot_bytes: number;
  buffers: GpuPlanBuffer[];
  /** [shard, file offset, bytes, buffer, buffer offset] */
  uploads: [number, number, number, number, number][];
  kernels: GpuPlanKernel[];
}
export interface GpuDispatch {
  k: number;
  /** [binding, buffer, offset, size] */
  b: [number, number, number, number][];
  p: number[];
  wg: [number, number, number];
}
export interface GpuStepPlan { n_tokens: number; dispatches: GpuDispatch[] }

/** Where the plan and the weight bytes come from (the wasm core, or a
 *  plan made elsewhere with the bytes read from a Blob). */
export interface GpuPlanSource {
  plan: GpuPlan;
  /** The dispatch list of a step of n tokens (1..plan.n_batch). */
  step(nTokens: number): GpuStepPlan;
  /** `length` bytes of file `shard` at `offset` (a view; copied at once). */
  bytes(shard: number, offset: number, length: number): Uint8Array | Promise<Uint8Array>;
}

/** GPU sampling parameters (generate()). temperature <= 0: greedy. */
export interface GpuSampling {
  temperature?: number;
  /** keep the k most likely ids (0: all) */
  topK?: number;
  /** then the smallest top set reaching this probability (1: all) */
  topP?: number;
  /** the same seed, prompt and parameters give the same ids */
  seed?: number;
}

export interface GpuGenerateOptions {
  /** called as each id arrives; return true to stop (ids submitted past
   *  it are discarded) */
  onToken?: (id: number, index: number) => boolean | void;
  /** steps in flight (submitted before the oldest id is read); default 3 */
  depth?: number;
}

export interface GpuGenerateTimings {
  /** prompt submitted -> first id read back */
  firstTokenMs: number;
  /** first id -> last id */
  decodeMs: number;
  tokens: number;
}

export class GpuDeviceLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuDeviceLostError';
  }
}

export interface GpuDeviceInfo {
  device: GPUDeviceLike; adapterInfo: Record<string, unknown>; features: string[];
  /** pass to WickGpuModel.create: the device has `subgroups` and every
   *  subgroup holds at least this many lanes (0: no subgroups) */
  subgroupMinSize: number;
}

/** An adapter and a device with the adapter's best limits for the
 *  storage-buffer sizes and binding counts the plans use, and the
 *  `subgroups` feature when the adapter has it (subgroups: false leaves it
 *  off), and `timestamp-query` when asked (WickGpuModel.profile). Throws
 *  when WebGPU or an adapter is missing. */
export async function requestGpuDevice(opts: { powerPreference?: 'high-performance' | 'low-power'; subgroups?: boolean; timestamps?: boolean } = {}): Promise<GpuDeviceInfo> {
  const gpu = (globalThis as { navigator?: { gpu?: GPUAny } }).navigator?.gpu;
  if (!gpu) throw new Error('WebGPU is not available here (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) throw new Error('WebGPU: no adapter (requestAdapter returned null)');
  const want = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage',
    'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX'];
  const requiredLimits: Record<string, number> = {};
  for (const k of want) if (typeof adapter.limits?.[k] === 'number') requiredLimits[k] = adapter.limits[k];
  const info = adapter.info ?? {};
  const sgMin = Number(info.subgroupMinSize ?? 0);
  const useSubgroups = opts.subgroups !== false && adapter.features?.has?.('subgroups') && sgMin >= 1;
  const requiredFeatures = useSubgroups ? ['subgroups'] : [];
  if (opts.timestamps && adapter.features?.has?.('timestamp-query')) requiredFeatures.push('timestamp-query');
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const adapterInfo: Record<string, unknown> = {};
  for (const k of ['vendor', 'architecture', 'device', 'description', 'subgroupMinSize', 'subgroupMaxSize']) adapterInfo[k] = info[k];
  adapterInfo.isFallbackAdapter = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
  return { device, adapterInfo, features: [...(adapter.features ?? [])].map(String),
    subgroupMinSize: useSubgroups ? sgMin : 0 };
}

/** The `reduce` family's lanes: the largest power of two <= the minimum
 *  subgroup size, at most 32 (1: no subgroups). */
function subgroupLanes(min: number): number {
  let l = 1;
  while (l * 2 <= Math.min(min, 32)) l *= 2;
  return l;
}

const STEP_BYTES = 32;

/** Compiled pipelines per device, by WGSL code + entry + constants: a
 *  model loaded again (or another model with the same kernels) on the same
 *  device compiles nothing new. */
const PIPELINE_CACHE = new WeakMap<object, Map<string, Promise<GPUAny>>>();

/** One step shape's recorded work. */
interface StepShape {
  n: number;
  kernels: number[];
  params: GPUAny;
  pipelines: GPUAny[];
  bindGroups: GPUAny[];
  wg: [number, number, number][];
}

export interface GpuModelTimings {
  compileMs: number; uploadMs: number; uploadBytes: number; pipelines: number;
  /** subgroup lanes the reductions use (1: workgroup trees only) */
  subgroupLanes: number;
}

export class WickGpuModel {
  readonly plan: GpuPlan;
  readonly timings: GpuModelTimings;
  /** generate()'s last run */
  lastGenerate: GpuGenerateTimings | null = null;
  private readonly device: GPUDeviceLike;
  private readonly source: GpuPlanSource;
  private readonly buffers: GPUAny[];
  private readonly pipelines: GPUAny[];
  private readonly sampler: GPUAny;
  private readonly stepUniform: GPUAny;
  private readonly readback: GPUAny;
  private readonly ids: GPUAny;
  private readonly idsSlots: number;
  private readonly idReadbacks: GPUAny[] = [];
  private samplerGroup: GPUAny = null;
  private readonly shapes = new Map<number, StepShape>();
  private lost: string | null = null;
  private busy = false;

  private constructor(device: GPUDeviceLike, source: GpuPlanSource, buffers: GPUAny[], pipelines: GPUAny[],
    sampler: GPUAny, timings: GpuModelTimings) {
    this.device = device;
    this.source = source;
    this.plan = source.plan;
    this.buffers = buffers;
    this.pipelines = pipelines;
    this.sampler = sampler;
    this.timings = timings;
    this.stepUniform = device.createBuffer({ size: STEP_BYTES, usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST });
    this.readback = device.createBuffer({ size: this.plan.n_vocab * 4, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
    this.idsSlots = 1024;
    this.ids = device.createBuffer({ size: this.idsSlots * 4, label: 'ids',
      usage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST });
    device.lost?.then((info: GPUAny) => {
      this.lost = `the GPU device was lost (${info?.reason ?? 'unknown reason'}: ${info?.message ?? ''})`;
    });
  }

  /** Creates the buffers, uploads the weights and compiles every kernel.
   *  subgroupMinSize: requestGpuDevice's (the device must have the
   *  `subgroups` feature); 0 or absent: workgroup reductions only. */
  static async create(source: GpuPlanSource, opts: { device: GPUDeviceLike; subgroupMinSize?: number }): Promise<WickGpuModel> {
    const device = opts.device;
    const plan = source.plan;
    if (plan.version !== 1) throw new Error(`gpu plan version ${plan.version} is not supported (expected 1)`);
    const sg = opts.subgroupMinSize && device.features?.has?.('subgroups') ? subgroupLanes(opts.subgroupMinSize) : 1;
    const maxBinding = Number(device.limits?.maxStorageBufferBindingSize ?? 134217728);
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    const buffers = plan.buffers.map((b) => {
      if (b.size > Number(device.limits?.maxBufferSize ?? Infinity))
        throw new Error(`gpu plan: buffer ${b.name} of ${b.size} bytes exceeds maxBufferSize ${device.limits.maxBufferSize}`);
      return device.createBuffer({ size: Math.max(4, b.size), label: b.name,
        usage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_DST | BUFFER_USAGE.COPY_SRC });
    });
    // Compile while the weights upload: both are independent.
    const t0 = performance.now();
    const modules = new Map<string, GPUAny>();
    const moduleOf = (sources: string[]): GPUAny => {
      const key = sources.join('+');
      let module = modules.get(key);
      if (!module) {
        let code = sources.map((s) => {
          const name = s === 'reduce' ? (sg > 1 ? 'reduce_sg' : 'reduce_wg') : s;
          const src = WGSL_SOURCES[name];
          if (src === undefined) throw new Error(`gpu plan: a kernel needs WGSL family "${name}", which this build lacks`);
          return src;
        }).join('\n');
        if (sg > 1 && sources.includes('reduce')) code = 'enable subgroups;\n' + code;
        module = device.createShaderModule({ code, label: key });
        modules.set(key, module);
      }
      return module;
    };
    let cache = PIPELINE_CACHE.get(device);
    if (!cache) PIPELINE_CACHE.set(device, (cache = new Map()));
    const pipelineCache = cache;
    const compileOne = (name: string, sources: string[], entry: string, constants: Record<string, number>) => {
      const key = `${sources.join('+')}|${sg}|${entry}|${JSON.stringify(constants)}`;
      const hit = pipelineCache.get(key);
      if (hit) return hit;
      const made = device.createComputePipelineAsync({
        layout: 'auto', label: name,
        compute: { module: moduleOf(sources), entryPoint: entry, constants },
      }).catch(async (e: Error) => {
        pipelineCache.delete(key);
        const info = await moduleOf(sources).getCompilationInfo?.().catch(() => null);
        const msgs = (info?.messages ?? []).filter((m: GPUAny) => m.type === 'error')
          .map((m: GPUAny) => `${m.lineNum}:${m.linePos} ${m.message}`).slice(0, 3).join('; ');
        throw new Error(`gpu: kernel ${name} failed to compile: ${e.message}${msgs ? ` (${msgs})` : ''}`);
      });
      pipelineCache.set(key, made);
      return made;
    };
    let compileMs = 0;
    const compile = Promise.all([
      ...plan.kernels.map((k) => compileOne(k.name, k.sources, k.entry,
        k.sources.includes('reduce') ? { ...k.constants, SG: sg } : k.constants)),
      compileOne('sample', ['sample'], 'sample', {}),
    ]).then((p) => { compileMs = performance.now() - t0; return p; });
    compile.catch(() => undefined); // reported below, after the uploads
    const t1 = performance.now();
    let uploadBytes = 0;
    for (const [shard, off, len, buf, dst] of plan.uploads) {
      if (len > maxBinding) throw new Error(`gpu plan: upload of ${len} bytes exceeds the binding limit ${maxBinding}`);
      // large ranges in pieces: a Blob-backed source need not hold a whole tensor
      const piece = 64 << 20;
      for (let o = 0; o < len; o += piece) {
        const n = Math.min(piece, len - o);
        let bytes = await source.bytes(shard, off + o, n);
        if (n % 4) { // writeBuffer wants a multiple of 4 bytes: the placement has room for the padding
          const padded = new Uint8Array((n + 3) & ~3);
          padded.set(bytes);
          bytes = padded;
        }
        device.queue.writeBuffer(buffers[buf], dst + o, bytes, 0, bytes.length);
      }
      uploadBytes += len;
    }
    await device.queue.onSubmittedWorkDone();
    const uploadMs = performance.now() - t1;
    const pipelines = await compile;
    const sampler = pipelines.pop();
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    if (oom) throw new Error(`gpu: out of GPU memory while loading: ${oom.message}`);
    if (invalid) throw new Error(`gpu: WebGPU validation error while loading: ${invalid.message}`);
    return new WickGpuModel(device, source, buffers, pipelines, sampler,
      { compileMs, uploadMs, uploadBytes, pipelines: pipelines.length + 1, subgroupLanes: sg });
  }

  private check(): void {
    if (this.lost) throw new GpuDeviceLostError(this.lost);
  }

  /** The parameter buffer and bind groups of a step of n tokens (made once). */
  private shape(n: number): StepShape {
    let s = this.shapes.get(n);
    if (s) return s;
    const sp = this.source.step(n);
    const slot = this.plan.param_slot_bytes;
    const words = new Uint32Array((sp.dispatches.length * slot) / 4);
    sp.dispatches.forEach((d, i) => words.set(d.p, (i * slot) / 4));
    const params = this.device.createBuffer({ size: Math.max(slot, words.byteLength),
      usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST, label: `params-${n}` });
    this.device.queue.writeBuffer(params, 0, words);
    const pipelines: GPUAny[] = [], bindGroups: GPUAny[] = [], wg: [number, number, number][] = [];
    sp.dispatches.forEach((d, i) => {
      const pipeline = this.pipelines[d.k];
      const entries = [
        { binding: 0, resource: { buffer: this.stepUniform, offset: 0, size: STEP_BYTES } },
        { binding: 1, resource: { buffer: params, offset: i * slot, size: slot } },
        ...d.b.map(([binding, buf, offset, size]) => ({ binding, resource: { buffer: this.buffers[buf], offset, size } })),
      ];
      pipelines.push(pipeline);
      bindGroups.push(this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
      wg.push(d.wg);
    });
    s = { n, kernels: sp.dispatches.map((d) => d.k), params, pipelines, bindGroups, wg };
    this.shapes.set(n, s);
    return s;
  }

  /** Dispatches per step of n tokens (the plan's list; generate() adds one
   *  for sampling). */
  dispatchCount(n = 1): number {
    return this.shape(n).pipelines.length;
  }

  private checkTokens(tokens: ArrayLike<number>, pos0: number, what: string, total = tokens.length): void {
    const n = tokens.length;
    if (n < 1) throw new RangeError(`${what}: no tokens`);
    if (!Number.isInteger(pos0) || pos0 < 0 || pos0 + total > this.plan.n_ctx)
      throw new RangeError(`${what}: positions ${pos0}..${pos0 + total - 1} do not fit the context of ${this.plan.n_ctx}`);
    for (let i = 0; i < n; i++)
      if (!Number.isInteger(tokens[i]) || tokens[i] < 0 || tokens[i] >= this.plan.n_vocab)
        throw new RangeError(`${what}: token ${i} has id ${tokens[i]}, outside the model's ${this.plan.n_vocab}`);
  }

  /** Encodes one step of s.n tokens (Step uniform written first), and the
   *  sampler when `sample` is given. */
  private encodeStep(s: StepShape, pos0: number, sample: Uint32Array | null, slot: number): GPUAny {
    const q = this.device.queue;
    const u = new Uint32Array(STEP_BYTES / 4);
    u[0] = s.n;
    u[1] = pos0;
    if (sample) u.set(sample, 2);
    u[2] = slot;
    q.writeBuffer(this.stepUniform, 0, u);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let i = 0; i < s.pipelines.length; i++) {
      pass.setPipeline(s.pipelines[i]);
      pass.setBindGroup(0, s.bindGroups[i]);
      pass.dispatchWorkgroups(s.wg[i][0], s.wg[i][1], s.wg[i][2]);
    }
    if (sample) {
      if (!this.samplerGroup)
        this.samplerGroup = this.device.createBindGroup({ layout: this.sampler.getBindGroupLayout(0), entries: [
          { binding: 0, resource: { buffer: this.stepUniform, offset: 0, size: STEP_BYTES } },
          { binding: 2, resource: { buffer: this.buffers[this.plan.logits_buffer] } },
          { binding: 3, resource: { buffer: this.buffers[this.plan.tokens_buffer] } },
          { binding: 4, resource: { buffer: this.ids } },
        ] });
      pass.setPipeline(this.sampler);
      pass.setBindGroup(0, this.samplerGroup);
      pass.dispatchWorkgroups(1, 1, 1);
    }
    pass.end();
    return enc;
  }

  /** Runs tokens (at most plan.n_batch) at positions pos0.. through the
   *  model, writing their keys and values into the KV cache, and returns
   *  the logits after the last one. Longer inputs: call in chunks. */
  async forward(tokens: ArrayLike<number>, pos0: number): Promise<Float32Array> {
    this.check();
    const n = tokens.length;
    if (n < 1 || n > this.plan.n_batch)
      throw new RangeError(`gpu forward: 1 to ${this.plan.n_batch} tokens per step, got ${n}`);
    this.checkTokens(tokens, pos0, 'gpu forward');
    if (this.busy) throw new Error('gpu forward: a step is already running on this model');
    this.busy = true;
    this.device.pushErrorScope('validation');
    let scoped = true;
    try {
      const s = this.shape(n);
      this.device.queue.writeBuffer(this.buffers[this.plan.tokens_buffer], 0, Uint32Array.from(tokens as ArrayLike<number>));
      const enc = this.encodeStep(s, pos0, null, 0);
      enc.copyBufferToBuffer(this.buffers[this.plan.logits_buffer], 0, this.readback, 0, this.plan.n_vocab * 4);
      this.device.queue.submit([enc.finish()]);
      scoped = false;
      const err = await this.device.popErrorScope().catch(() => null);
      if (err) throw new Error(`gpu: WebGPU validation error: ${err.message}`);
      await this.readback.mapAsync(MAP_MODE_READ).catch((e: Error) => {
        this.check();
        throw e;
      });
      const out = new Float32Array(this.readback.getMappedRange().slice(0));
      this.readback.unmap();
      return out;
    } finally {
      if (scoped) this.device.popErrorScope().catch(() => null);
      this.busy = false;
    }
  }

  /** Runs the prompt at positions pos0.. (in chunks of plan.n_batch) and
   *  generates nNew ids, sampled on the GPU: each step feeds its id to the
   *  next without the CPU, which reads back 4 bytes per step while later
   *  steps are already queued. Returns the ids (fewer when onToken stops). */
  async generate(prompt: ArrayLike<number>, pos0: number, nNew: number, sampling: GpuSampling = {},
    opts: GpuGenerateOptions = {}): Promise<number[]> {
    this.check();
    if (!Number.isInteger(nNew) || nNew < 1) throw new RangeError(`gpu generate: nNew must be a positive integer, got ${nNew}`);
    this.checkTokens(prompt, pos0, 'gpu generate', prompt.length + nNew - 1);
    const temp = sampling.temperature ?? 0, topK = sampling.topK ?? 0, topP = sampling.topP ?? 1;
    if (!(temp >= 0) || !Number.isInteger(topK) || topK < 0 || !(topP > 0 && topP <= 1))
      throw new RangeError('gpu generate: temperature >= 0, topK a non-negative integer, 0 < topP <= 1');
    const depth = Math.max(1, Math.min(16, opts.depth ?? 3));
    if (this.busy) throw new Error('gpu generate: a step is already running on this model');
    this.busy = true;
    const sp = new Uint32Array(6);
    const f = new Float32Array(sp.buffer);
    sp[1] = (sampling.seed ?? 0) >>> 0; // [slot], seed, temp, top_k, top_p, n_vocab
    f[2] = temp;
    sp[3] = topK;
    f[4] = topP;
    sp[5] = this.plan.n_vocab;
    while (this.idReadbacks.length < depth)
      this.idReadbacks.push(this.device.createBuffer({ size: 4, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST }));
    const q = this.device.queue;
    const ids: number[] = [];
    const inflight: { buf: GPUAny; map: Promise<void> }[] = [];
    let free = this.idReadbacks.slice(0, depth);
    this.device.pushErrorScope('validation');
    const t0 = performance.now();
    let t1 = t0;
    let stop = false;
    const submitStep = (s: StepShape, pos: number, slot: number) => {
      const buf = free.pop();
      const enc = this.encodeStep(s, pos, sp, slot % this.idsSlots);
      enc.copyBufferToBuffer(this.ids, (slot % this.idsSlots) * 4, buf, 0, 4);
      q.submit([enc.finish()]);
      inflight.push({ buf, map: buf.mapAsync(MAP_MODE_READ) });
    };
    const receive = async () => {
      const r = inflight.shift()!;
      await r.map.catch((e: Error) => { this.check(); throw e; });
      const id = new Uint32Array(r.buf.getMappedRange().slice(0))[0];
      r.buf.unmap();
      free.push(r.buf);
      if (stop) return;
      if (!ids.length) t1 = performance.now();
      ids.push(id);
      if (opts.onToken?.(id, ids.length - 1) === true) stop = true;
    };
    try {
      // prompt chunks; the last one samples the first id
      const n = prompt.length, B = this.plan.n_batch;
      for (let i = 0; i < n; i += B) {
        const m = Math.min(B, n - i);
        const s = this.shape(m);
        q.writeBuffer(this.buffers[this.plan.tokens_buffer], 0, Uint32Array.from(Array.prototype.slice.call(prompt, i, i + m)));
        if (i + m < n) {
          q.submit([this.encodeStep(s, pos0 + i, null, 0).finish()]);
        } else {
          submitStep(s, pos0 + i, 0);
        }
      }
      const s1 = this.shape(1);
      for (let k = 1; k < nNew && !stop; k++) {
        if (!free.length) await receive();
        if (stop) break;
        submitStep(s1, pos0 + n + k - 1, k);
      }
      while (inflight.length) await receive();
    } catch (e) {
      this.idReadbacks.length = 0; // some may still be mapping: start afresh
      throw e;
    } finally {
      const err = await this.device.popErrorScope().catch(() => null);
      this.busy = false;
      free = [];
      if (err) throw new Error(`gpu: WebGPU validation error: ${err.message}`);
    }
    this.lastGenerate = { firstTokenMs: t1 - t0, decodeMs: performance.now() - t1, tokens: ids.length };
    return ids;
  }

  /** GPU time per kernel of a step of n tokens at pos0 (the KV cache and
   *  token buffer as they are), each dispatch in its own timed pass: the
   *  median over reps, summed by kernel name, slowest first. Needs a
   *  device with `timestamp-query` (requestGpuDevice({timestamps: true})). */
  async profile(n: number, pos0: number, reps = 3): Promise<{ kernel: string; ms: number; dispatches: number }[]> {
    this.check();
    if (!this.device.features?.has?.('timestamp-query')) throw new Error('gpu profile: the device has no timestamp-query');
    const s = this.shape(n);
    const count = s.pipelines.length;
    const qs = this.device.createQuerySet({ type: 'timestamp', count: 2 * count });
    const res = this.device.createBuffer({ size: 16 * count, usage: 0x200 | BUFFER_USAGE.COPY_SRC });
    const rb = this.device.createBuffer({ size: 16 * count, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
    const runs: number[][] = [];
    try {
      for (let r = 0; r < reps; r++) {
        this.device.queue.writeBuffer(this.stepUniform, 0, new Uint32Array([n, pos0, 0, 0, 0, 0, 0, 0]));
        const enc = this.device.createCommandEncoder();
        for (let i = 0; i < count; i++) {
          const pass = enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
          pass.setPipeline(s.pipelines[i]);
          pass.setBindGroup(0, s.bindGroups[i]);
          pass.dispatchWorkgroups(s.wg[i][0], s.wg[i][1], s.wg[i][2]);
          pass.end();
        }
        enc.resolveQuerySet(qs, 0, 2 * count, res, 0);
        enc.copyBufferToBuffer(res, 0, rb, 0, 16 * count);
        this.device.queue.submit([enc.finish()]);
        await rb.mapAsync(MAP_MODE_READ);
        const t = new BigInt64Array(rb.getMappedRange().slice(0));
        rb.unmap();
        runs.push(Array.from({ length: count }, (_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1e6));
      }
    } finally {
      qs.destroy?.();
      res.destroy?.();
      rb.destroy?.();
    }
    const by = new Map<string, { kernel: string; ms: number; dispatches: number }>();
    for (let i = 0; i < count; i++) {
      const v = runs.map((r) => r[i]).sort((a, b) => a - b)[runs.length >> 1];
      const name = this.plan.kernels[s.kernels[i]].name;
      const e = by.get(name) ?? { kernel: name, ms: 0, dispatches: 0 };
      e.ms += v;
      e.dispatches++;
      by.set(name, e);
    }
    return [...by.values()].sort((a, b) => b.ms - a.ms);
  }

  /** Greedy continuation of the prompt on the GPU (generate at temperature 0). */
  decodeGreedy(prompt: ArrayLike<number>, pos0: number, nNew: number, opts: GpuGenerateOptions = {}): Promise<number[]> {
    return this.generate(prompt, pos0, nNew, { temperature: 0 }, opts);
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy?.();
    for (const s of this.shapes.values()) s.params.destroy?.();
    for (const b of this.idReadbacks) b.destroy?.();
    this.stepUniform.destroy?.();
    this.readback.destroy?.();
    this.ids.destroy?.();
    this.shapes.clear();
  }
}
