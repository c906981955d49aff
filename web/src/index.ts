/* Wick's browser API: OpenAI-shaped chat and text completions from GGUF
 * models running in the page, a Web Worker or a Service Worker. Names
 * follow the `openai` SDK and WebLLM (`@mlc-ai/web-llm`), whose
 * Create*MLCEngine spellings are exported as aliases. */

export {
  WickEngine, CreateEngine, CreateMLCEngine, type EngineConfig,
} from './engine.js';
export {
  EngineSurface, modelIdOf,
  type WickEngineInterface, type ModelRecord, type ModelSpec, type InitProgressReport,
  type InitProgressCallback, type LogLevel, type SerializableEngineConfig, type ChunkStream,
  type ChatCompletionsAPI, type CompletionsAPI, type RequestKind,
} from './engine_interface.js';
export {
  WebWorkerEngine, WebWorkerEngineHandler, CreateWebWorkerEngine,
  CreateWebWorkerMLCEngine, WebWorkerMLCEngineHandler,
  type EngineTransport, type WorkerEngineConfig, type WorkerHandlerOptions,
} from './web_worker.js';
export {
  ServiceWorkerEngine, ServiceWorkerEngineHandler, CreateServiceWorkerEngine,
  CreateServiceWorkerMLCEngine, ServiceWorkerMLCEngineHandler,
  type ServiceWorkerEngineConfig, type ServiceWorkerHandlerOptions,
} from './service_worker.js';
export { createOpenAIFetch, type FetchableEngine } from './openai_fetch.js';
export { hasModelInCache, deleteModelFromCache } from './model_loader.js';
export { WickCoreError, type WickCore, type CoreLoadOptions, type WickModuleFactory } from './core_types.js';
export * from './openai_types.js';
