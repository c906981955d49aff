/* The engine in a Web Worker: the page holds a WebWorkerEngine (the same
 * API as WickEngine), the worker a WebWorkerEngineHandler that runs a real
 * WickEngine and answers the protocol in protocol.ts. Generation then never
 * blocks the page.
 *
 *   // worker.js (type: module)
 *   import { WebWorkerEngineHandler } from 'wick';
 *   const handler = new WebWorkerEngineHandler();
 *   self.onmessage = (e) => handler.onmessage(e);
 *
 *   // page
 *   const engine = await CreateWebWorkerEngine(
 *     new Worker(new URL('./worker.js', import.meta.url), {type: 'module'}), modelUrl);
 */

import { WickEngine, type EngineConfig } from './engine.js';
import {
  EngineSurface, resolveSpec,
  type ChunkStream, type InitProgressCallback, type InitProgressReport, type ModelSpec,
  type RequestKind, type SerializableEngineConfig, type WickEngineInterface,
} from './engine_interface.js';
import { abortError, type ModelList, type RequestOptions } from './openai_types.js';
import {
  deserializeError, isWickMessage, newCallId, serializeError,
  type ClientBody, type ClientMessage, type WorkerBody, type WorkerMessage,
} from './protocol.js';

// ------------------------------------------------------------ page side

/** How the page talks to the worker (a Worker, a ServiceWorker, a port). */
export interface EngineTransport {
  post(msg: ClientMessage): void;
  listen(onMessage: (data: unknown) => void): void;
}

/** Client options: the engine's serialisable options plus the callback. */
export interface WorkerEngineConfig extends SerializableEngineConfig {
  initProgressCallback?: InitProgressCallback;
}

type Body<K extends ClientBody['kind']> = Extract<ClientBody, { kind: K }>;

interface PendingCall {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onProgress?: (r: InitProgressReport) => void;
  stream?: WorkerChunkStream;
}

/** Chunks pushed by the worker, pulled by the consumer. */
class WorkerChunkStream implements ChunkStream<object> {
  private queue: object[] = [];
  private waiter: ((r: IteratorResult<object>) => void) | null = null;
  private waiterReject: ((e: unknown) => void) | null = null;
  private ended = false;
  private failure: unknown = null;

  constructor(private readonly cancel: () => void) {}

  [Symbol.asyncIterator]() { return this; }

  push(chunk: object): void {
    if (this.ended) return;
    if (this.waiter) { const w = this.waiter; this.clearWaiter(); w({ value: chunk, done: false }); }
    else this.queue.push(chunk);
  }

  end(error: unknown = null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    if (this.waiter) {
      const w = this.waiter, rj = this.waiterReject!;
      this.clearWaiter();
      if (error !== null) { this.failure = null; rj(error); } else w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<object>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended) {
      if (this.failure !== null) { const f = this.failure; this.failure = null; return Promise.reject(f); }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => { this.waiter = resolve; this.waiterReject = reject; });
  }

  async return(): Promise<IteratorResult<object>> {
    if (!this.ended) this.cancel();
    this.queue = [];
    this.end();
    return { value: undefined, done: true };
  }

  private clearWaiter(): void { this.waiter = null; this.waiterReject = null; }
}

function workerTransport(worker: Worker): EngineTransport {
  return {
    post: (msg) => worker.postMessage(msg),
    listen: (on) => worker.addEventListener('message', (e) => on((e as MessageEvent).data)),
  };
}

/** Base URL that relative model URLs are resolved against before crossing. */
function pageBase(): string {
  return typeof location !== 'undefined' ? location.href : 'http://localhost/';
}

/** The page-side engine: every call is a message to the worker. */
export class WebWorkerEngine extends EngineSurface implements WickEngineInterface {
  protected readonly transport: EngineTransport;
  private calls = new Map<string, PendingCall>();
  private progressCb: InitProgressCallback | undefined;
  /** The last reload's arguments (a service worker restarted by the browser reloads them). */
  protected lastReload: Body<'reload'> | null = null;

  constructor(worker: Worker | EngineTransport, config: WorkerEngineConfig = {}) {
    super();
    this.transport = 'post' in worker && 'listen' in worker ? worker : workerTransport(worker as Worker);
    this.progressCb = config.initProgressCallback;
    this.transport.listen((d) => this.onWorkerMessage(d));
  }

  setInitProgressCallback(cb: InitProgressCallback | undefined): void { this.progressCb = cb; }
  getInitProgressCallback(): InitProgressCallback | undefined { return this.progressCb; }

  protected onWorkerMessage(data: unknown): void {
    if (!isWickMessage(data)) return;
    const msg = data as WorkerMessage;
    const call = this.calls.get(msg.id);
    if (!call) return; // another tab's call (service worker), or one we gave up on
    switch (msg.kind) {
      case 'progress': call.onProgress?.(msg.report); break;
      case 'started': call.resolve(call.stream); break;
      case 'chunk': call.stream?.push(msg.chunk); break;
      case 'return':
        this.calls.delete(msg.id);
        if (call.stream) { call.stream.end(); call.resolve(call.stream); } else call.resolve(msg.value);
        break;
      case 'throw': {
        this.calls.delete(msg.id);
        const err = deserializeError(msg.error);
        call.stream?.end(err);
        call.reject(err);
        break;
      }
      default: break;
    }
  }

  /** Sends a call and resolves with its 'return' value. */
  protected call(body: ClientBody, extra: Partial<PendingCall> = {}, id = newCallId()): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject, ...extra });
      try {
        this.transport.post({ wick: 1, id, ...body } as ClientMessage);
      } catch (e) {
        this.calls.delete(id);
        reject(e);
      }
    });
  }

  async reload(models: ModelSpec | ModelSpec[], config: SerializableEngineConfig = {}): Promise<void> {
    const list = (Array.isArray(models) ? models : [models]).map((s) => resolveSpec(s, pageBase()));
    const cfg: SerializableEngineConfig = {};
    for (const k of ['backend', 'logLevel', 'threads', 'cache', 'nCtx', 'wasmBaseUrl'] as const) {
      if (config[k] !== undefined) (cfg as Record<string, unknown>)[k] = config[k];
    }
    if (cfg.wasmBaseUrl) cfg.wasmBaseUrl = new URL(cfg.wasmBaseUrl, pageBase()).href;
    const body: Body<'reload'> = { kind: 'reload', models: list, config: cfg };
    this.lastReload = body;
    await this.call(body, { onProgress: (r) => this.progressCb?.(r) });
  }

  async unload(): Promise<void> {
    this.lastReload = null;
    await this.call({ kind: 'unload' });
  }

  interruptGenerate(): void {
    void this.call({ kind: 'interrupt' }).catch(() => {});
  }

  async resetChat(keepStats = false, modelId?: string): Promise<void> {
    await this.call({ kind: 'resetChat', keepStats, ...(modelId !== undefined ? { modelId } : {}) });
  }

  async runtimeStatsText(modelId?: string): Promise<string> {
    return await this.call({ kind: 'runtimeStats', ...(modelId !== undefined ? { modelId } : {}) }) as string;
  }

  async getMessage(modelId?: string): Promise<string> {
    return await this.call({ kind: 'getMessage', ...(modelId !== undefined ? { modelId } : {}) }) as string;
  }

  async listModels(): Promise<ModelList> {
    return await this.call({ kind: 'listModels' }) as ModelList;
  }

  async request(kind: RequestKind, req: unknown, opts?: RequestOptions): Promise<object | ChunkStream<object>> {
    let signal = opts?.signal ?? null;
    let request = req;
    if (req && typeof req === 'object' && !Array.isArray(req) && 'signal' in req) {
      const { signal: s, ...rest } = req as Record<string, unknown>;
      if (!signal && s instanceof AbortSignal) signal = s;
      request = rest;
    }
    if (signal?.aborted) throw abortError(signal);
    const stream = !!request && typeof request === 'object' && (request as { stream?: unknown }).stream === true;
    const id = newCallId();
    const sendAbort = (why: 'signal' | 'cancel') => {
      try { this.transport.post({ wick: 1, id: newCallId(), kind: 'abort', target: id, why }); } catch { /* gone */ }
    };
    const chunkStream = stream ? new WorkerChunkStream(() => {
      this.calls.delete(id);
      sendAbort('cancel');
    }) : undefined;
    const onAbort = () => {
      const call = this.calls.get(id);
      this.calls.delete(id);
      sendAbort('signal');
      const err = abortError(signal);
      chunkStream?.end(err);
      call?.reject(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = this.call({ kind: 'request', api: kind, request, stream },
      chunkStream ? { stream: chunkStream } : {}, id);
    if (signal) {
      // Stop listening once the call is over ('return'/'throw', or a stream's end).
      const finish = () => signal!.removeEventListener('abort', onAbort);
      if (chunkStream) {
        const origEnd = chunkStream.end.bind(chunkStream);
        chunkStream.end = (e?: unknown) => { finish(); origEnd(e); };
      } else done.then(finish, finish);
    }
    return await done as object | ChunkStream<object>;
  }
}

/** Creates a WebWorkerEngine on `worker` and loads `model` in it. */
export async function CreateWebWorkerEngine(worker: Worker | EngineTransport, model: ModelSpec | ModelSpec[],
                                            config: WorkerEngineConfig = {}): Promise<WebWorkerEngine> {
  const engine = new WebWorkerEngine(worker, config);
  await engine.reload(model, config);
  return engine;
}

/** WebLLM's name, for drop-in switching. */
export const CreateWebWorkerMLCEngine = CreateWebWorkerEngine;

// ---------------------------------------------------------- worker side

export interface WorkerHandlerOptions {
  /** The engine to serve (default: a new WickEngine with `config`). */
  engine?: WickEngine;
  /** Options for the default engine (e.g. `core` in tests). */
  config?: EngineConfig;
  /** Where replies go (default: the worker's global postMessage). */
  post?: (msg: WorkerMessage) => void;
}

type Reply = (msg: WorkerMessage) => void;

/** The worker side: runs a WickEngine and answers ClientMessages. */
export class WebWorkerEngineHandler {
  readonly engine: WickEngine;
  private readonly post: Reply;
  /** Running request calls: their AbortController, and their stream once started. */
  private running = new Map<string, { ctl: AbortController; stream?: ChunkStream<object> }>();

  constructor(opts: WorkerHandlerOptions = {}) {
    this.engine = opts.engine ?? new WickEngine(opts.config ?? {});
    this.post = opts.post ?? ((m) => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(m));
  }

  /** Give it every message event of the worker. */
  onmessage(event: MessageEvent | unknown): void {
    const data = event && typeof event === 'object' && 'data' in event ? (event as MessageEvent).data : event;
    if (!isWickMessage(data)) return;
    void this.handle(data as ClientMessage, this.post);
  }

  /** Handles one message; resolves when its call is over. */
  async handle(msg: ClientMessage, reply: Reply): Promise<void> {
    const id = msg.id;
    const send = (m: WorkerBody) => reply({ wick: 1, id, ...m } as WorkerMessage);
    try {
      const value = await this.dispatch(msg, send);
      if (value !== NO_REPLY) send({ kind: 'return', value });
    } catch (e) {
      send({ kind: 'throw', error: serializeError(e) });
    }
  }

  protected async reload(msg: Extract<ClientMessage, { kind: 'reload' }>,
                         onProgress: (r: InitProgressReport) => void): Promise<void> {
    this.engine.setInitProgressCallback(onProgress);
    try {
      await this.engine.reload(msg.models, msg.config);
    } finally {
      this.engine.setInitProgressCallback(undefined);
    }
  }

  private async dispatch(msg: ClientMessage, send: (m: WorkerBody) => void):
      Promise<unknown> {
    const e = this.engine;
    switch (msg.kind) {
      case 'reload': return this.reload(msg, (report) => send({ kind: 'progress', report }));
      case 'unload': return e.unload();
      case 'interrupt': return e.interruptGenerate();
      case 'resetChat': return e.resetChat(msg.keepStats, msg.modelId);
      case 'runtimeStats': return e.runtimeStatsText(msg.modelId);
      case 'getMessage': return e.getMessage(msg.modelId);
      case 'listModels': return e.listModels();
      case 'keepAlive': send({ kind: 'heartbeat' }); return NO_REPLY;
      case 'abort': {
        const r = this.running.get(msg.target);
        if (r) {
          if (msg.why === 'cancel' && r.stream) await r.stream.return?.();
          else r.ctl.abort();
        }
        return NO_REPLY;
      }
      case 'request': return this.runRequest(msg, send);
      default:
        throw new Error(`unknown message kind ${JSON.stringify((msg as { kind: unknown }).kind)}`);
    }
  }

  private async runRequest(msg: Extract<ClientMessage, { kind: 'request' }>,
                           send: (m: WorkerBody) => void): Promise<unknown> {
    const entry: { ctl: AbortController; stream?: ChunkStream<object> } = { ctl: new AbortController() };
    this.running.set(msg.id, entry);
    try {
      const result = await this.engine.request(msg.api, msg.request, { signal: entry.ctl.signal });
      if (!msg.stream) return result;
      const stream = result as ChunkStream<object>;
      entry.stream = stream;
      send({ kind: 'started' });
      for (;;) {
        const r = await stream.next();
        if (r.done) break;
        send({ kind: 'chunk', chunk: r.value });
      }
      return undefined;
    } finally {
      this.running.delete(msg.id);
    }
  }
}

/** dispatch's marker for "the reply was already sent". */
const NO_REPLY = Symbol('no reply');

/** WebLLM's name, for drop-in switching. */
export const WebWorkerMLCEngineHandler = WebWorkerEngineHandler;
