/* The contract between the wasm core (web/src/wasm_core.ts, which loads
 * build/web/wick-*.wasm) and the engine layer (engine.ts, workers, fetch).
 * Everything model-related happens in C (include/wick_api.h); this layer
 * only moves bytes and JSON strings across the wasm boundary. */

/** Thrown by every core call that fails; `code` is the C wick_status name. */
export class WickCoreError extends Error {
  constructor(message: string, public readonly code: string) {
    super(message);
    this.name = 'WickCoreError';
  }
}

export interface CoreLoadOptions {
  /** Threads for the kernels. > 1 needs crossOriginIsolated (SharedArrayBuffer);
   *  otherwise the single-threaded build is loaded and `threads` is 1. */
  threads?: number;
  /** Where the build/web/ files are served from (default: next to wasm_core.js). */
  baseUrl?: string | URL;
  /** Called with a human-readable note (e.g. why threads are off). */
  log?: (level: 'info' | 'warn', message: string) => void;
  /** The emscripten glue's factory (the default export of wick-st.js or
   *  wick-mt.js), for scopes that cannot `import()` it: a Service Worker
   *  allows static imports only, so its script does
   *    import createWickModule from 'wick/dist/wick-st.js';
   *  and passes it here. loadWickCore then imports nothing; the .wasm is
   *  still fetched from `baseUrl`. */
  moduleFactory?: WickModuleFactory;
  /** Which build `moduleFactory` is: 'st' (default) or 'mt' (threads need
   *  cross-origin isolation and a scope that can start workers). */
  moduleVariant?: 'st' | 'mt';
}

/** The default export of build/web/wick-{st,mt}.js (emscripten MODULARIZE). */
export type WickModuleFactory = (moduleArgs: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Model bytes being streamed into wasm memory (written once, never copied). */
export interface CoreModelBuffer {
  readonly size: number;
  /** Copies `bytes` into the buffer at `offset` (chunks may arrive in any order). */
  write(offset: number, bytes: Uint8Array): void;
  /** Checks the GGUF header in the first `prefix` bytes written so far:
   *  {needBytes: n} when more of the prefix is needed, {ok: true} when the
   *  header is complete and valid; throws WickCoreError (with the C message)
   *  when it is not a valid GGUF. */
  checkHeader(prefix: number): { ok: true } | { needBytes: number };
  /** Opens the model (the whole file must be written); the buffer then belongs
   *  to the model and is released by closeModel. */
  open(): number; // model handle
  /** Releases the buffer without opening it. */
  free(): void;
}

export interface CoreEngineParams {
  nCtx?: number;
  nBatch?: number;
  nThreads?: number;
  modelId?: string;
}

export interface CoreStepResult {
  /** OpenAI stream chunk objects produced by this step (often empty). */
  chunks: unknown[];
  done: boolean;
}

export interface WickCore {
  /** Threads actually in use (1 without cross-origin isolation). */
  readonly threads: number;
  /** Largest model file this build can hold (bytes). */
  readonly maxModelBytes: number;
  /** Kernel ISA name, e.g. "simd128". */
  readonly isa: string;

  /** Throws WickCoreError (code "LIMIT") if `size` exceeds maxModelBytes or memory runs out. */
  allocModel(size: number): CoreModelBuffer;
  /** Opens a split GGUF model (llama.cpp's NAME-00001-of-0000N.gguf ...) from
   *  its shards' buffers, in order, each completely written. On success the
   *  buffers belong to the model (released by closeModel); on failure they
   *  are released too. Optional: a core without it cannot open split models. */
  openModelShards?(buffers: CoreModelBuffer[]): number;
  /** The model's metadata as `wick info --json` prints it. */
  modelInfo(model: number): Record<string, unknown>;
  closeModel(model: number): void;

  engineNew(model: number, params: CoreEngineParams): number; // engine handle
  engineFree(engine: number): void;
  /** Validates and starts a request. Returns null on success, or the OpenAI
   *  error object ({error:{message,type,param,code}}) when the request is refused. */
  engineStart(engine: number, kind: 'chat' | 'completion', requestJson: string,
              created: number, id?: string): { error: Record<string, unknown> } | null;
  engineStep(engine: number): CoreStepResult;
  engineAbort(engine: number): unknown[];
  /** The non-streaming response object once a step returned done. */
  engineResponse(engine: number): Record<string, unknown> | null;
  engineReset(engine: number): void;
}
