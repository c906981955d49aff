/* WickEngine: the in-page engine. It owns one wasm core and, per loaded
 * model, one C engine (include/wick_api.h); a request's `model` picks the
 * C engine. All request logic — validation, chat template, sampling, the
 * JSON of chunks and responses — is in C; this file routes requests,
 * serialises them per model, drives wick_engine_step in a loop that yields
 * to the event loop between steps (so interruptGenerate and AbortSignal
 * take effect mid-generation), and hands chunks out as an async iterator.
 *
 *   const engine = await CreateEngine('https://host/SmolLM2-135M-Instruct-Q4_1.gguf');
 *   const reply = await engine.chat.completions.create({messages: [...]});
 */

import type { CoreLoadOptions, WickCore } from './core_types.js';
import { WickCoreError } from './core_types.js';
import { loadWickCore } from './wasm_core.js';
import { loadModel } from './model_loader.js';
import {
  APIError, abortError, errorObject, modelNotFound, toErrorObject,
  type CompletionUsage, type ModelList, type RequestOptions,
} from './openai_types.js';
import {
  EngineSurface, modelIdOf, resolveSpec,
  type ChunkStream, type InitProgressCallback, type LogLevel, type ModelRecord, type ModelSpec,
  type RequestKind, type SerializableEngineConfig, type WickEngineInterface,
} from './engine_interface.js';

export interface EngineConfig extends SerializableEngineConfig {
  initProgressCallback?: InitProgressCallback;
  /** A core to use instead of loading build/web/ (tests, or sharing one core). */
  core?: WickCore | (() => Promise<WickCore>);
  /** Options for loading the wasm core, e.g. `{moduleFactory}` in a Service
   *  Worker, which cannot import() the emscripten glue (see service_worker.ts). */
  coreOptions?: Pick<CoreLoadOptions, 'moduleFactory' | 'moduleVariant'>;
}

const LOG_ORDER: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'];

/** One loaded model and its C engine. */
interface ModelSlot {
  id: string;
  record: ModelRecord;
  model: number;   // core model handle
  engine: number;  // core engine handle
  /** Tail of the request queue: requests on one C engine run one at a time. */
  queue: Promise<void>;
  lastUsage?: CompletionUsage;
  lastMessage: string;
}

/** Yields to the event loop without setTimeout's 4 ms clamp. */
function makeYielder(): () => Promise<void> {
  if (typeof MessageChannel === 'undefined') return () => new Promise((r) => setTimeout(r, 0));
  const ch = new MessageChannel();
  const waiting: Array<() => void> = [];
  ch.port1.onmessage = () => waiting.shift()?.();
  return () => new Promise<void>((r) => { waiting.push(r); ch.port2.postMessage(0); });
}

/** Text of one chunk's choices (chat delta or completion text). */
function chunkText(chunk: unknown): string {
  const choices = (chunk as { choices?: Array<Record<string, any>> }).choices;
  let s = '';
  for (const c of choices ?? []) {
    if (typeof c.delta?.content === 'string') s += c.delta.content;
    else if (typeof c.text === 'string') s += c.text;
  }
  return s;
}

/** One running request: steps the C engine on demand and hands out its
 *  chunks. Ends (and releases the model's queue) on done, abort, interrupt,
 *  an error, or the consumer leaving the loop. */
class RunningRequest implements ChunkStream<object> {
  private buffered: object[] = [];
  private finished = false;
  private stepped = false;
  private failure: unknown = null;
  private response: Record<string, unknown> | null = null;
  private readonly onAbort = () => this.stop('signal');

  constructor(private readonly owner: WickEngine, private readonly core: WickCore,
              private readonly slot: ModelSlot, private readonly signal: AbortSignal | null,
              private readonly release: () => void) {
    slot.lastMessage = '';
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  [Symbol.asyncIterator]() { return this; }

  async next(): Promise<IteratorResult<object>> {
    while (this.buffered.length === 0 && !this.finished) {
      // Yield before every step but the first, even when the consumer never
      // awaits anything real: interruptGenerate, an AbortSignal or a worker's
      // abort message can only run between steps.
      if (this.stepped) {
        await this.owner.yieldToEventLoop();
        if (this.finished) break;
      }
      this.stepped = true;
      try {
        const { chunks, done } = this.core.engineStep(this.slot.engine);
        this.take(chunks);
        if (done) this.finish();
      } catch (e) {
        this.fail(e);
      }
    }
    if (this.buffered.length > 0) return { value: this.buffered.shift()!, done: false };
    if (this.failure !== null) {
      const f = this.failure;
      this.failure = null; // thrown once; later calls report done
      throw f;
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<object>> {
    this.stop('consumer');
    this.buffered = [];
    return { value: undefined, done: true };
  }

  /** Runs to the end (non-streaming) and returns the C response object. */
  async complete(): Promise<Record<string, unknown>> {
    for (;;) {
      const r = await this.next();
      if (r.done) break;
    }
    if (this.response) return this.response;
    throw new APIError(errorObject('the engine produced no response', { type: 'server_error' }));
  }

  /** Ends the request now. 'interrupt' keeps the final chunks (finish_reason
   *  "abort") for the consumer; 'signal' makes it throw an AbortError. */
  stop(why: 'interrupt' | 'signal' | 'consumer'): void {
    if (this.finished) return;
    let final: unknown[] = [];
    try {
      final = this.core.engineAbort(this.slot.engine);
    } catch (e) {
      this.owner.log('WARN', `abort failed: ${(e as Error).message}`);
    }
    if (why === 'signal') {
      // The consumer asked to stop: it gets the AbortError next, not more chunks.
      this.buffered = [];
      this.failure = abortError(this.signal);
    } else {
      this.take(final);
    }
    this.finish();
  }

  private take(chunks: unknown[]): void {
    for (const c of chunks) {
      this.slot.lastMessage += chunkText(c);
      const usage = (c as { usage?: CompletionUsage }).usage;
      if (usage) this.slot.lastUsage = usage;
      this.buffered.push(c as object);
    }
  }

  private fail(e: unknown): void {
    const err = e instanceof WickCoreError
      ? new APIError(errorObject(e.message, { type: 'server_error', code: e.code }), 500)
      : e;
    try { this.core.engineAbort(this.slot.engine); } catch { /* already ended */ }
    this.finish();
    this.failure = err;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.response = this.core.engineResponse(this.slot.engine);
      const usage = this.response?.usage as CompletionUsage | undefined;
      if (usage) this.slot.lastUsage = usage;
    } catch { /* no response after a failed step */ }
    this.signal?.removeEventListener('abort', this.onAbort);
    this.owner.running.delete(this);
    this.release();
  }
}

export class WickEngine extends EngineSurface implements WickEngineInterface {
  private core: WickCore | null = null;
  private slots = new Map<string, ModelSlot>();
  /** Requests started and not yet ended (interruptGenerate ends them). */
  readonly running = new Set<RunningRequest>();
  private config: EngineConfig;
  private loading: AbortController | null = null;
  readonly yieldToEventLoop = makeYielder();

  constructor(config: EngineConfig = {}) {
    super();
    this.config = { ...config };
  }

  setInitProgressCallback(cb: InitProgressCallback | undefined): void { this.config.initProgressCallback = cb; }
  getInitProgressCallback(): InitProgressCallback | undefined { return this.config.initProgressCallback; }

  log(level: LogLevel, message: string): void {
    const min = LOG_ORDER.indexOf(this.config.logLevel ?? 'WARN');
    if (LOG_ORDER.indexOf(level) < min) return;
    (level === 'ERROR' ? console.error : level === 'WARN' ? console.warn : console.log)(`[wick] ${message}`);
  }

  /** Model ids loaded now, in load order. */
  loadedModels(): string[] { return [...this.slots.keys()]; }

  private async getCore(): Promise<WickCore> {
    if (this.core) return this.core;
    const backend = this.config.backend ?? 'auto';
    if (backend !== 'auto' && backend !== 'cpu')
      throw new Error(`backend must be 'auto' or 'cpu', got ${JSON.stringify(backend)}`);
    const c = this.config.core;
    if (c) {
      this.core = typeof c === 'function' ? await c() : c;
    } else {
      const opts: CoreLoadOptions = {
        ...this.config.coreOptions,
        log: (level, message) => this.log(level === 'warn' ? 'WARN' : 'INFO', message),
      };
      if (this.config.threads !== undefined) opts.threads = this.config.threads;
      if (this.config.wasmBaseUrl !== undefined) opts.baseUrl = this.config.wasmBaseUrl;
      this.core = await loadWickCore(opts);
    }
    this.log('INFO', `core: ${this.core.isa}, ${this.core.threads} thread(s)`);
    return this.core;
  }

  async reload(models: ModelSpec | ModelSpec[], config?: SerializableEngineConfig): Promise<void> {
    await this.unload();
    if (config) this.config = { ...this.config, ...config };
    const specs = Array.isArray(models) ? models : [models];
    if (specs.length === 0) throw new Error('reload: no model given');
    const base = typeof location !== 'undefined' ? location.href : 'http://localhost/';
    const records = specs.map((s) => resolveSpec(s, base));
    const ids = new Set<string>();
    for (const r of records) {
      if (ids.has(r.model_id!)) throw new Error(`reload: two models share the model_id "${r.model_id}"`);
      ids.add(r.model_id!);
    }
    const core = await this.getCore();
    const ctl = new AbortController();
    this.loading = ctl;
    const cb = this.config.initProgressCallback;
    try {
      for (let i = 0; i < records.length; i++) {
        const rec = records[i];
        const prefix = records.length > 1 ? `[${i + 1}/${records.length} ${rec.model_id}] ` : '';
        const handle = await loadModel(core, rec.model, {
          cache: this.config.cache ?? 'cache-api',
          signal: ctl.signal,
          ...(rec.sha256 ? { sha256: rec.sha256 } : {}),
          ...(cb ? {
            onProgress: (r) => cb({ ...r, progress: (i + r.progress) / records.length, text: prefix + r.text }),
          } : {}),
        });
        let engine: number;
        try {
          engine = core.engineNew(handle, {
            nCtx: rec.nCtx ?? this.config.nCtx ?? 0, nThreads: core.threads, modelId: rec.model_id!,
          });
        } catch (e) {
          core.closeModel(handle);
          throw e;
        }
        this.slots.set(rec.model_id!, {
          id: rec.model_id!, record: rec, model: handle, engine, queue: Promise.resolve(), lastMessage: '',
        });
        this.log('INFO', `loaded ${rec.model_id}`);
      }
    } catch (e) {
      await this.unload();
      throw e;
    } finally {
      if (this.loading === ctl) this.loading = null;
    }
  }

  async unload(): Promise<void> {
    this.loading?.abort(new DOMException('the engine was unloaded', 'AbortError'));
    this.interruptGenerate();
    const core = this.core;
    for (const slot of this.slots.values()) {
      core?.engineFree(slot.engine);
      core?.closeModel(slot.model);
    }
    this.slots.clear();
  }

  interruptGenerate(): void {
    for (const r of [...this.running]) r.stop('interrupt');
  }

  async resetChat(_keepStats = false, modelId?: string): Promise<void> {
    const slots = modelId === undefined ? [...this.slots.values()] : [this.slotFor(modelId)];
    for (const s of slots) {
      // Wait for the model's running request to end: reset between requests.
      const release = await this.acquire(s);
      try {
        this.core!.engineReset(s.engine);
        if (!_keepStats) s.lastUsage = undefined;
      } finally {
        release();
      }
    }
  }

  async runtimeStatsText(modelId?: string): Promise<string> {
    const x = this.slotFor(modelId).lastUsage?.extra;
    if (!x) return 'no request has finished yet';
    return `prefill: ${(x.prefill_tokens_per_s ?? 0).toFixed(4)} tokens/sec, ` +
      `decoding: ${(x.decode_tokens_per_s ?? 0).toFixed(4)} tokens/sec`;
  }

  async getMessage(modelId?: string): Promise<string> {
    return this.slotFor(modelId).lastMessage;
  }

  async listModels(): Promise<ModelList> {
    const created = Math.floor(Date.now() / 1000);
    return {
      object: 'list',
      data: [...this.slots.keys()].map((id) => ({ id, object: 'model', created, owned_by: 'wick' })),
    };
  }

  /** The slot a request's `model` routes to (OpenAI's model_not_found when none). */
  private slotFor(model: unknown): ModelSlot {
    if (this.slots.size === 0) {
      throw new APIError(errorObject('No model is loaded: call reload() first.',
        { type: 'invalid_request_error', code: 'model_not_loaded' }), 400);
    }
    if (model === undefined || model === null) {
      if (this.slots.size === 1) return this.slots.values().next().value!;
      throw new APIError(errorObject(
        `Several models are loaded (${[...this.slots.keys()].join(', ')}); the request must name one in "model".`,
        { param: 'model' }));
    }
    if (typeof model !== 'string') {
      throw new APIError(errorObject(`"model" must be a string, got ${JSON.stringify(model)}`, { param: 'model' }));
    }
    const slot = this.slots.get(model);
    if (!slot) throw modelNotFound(model);
    return slot;
  }

  /** Waits for the model's queue; resolves to the release function. */
  private acquire(slot: ModelSlot, signal?: AbortSignal | null): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((r) => { release = r; });
    const prev = slot.queue;
    slot.queue = prev.then(() => turn);
    let released = false;
    const once = () => { if (!released) { released = true; release(); } };
    return new Promise((resolve, reject) => {
      const onAbort = () => { once(); reject(abortError(signal)); };
      signal?.addEventListener('abort', onAbort, { once: true });
      prev.then(() => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) { once(); return; }
        resolve(once);
      });
    });
  }

  async request(kind: RequestKind, req: unknown, opts?: RequestOptions): Promise<object | ChunkStream<object>> {
    if (kind !== 'chat' && kind !== 'completion') throw new Error(`unknown request kind ${kind}`);
    if (!req || typeof req !== 'object' || Array.isArray(req)) {
      throw new APIError(errorObject(`The request body must be a JSON object, got ${
        Array.isArray(req) ? 'an array' : JSON.stringify(req) ?? typeof req}.`));
    }
    const body: Record<string, unknown> = { ...(req as Record<string, unknown>) };
    // A signal may ride in the request (WebLLM style) or in the options (OpenAI SDK style).
    let signal = opts?.signal ?? null;
    if ('signal' in body) {
      if (!signal && body.signal instanceof AbortSignal) signal = body.signal;
      delete body.signal;
    }
    if (signal?.aborted) throw abortError(signal);
    const slot = this.slotFor(body.model);
    const release = await this.acquire(slot, signal);
    const core = this.core!;
    let err: { error: Record<string, unknown> } | null;
    try {
      err = core.engineStart(slot.engine, kind, JSON.stringify(body), Math.floor(Date.now() / 1000));
    } catch (e) {
      release();
      if (e instanceof WickCoreError) {
        throw new APIError(errorObject(e.message, { type: 'server_error', code: e.code }), 500);
      }
      throw e;
    }
    if (err) {
      release();
      throw new APIError(toErrorObject(err));
    }
    const run = new RunningRequest(this, core, slot, signal, release);
    this.running.add(run);
    if (body.stream === true) return run;
    return run.complete();
  }
}

/** Creates an engine and loads `model` (one or several GGUF files). */
export async function CreateEngine(model: ModelSpec | ModelSpec[], config: EngineConfig = {}): Promise<WickEngine> {
  const engine = new WickEngine(config);
  await engine.reload(model);
  return engine;
}

/** WebLLM's name for CreateEngine, for drop-in switching. */
export const CreateMLCEngine = CreateEngine;
export { modelIdOf };
