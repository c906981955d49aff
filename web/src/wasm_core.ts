/* The low-level binding to Wick's C core compiled to WebAssembly
 * (build/web/wick-{mt,st}.{js,wasm}, copied next to this file in web/dist/).
 * It implements the WickCore contract of core_types.ts: it only moves bytes
 * and JSON strings across the wasm boundary; every decision about models
 * and requests is made in C (web/c/wick_wasm*.c wrap include/wick_api.h).
 *
 * Two builds: wick-mt (pthreads on Web Workers; needs SharedArrayBuffer, so
 * a cross-origin isolated page, or Node) and wick-st (one thread). The
 * mt build has a fixed pool of `threads` workers, created at load; a
 * context needs threads - 1 of them, so engines are clamped to `threads`.
 * Memory grows up to 4 GiB (wasm32's limit); model files up to
 * maxModelBytes (4 GiB minus a reserve for the KV cache and activations).
 *
 * Node: emscripten 3.1.6's ES6 output reads the bare globals `require` and
 * `__dirname` under Node, so this file defines them there (Node only), and
 * hands the wasm bytes over itself (`wasmBinary`), which also avoids Node
 * 20's experimental fetch. The mt build's wick-mt.worker.js is a classic
 * (CommonJS) script while wick-mt.js is an ES module: under Node 20 run with
 * --experimental-detect-module (default from Node 22.7) and do not put a
 * package.json with "type" above the wasm files. */
import { WickCoreError } from './core_types.js';
import type {
  CoreEngineParams,
  CoreLoadOptions,
  CoreModelBuffer,
  CoreStepResult,
  WickCore,
} from './core_types.js';

/** wick_status values, in enum order (include/wick.h), without WICK_ERR_. */
const STATUS_NAMES = ['OK', 'IO', 'FORMAT', 'NOMEM', 'INVALID_ARG', 'UNSUPPORTED',
  'NEED_MORE_DATA', 'TEMPLATE', 'LIMIT'];
const ST_INVALID_ARG = 4;
const ST_LIMIT = 8;

/** Build constants; keep in step with WEB_LDFLAGS in the Makefile. */
const MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024 - 65536; // -sMAXIMUM_MEMORY=4GB
const INITIAL_MEMORY_PAGES = (32 * 1024 * 1024) / 65536;   // -sINITIAL_MEMORY=32MB
/** Kept free for the KV cache, activations, tokenizer and the runtime. */
const MEMORY_RESERVE_BYTES = 640 * 1024 * 1024;
const DEFAULT_MAX_THREADS = 8;

// Emscripten's Module object: the exports are `_name` functions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EmModule = Record<string, any>;
type Ptr = number;

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
declare const process: { versions: { node?: string } };

function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `STATUS_${code}`;
}

/** Loads the wasm core. Picks the mt build when threads > 1 are asked for
 *  (default: hardwareConcurrency, at most 8) and SharedArrayBuffer is
 *  usable; otherwise the st build, and says why through `log`. With
 *  `moduleFactory` (a Service Worker, which cannot import()), that glue is
 *  used as is: the st build (1 thread) unless moduleVariant says 'mt'. */
export async function loadWickCore(opts: CoreLoadOptions = {}): Promise<WasmWickCore> {
  const log = opts.log ?? (() => {});
  const hw = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  const given = opts.moduleFactory;
  if (given !== undefined && typeof given !== 'function')
    throw new WickCoreError('moduleFactory must be the default export of wick-st.js or wick-mt.js ' +
      `(a function), got ${typeof given}`, 'INVALID_ARG');
  let threads = Math.max(1, Math.floor(opts.threads ?? Math.min(hw ?? 1, DEFAULT_MAX_THREADS)));
  if (given && (opts.moduleVariant ?? 'st') === 'st') {
    if (threads > 1 && opts.threads !== undefined)
      log('info', `threads: 1 (moduleFactory is the single-threaded build; ${threads} asked for)`);
    threads = 1;
  }
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true
    || (isNode && typeof SharedArrayBuffer === 'function');
  if (threads > 1 && !isolated) {
    log('warn', `threads are off (1 instead of ${threads}): this page is not cross-origin ` +
      'isolated, so SharedArrayBuffer is unavailable; serve it with "Cross-Origin-Opener-Policy: ' +
      'same-origin" and "Cross-Origin-Embedder-Policy: require-corp" to use threads');
    threads = 1;
  }
  const variant = given ? (opts.moduleVariant ?? 'st') : threads > 1 ? 'mt' : 'st';
  if (variant === 'mt' && !isolated)
    throw new WickCoreError('moduleVariant "mt" needs SharedArrayBuffer (a cross-origin isolated page)',
      'UNSUPPORTED');
  const base = new URL(opts.baseUrl?.toString() ?? '.', import.meta.url);
  if (!base.href.endsWith('/')) base.pathname += '/';
  const jsUrl = new URL(`wick-${variant}.js`, base);
  const wasmUrl = new URL(`wick-${variant}.wasm`, base);

  const moduleArgs: EmModule = {
    locateFile: (path: string) => new URL(path, base).href,
    print: (s: string) => log('info', s),
    printErr: (s: string) => log('warn', s),
  };
  let memory: WebAssembly.Memory | null = null;
  if (variant === 'mt') {
    // Made here (not by the glue) so this binding can always see the
    // current buffer, even after a worker thread grew the memory.
    memory = new WebAssembly.Memory({
      initial: INITIAL_MEMORY_PAGES, maximum: 65536, shared: true,
    } as WebAssembly.MemoryDescriptor);
    moduleArgs.wasmMemory = memory;
    moduleArgs.wickPoolSize = threads; // PTHREAD_POOL_SIZE: threads - 1 for one context, + 1 spare
  }
  if (isNode) {
    const nodeModule = 'node:module', nodeUrl = 'node:url', nodeFs = 'node:fs/promises', nodePath = 'node:path';
    const { createRequire } = await import(/* @vite-ignore */ nodeModule);
    const { fileURLToPath } = await import(/* @vite-ignore */ nodeUrl);
    const fs = await import(/* @vite-ignore */ nodeFs);
    const path = await import(/* @vite-ignore */ nodePath);
    const g = globalThis as Record<string, unknown>;
    const jsPath = fileURLToPath(jsUrl);
    if (g.require === undefined) g.require = createRequire(jsPath);
    if (g.__dirname === undefined) g.__dirname = path.dirname(jsPath);
    moduleArgs.wasmBinary = await fs.readFile(fileURLToPath(wasmUrl));
    // Node's Worker takes a path, not a file:// URL string.
    moduleArgs.locateFile = (p: string) => fileURLToPath(new URL(p, base));
  }
  const factory = (given ?? (await import(/* @vite-ignore */ jsUrl.href)).default) as
    (args: EmModule) => Promise<EmModule>;
  const mod = await factory(moduleArgs);
  if (!memory) memory = mod.asm?.memory ?? mod.wasmMemory ?? null;
  if (!memory) throw new WickCoreError('the wasm module exposes no memory', 'UNSUPPORTED');
  const core = new WasmWickCore(mod, memory, threads);
  log('info', `wick core: ${variant} build, ${threads} thread${threads > 1 ? 's' : ''}, ` +
    `kernels ${core.isa}`);
  return core;
}

/** The WickCore implementation, plus a few calls below the engine API that
 *  the tests and benchmarks use (tokenize, generateGreedy). */
export class WasmWickCore implements WickCore {
  readonly threads: number;
  readonly maxModelBytes: number;
  readonly isa: string;
  /** Whether this build has the request engine (src/api) compiled in. */
  readonly hasEngine: boolean;
  private readonly mod: EmModule;
  private readonly memory: WebAssembly.Memory;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private view: Uint8Array | null = null;
  private readonly engineStrings = new Map<number, Ptr>(); // engine -> its model_id copy

  constructor(mod: EmModule, memory: WebAssembly.Memory, threads: number) {
    this.mod = mod;
    this.memory = memory;
    this.threads = threads;
    this.maxModelBytes = MAX_MEMORY_BYTES - MEMORY_RESERVE_BYTES;
    this.isa = this.cString(mod._wick_wasm_isa());
    this.hasEngine = typeof mod._wick_wasm_engine_new === 'function';
  }

  // ------------------------------------------------------------ memory

  /** A byte view of the whole memory, renewed after it grew. */
  private heap(): Uint8Array {
    const buf = this.memory.buffer;
    if (!this.view || this.view.buffer !== buf || this.view.byteLength !== buf.byteLength)
      this.view = new Uint8Array(buf);
    return this.view;
  }

  private u32(ptr: Ptr): number {
    return new DataView(this.memory.buffer).getUint32(ptr >>> 0, true);
  }

  private i32(ptr: Ptr): number {
    return new DataView(this.memory.buffer).getInt32(ptr >>> 0, true);
  }

  /** Text at ptr: `len` bytes, or up to the NUL. Copied first: TextDecoder
   *  refuses views of a SharedArrayBuffer. */
  private cString(ptr: Ptr, len?: number): string {
    ptr >>>= 0;
    if (!ptr) return '';
    const heap = this.heap();
    let end = ptr;
    if (len === undefined) while (heap[end] !== 0) end++;
    else end = ptr + len;
    return this.decoder.decode(heap.slice(ptr, end));
  }

  private malloc(n: number): Ptr {
    const p = this.mod._wick_wasm_malloc(n) >>> 0;
    if (!p) throw new WickCoreError(`out of wasm memory (allocating ${n} bytes)`, 'NOMEM');
    return p;
  }

  private free(p: Ptr): void {
    if (p) this.mod._wick_wasm_free(p);
  }

  /** A NUL-terminated UTF-8 copy of `s` in wasm memory (free it), and its length. */
  private putString(s: string): [Ptr, number] {
    const bytes = this.encoder.encode(s);
    const p = this.malloc(bytes.length + 1);
    const heap = this.heap();
    heap.set(bytes, p);
    heap[p + bytes.length] = 0;
    return [p, bytes.length];
  }

  /** Runs `fn` with a fresh wick_error and `scratch` bytes of zeroed
   *  memory for out-parameters; frees both. */
  private withError<T>(scratch: number, fn: (err: Ptr, scratchPtr: Ptr) => T): T {
    const err = this.mod._wick_wasm_error_new() >>> 0;
    if (!err) throw new WickCoreError('out of wasm memory (error object)', 'NOMEM');
    let s: Ptr = 0;
    try {
      if (scratch) {
        s = this.malloc(scratch);
        this.heap().fill(0, s, s + scratch);
      }
      return fn(err, s);
    } finally {
      this.free(s);
      this.mod._wick_wasm_error_free(err);
    }
  }

  private errorOf(err: Ptr, fallback = 'wick core call failed'): WickCoreError {
    const code = this.mod._wick_wasm_error_code(err);
    const message = this.cString(this.mod._wick_wasm_error_message(err)) || fallback;
    return new WickCoreError(message, statusName(code));
  }

  // ------------------------------------------------------------- models

  allocModel(size: number): CoreModelBuffer {
    if (!Number.isInteger(size) || size <= 0)
      throw new WickCoreError(`model size must be a positive integer, got ${size}`, 'INVALID_ARG');
    if (size > this.maxModelBytes)
      throw new WickCoreError(`the model file is ${size} bytes; this build holds at most ` +
        `${this.maxModelBytes} (wasm32 memory is 4 GiB, part of it reserved for the KV cache)`,
        'LIMIT');
    const ptr = this.mod._wick_wasm_buf_alloc(size) >>> 0;
    if (!ptr)
      throw new WickCoreError(`out of wasm memory: cannot allocate ${size} bytes for the model ` +
        `(memory in use: ${this.memory.buffer.byteLength} bytes)`, 'LIMIT');
    return new ModelBuffer(this, ptr, size);
  }

  /** @internal */ _writeModel(ptr: Ptr, size: number, offset: number, bytes: Uint8Array): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + bytes.length > size)
      throw new WickCoreError(`write of ${bytes.length} bytes at offset ${offset} is outside the ` +
        `model buffer of ${size} bytes`, 'INVALID_ARG');
    this.heap().set(bytes, ptr + offset);
  }

  /** @internal */ _checkHeader(ptr: Ptr, size: number, prefix: number): { ok: true } | { needBytes: number } {
    return this.withError(0, (err) => {
      const need = this.mod._wick_wasm_check_header(ptr, Math.min(prefix, size), size, err);
      if (need < 0) throw this.errorOf(err);
      return need === 0 ? { ok: true as const } : { needBytes: need };
    });
  }

  /** @internal */ _openModel(ptr: Ptr, size: number): number {
    return this.withError(0, (err) => {
      const h = this.mod._wick_wasm_model_open(ptr, size, err) >>> 0;
      if (!h) throw this.errorOf(err);
      return h;
    });
  }

  openModelShards(buffers: CoreModelBuffer[]): number {
    if (!Array.isArray(buffers) || buffers.length === 0)
      throw new WickCoreError('openModelShards: no shard buffers given', 'INVALID_ARG');
    const bufs = buffers.map((b, i) => {
      if (!(b instanceof ModelBuffer) || b._core() !== this)
        throw new WickCoreError(`openModelShards: shard ${i + 1} is not a buffer of this core`, 'INVALID_ARG');
      return b;
    });
    const ptrs: Ptr[] = [];
    const n = bufs.length;
    let arr: Ptr = 0;
    try {
      bufs.forEach((b, i) => ptrs.push(b._take(`openModelShards (shard ${i + 1})`)));
      arr = this.malloc(8 * n); // n pointers, then n sizes (wasm32: 4 bytes each)
      const dv = new DataView(this.memory.buffer);
      ptrs.forEach((p, i) => {
        dv.setUint32(arr + 4 * i, p, true);
        dv.setUint32(arr + 4 * (n + i), bufs[i].size, true);
      });
      return this.withError(0, (err) => {
        const h = this.mod._wick_wasm_model_open_shards(arr, arr + 4 * n, n, err) >>> 0;
        if (!h) throw this.errorOf(err);
        return h;
      });
    } catch (e) {
      for (const p of ptrs) this.free(p);
      throw e;
    } finally {
      this.free(arr);
    }
  }

  /** @internal */ _freeBuffer(ptr: Ptr): void {
    this.free(ptr);
  }

  modelInfo(model: number): Record<string, unknown> {
    return this.withError(0, (err) => {
      const p = this.mod._wick_wasm_model_info_json(model, err) >>> 0;
      if (!p) throw this.errorOf(err);
      try {
        return JSON.parse(this.cString(p)) as Record<string, unknown>;
      } finally {
        this.free(p);
      }
    });
  }

  closeModel(model: number): void {
    if (model) this.mod._wick_wasm_model_close(model);
  }

  // ------------------------------------------------------------ engines

  private requireEngine(): void {
    if (!this.hasEngine)
      throw new WickCoreError('this wasm build has no request engine (src/api was not compiled ' +
        'in; rebuild with make web)', 'UNSUPPORTED');
  }

  /** nThreads defaults to, and is clamped to, this core's `threads` (the
   *  mt build's worker pool is sized for one context of that many). */
  engineNew(model: number, params: CoreEngineParams = {}): number {
    this.requireEngine();
    const nThreads = Math.min(Math.max(1, params.nThreads ?? this.threads), this.threads);
    // model_id stays allocated until engineFree (the header does not
    // promise that wick_engine_new copies it).
    const [idPtr] = params.modelId !== undefined ? this.putString(params.modelId) : [0];
    try {
      const e = this.withError(0, (err) => {
        const h = this.mod._wick_wasm_engine_new(model, params.nCtx ?? 0, params.nBatch ?? 0,
          nThreads, idPtr, err) >>> 0;
        if (!h) throw this.errorOf(err);
        return h;
      });
      if (idPtr) this.engineStrings.set(e, idPtr);
      return e;
    } catch (e) {
      this.free(idPtr);
      throw e;
    }
  }

  engineFree(engine: number): void {
    if (!engine) return;
    this.mod._wick_wasm_engine_free(engine);
    this.free(this.engineStrings.get(engine) ?? 0);
    this.engineStrings.delete(engine);
  }

  engineStart(engine: number, kind: 'chat' | 'completion', requestJson: string,
    created: number, id?: string): { error: Record<string, unknown> } | null {
    const [json, jsonLen] = this.putString(requestJson);
    const [idPtr] = id !== undefined ? this.putString(id) : [0];
    try {
      return this.withError(4, (err, lenPtr) => {
        const st = this.mod._wick_wasm_engine_start(engine, kind === 'completion' ? 1 : 0, json,
          jsonLen, created, idPtr, err);
        if (st === 0) return null;
        if (st === ST_INVALID_ARG || st === ST_LIMIT) {
          const p = this.mod._wick_wasm_engine_error_json(engine, lenPtr) >>> 0;
          if (p) return JSON.parse(this.cString(p, this.u32(lenPtr))) as { error: Record<string, unknown> };
          const e = this.errorOf(err);
          return { error: { message: e.message, type: 'invalid_request_error', param: null, code: null } };
        }
        throw this.errorOf(err);
      });
    } finally {
      this.free(json);
      this.free(idPtr);
    }
  }

  engineStep(engine: number): CoreStepResult {
    return this.withError(8, (err, s) => {
      const p = this.mod._wick_wasm_engine_step(engine, s, s + 4, err) >>> 0;
      if (!p) throw this.errorOf(err);
      return {
        chunks: JSON.parse(this.cString(p, this.u32(s))) as unknown[],
        done: this.i32(s + 4) !== 0,
      };
    });
  }

  engineAbort(engine: number): unknown[] {
    return this.withError(4, (err, s) => {
      const p = this.mod._wick_wasm_engine_abort(engine, s, err) >>> 0;
      if (!p) throw this.errorOf(err);
      return JSON.parse(this.cString(p, this.u32(s))) as unknown[];
    });
  }

  engineResponse(engine: number): Record<string, unknown> | null {
    return this.withError(4, (_err, s) => {
      const p = this.mod._wick_wasm_engine_response(engine, s) >>> 0;
      return p ? JSON.parse(this.cString(p, this.u32(s))) as Record<string, unknown> : null;
    });
  }

  engineReset(engine: number): void {
    this.mod._wick_wasm_engine_reset(engine);
  }

  // ------------------------------------------- below the engine (tests)

  /** Token ids of `text` as `wick run` tokenizes a prompt (BOS etc. added,
   *  special tokens parsed). */
  tokenize(model: number, text: string): Int32Array {
    const [t, tLen] = this.putString(text);
    try {
      return this.withError(0, (err) => {
        let cap = tLen + 8;
        for (;;) {
          const out = this.malloc(cap * 4);
          try {
            const n = this.mod._wick_wasm_tokenize(model, t, tLen, out, cap, err);
            if (n < 0) throw this.errorOf(err);
            if (n <= cap) return new Int32Array(this.heap().slice(out, out + n * 4).buffer);
            cap = n;
          } finally {
            this.free(out);
          }
        }
      });
    } finally {
      this.free(t);
    }
  }

  /** Greedy generation with a fresh context (wick_generate_greedy): the
   *  generated ids (stops early at an end-of-generation token). */
  generateGreedy(model: number, prompt: ArrayLike<number>, maxTokens: number,
    params: { nCtx?: number; nThreads?: number } = {}): Int32Array {
    const nThreads = Math.min(Math.max(1, params.nThreads ?? this.threads), this.threads);
    const pr = this.malloc(Math.max(1, prompt.length) * 4);
    const out = this.malloc(Math.max(1, maxTokens) * 4);
    try {
      const dv = new DataView(this.memory.buffer);
      for (let i = 0; i < prompt.length; i++) dv.setInt32(pr + i * 4, prompt[i], true);
      return this.withError(0, (err) => {
        const n = this.mod._wick_wasm_generate_greedy(model, pr, prompt.length, params.nCtx ?? 0,
          nThreads, out, maxTokens, err);
        if (n < 0) throw this.errorOf(err);
        return new Int32Array(this.heap().slice(out, out + n * 4).buffer);
      });
    } finally {
      this.free(pr);
      this.free(out);
    }
  }

  /** The next-token logits after decoding `prompt` in a fresh context
   *  (nBatch prompt tokens per step, default 32): for parity checks. */
  promptLogits(model: number, prompt: ArrayLike<number>,
    params: { nCtx?: number; nBatch?: number; nThreads?: number } = {}): Float32Array {
    const nThreads = Math.min(Math.max(1, params.nThreads ?? this.threads), this.threads);
    const cap = 1 << 20; // floats: more than any vocabulary Wick loads
    const pr = this.malloc(Math.max(1, prompt.length) * 4);
    const out = this.malloc(cap * 4);
    try {
      const dv = new DataView(this.memory.buffer);
      for (let i = 0; i < prompt.length; i++) dv.setInt32(pr + i * 4, prompt[i], true);
      return this.withError(0, (err) => {
        const n = this.mod._wick_wasm_prompt_logits(model, pr, prompt.length, params.nCtx ?? 0,
          params.nBatch ?? 0, nThreads, out, cap, err);
        if (n < 0) throw this.errorOf(err);
        return new Float32Array(this.heap().slice(out, out + Math.min(n, cap) * 4).buffer);
      });
    } finally {
      this.free(pr);
      this.free(out);
    }
  }

  // ------------------------------------------------------ WebGPU plans

  /** The WebGPU plan of an opened model (src/gpu/gpu_plan.h, via
   *  web/c/wick_wasm_gpu.c) as a GpuPlanSource for web/src/gpu/gpu_model.ts:
   *  the load-time JSON, step dispatch lists on demand, and views of the
   *  model's bytes in wasm memory for the uploads. free() releases the plan
   *  (not the model). Limits: the device's (0: WebGPU's defaults); compact:
   *  for software adapters (src/gpu/gpu_plan.h). */
  gpuPlan(model: number, opts: { nCtx?: number; nBatch?: number; maxBinding?: number; maxBuffer?: number; compact?: boolean } = {}) {
    if (typeof this.mod._wick_wasm_gpu_plan_new !== 'function')
      throw new WickCoreError('this wasm build has no WebGPU planner (rebuild with make web)', 'UNSUPPORTED');
    const plan = this.withError(0, (err) => {
      const p = this.mod._wick_wasm_gpu_plan_new(model, opts.nCtx ?? 0, opts.nBatch ?? 0,
        opts.maxBinding ?? 0, opts.maxBuffer ?? 0, opts.compact ? 1 : 0, err) >>> 0;
      if (!p) throw this.errorOf(err);
      return p;
    });
    const json = (fn: (err: Ptr) => number): unknown => this.withError(0, (err) => {
      const p = fn(err) >>> 0;
      if (!p) throw this.errorOf(err);
      try { return JSON.parse(this.cString(p)); } finally { this.free(p); }
    });
    let live = true;
    return {
      plan: json((err) => this.mod._wick_wasm_gpu_plan_json(plan, err)) as any, // eslint-disable-line @typescript-eslint/no-explicit-any (GpuPlan, web/src/gpu/)
      step: (n: number) => {
        if (!live) throw new WickCoreError('gpu plan: already freed', 'INVALID_ARG');
        return json((err) => this.mod._wick_wasm_gpu_step_json(plan, n, err)) as any; // eslint-disable-line @typescript-eslint/no-explicit-any (GpuStepPlan)
      },
      bytes: (shard: number, offset: number, length: number) => {
        const base = this.mod._wick_wasm_gpu_shard_bytes(model, shard) >>> 0;
        if (!base) throw new WickCoreError(`gpu plan: the model has no file ${shard}`, 'INVALID_ARG');
        return this.heap().subarray(base + offset, base + offset + length);
      },
      free: () => {
        if (live) this.mod._wick_wasm_gpu_plan_free(plan);
        live = false;
      },
    };
  }
}

/** One model file's bytes in wasm memory, written in place chunk by chunk. */
class ModelBuffer implements CoreModelBuffer {
  readonly size: number;
  private ptr: Ptr;
  private readonly core: WasmWickCore;

  constructor(core: WasmWickCore, ptr: Ptr, size: number) {
    this.core = core;
    this.ptr = ptr;
    this.size = size;
  }

  private live(what: string): Ptr {
    if (!this.ptr)
      throw new WickCoreError(`${what}: the model buffer was already opened or freed`, 'INVALID_ARG');
    return this.ptr;
  }

  /** @internal */ _core(): WasmWickCore {
    return this.core;
  }

  /** @internal The buffer's memory, handed over (to a model being opened). */
  _take(what: string): Ptr {
    const ptr = this.live(what);
    this.ptr = 0;
    return ptr;
  }

  write(offset: number, bytes: Uint8Array): void {
    this.core._writeModel(this.live('write'), this.size, offset, bytes);
  }

  checkHeader(prefix: number): { ok: true } | { needBytes: number } {
    return this.core._checkHeader(this.live('checkHeader'), this.size, prefix);
  }

  /** On failure the buffer is released too (its bytes are of no further
   *  use), so free() after a failed open() is not needed (and harmless). */
  open(): number {
    const ptr = this.live('open');
    this.ptr = 0;
    try {
      return this.core._openModel(ptr, this.size);
    } catch (e) {
      this.core._freeBuffer(ptr);
      throw e;
    }
  }

  free(): void {
    if (this.ptr) this.core._freeBuffer(this.ptr);
    this.ptr = 0;
  }
}
