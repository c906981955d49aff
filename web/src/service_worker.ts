/* The engine in a Service Worker: the model stays loaded across page
 * reloads and is shared by every tab of the origin. Same protocol as the
 * Web Worker (protocol.ts); replies go to the tab that sent the call.
 *
 *   // sw.js, registered with {type: 'module'}. A service worker allows
 *   // static imports only, so it imports the single-threaded glue itself
 *   // and hands its factory to the core loader:
 *   import { ServiceWorkerEngineHandler } from 'wick';
 *   import createWickModule from 'wick/dist/wick-st.js';
 *   new ServiceWorkerEngineHandler({ moduleFactory: createWickModule });
 *
 *   // page
 *   await navigator.serviceWorker.register('/sw.js', {type: 'module'});
 *   const engine = await CreateServiceWorkerEngine(modelUrl);
 *
 * The browser stops an idle service worker (about 30 s without events);
 * the page sends a keep-alive message every `keepAliveMs` while it lives.
 * If the worker was stopped anyway, the model is gone: the page reloads it
 * and retries the request once. A service worker cannot start workers, so
 * the core runs single-threaded there. */

import type { ClientMessage, WorkerMessage } from './protocol.js';
import { isWickMessage, newCallId } from './protocol.js';
import type { ChunkStream, ModelSpec, RequestKind } from './engine_interface.js';
import { APIError, type RequestOptions } from './openai_types.js';
import type { WickModuleFactory } from './core_types.js';
import {
  WebWorkerEngine, WebWorkerEngineHandler,
  type EngineTransport, type WorkerEngineConfig, type WorkerHandlerOptions,
} from './web_worker.js';

/* The few ServiceWorkerGlobalScope pieces used here (the project compiles
 * against the DOM lib, which does not declare them). */
interface ExtendableEventLike extends Event { waitUntil(p: Promise<unknown>): void }
interface ExtendableMessageEventLike extends ExtendableEventLike {
  data: unknown;
  source: { postMessage(m: unknown): void } | null;
}
interface ServiceWorkerScopeLike {
  addEventListener(type: string, cb: (e: Event) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
}

// ---------------------------------------------------- service worker side

export interface ServiceWorkerHandlerOptions extends Omit<WorkerHandlerOptions, 'post'> {
  /** skipWaiting on install and clients.claim on activate (default true), so
   *  a new version takes over at once. */
  takeOver?: boolean;
  /** The default export of wick-st.js, imported statically by the service
   *  worker script (required unless `engine` or `config.core` is given:
   *  loadWickCore's dynamic import() is refused in a service worker). */
  moduleFactory?: WickModuleFactory;
}

export class ServiceWorkerEngineHandler extends WebWorkerEngineHandler {
  /** The reload whose models are loaded now (its JSON), and the chain of reloads. */
  private loadedKey: string | null = null;
  private reloads: Promise<void> = Promise.resolve();

  constructor(opts: ServiceWorkerHandlerOptions = {}) {
    if (!opts.engine && !opts.config?.core && !opts.moduleFactory && !opts.config?.coreOptions?.moduleFactory) {
      throw new Error('ServiceWorkerEngineHandler needs moduleFactory: `import createWickModule from ' +
        "'.../wick-st.js'` in the service worker script and pass it (a service worker cannot import() the glue)");
    }
    const config = opts.moduleFactory
      ? { ...opts.config, coreOptions: { ...opts.config?.coreOptions, moduleFactory: opts.moduleFactory } }
      : opts.config;
    // Replies go to the sending client, never to a global postMessage.
    super({ ...opts, config, post: () => { throw new Error('ServiceWorkerEngineHandler replies per client'); } });
    const scope = globalThis as unknown as ServiceWorkerScopeLike;
    if (typeof scope.skipWaiting !== 'function') {
      throw new Error('ServiceWorkerEngineHandler must be created in a service worker script');
    }
    if (opts.takeOver !== false) {
      scope.addEventListener('install', (e) => (e as ExtendableEventLike).waitUntil(scope.skipWaiting()));
      scope.addEventListener('activate', (e) => (e as ExtendableEventLike).waitUntil(scope.clients.claim()));
    }
    scope.addEventListener('message', (e) => {
      const ev = e as ExtendableMessageEventLike;
      if (!isWickMessage(ev.data) || !ev.source) return;
      const source = ev.source;
      // waitUntil keeps the worker alive while the call runs.
      ev.waitUntil(this.handle(ev.data as ClientMessage, (m: WorkerMessage) => source.postMessage(m)));
    });
  }

  override onmessage(): void {
    throw new Error('ServiceWorkerEngineHandler listens by itself; do not forward messages to it');
  }

  /** Tabs share the model: a reload asking for what is loaded returns at once. */
  protected override async reload(msg: Extract<ClientMessage, { kind: 'reload' }>,
                                  onProgress: Parameters<WebWorkerEngineHandler['reload']>[1]): Promise<void> {
    const key = msg.models.some((m) => typeof m.model !== 'string')
      ? null // Blobs cannot be compared cheaply: always load them
      : JSON.stringify([msg.models, msg.config]);
    const run = this.reloads.then(async () => {
      if (key !== null && key === this.loadedKey && this.engine.loadedModels().length > 0) {
        onProgress({ progress: 1, timeElapsed: 0, text: 'Model already loaded in the service worker',
          loadedBytes: 0, totalBytes: 0 });
        return;
      }
      this.loadedKey = null;
      await super.reload(msg, onProgress);
      this.loadedKey = key;
    });
    this.reloads = run.catch(() => {});
    return run;
  }
}

/** WebLLM's name, for drop-in switching. */
export const ServiceWorkerMLCEngineHandler = ServiceWorkerEngineHandler;

// -------------------------------------------------------------- page side

export interface ServiceWorkerEngineConfig extends WorkerEngineConfig {
  /** Keep-alive message period (ms); 0 disables. Default 10000. */
  keepAliveMs?: number;
  /** The registration to use (default: navigator.serviceWorker.ready). */
  registration?: ServiceWorkerRegistration;
}

function serviceWorkerTransport(sw: ServiceWorker): EngineTransport {
  const container = navigator.serviceWorker;
  return {
    // The controller, once the page has one, is the current version.
    post: (msg) => (container.controller ?? sw).postMessage(msg),
    listen: (on) => {
      container.addEventListener('message', (e) => on((e as MessageEvent).data));
      container.startMessages();
    },
  };
}

export class ServiceWorkerEngine extends WebWorkerEngine {
  private keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(sw: ServiceWorker, config: ServiceWorkerEngineConfig = {}) {
    super(serviceWorkerTransport(sw), config);
    const ms = config.keepAliveMs ?? 10000;
    if (ms > 0) {
      this.keepAlive = setInterval(() => {
        try { this.transport.post({ wick: 1, id: newCallId(), kind: 'keepAlive' }); } catch { /* gone */ }
      }, ms);
    }
  }

  /** Stops the keep-alive timer (the model stays loaded in the worker). */
  dispose(): void {
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  override async request(kind: RequestKind, req: unknown, opts?: RequestOptions):
      Promise<object | ChunkStream<object>> {
    try {
      return await super.request(kind, req, opts);
    } catch (e) {
      // The browser stopped the worker and the model went with it: load it again, retry once.
      if (e instanceof APIError && e.code === 'model_not_loaded' && this.lastReload) {
        await this.call(this.lastReload, { onProgress: (r) => this.getInitProgressCallback()?.(r) });
        return await super.request(kind, req, opts);
      }
      throw e;
    }
  }
}

/** Connects to the page's service worker and loads `model` there (or finds
 *  it already loaded by an earlier page or another tab). */
export async function CreateServiceWorkerEngine(model: ModelSpec | ModelSpec[],
                                                config: ServiceWorkerEngineConfig = {}):
    Promise<ServiceWorkerEngine> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) {
    throw new Error('Service workers are not available here (they need a secure context: https or localhost)');
  }
  const reg = config.registration ?? await navigator.serviceWorker.ready;
  const sw = reg.active;
  if (!sw) throw new Error('the service worker registration has no active worker');
  const engine = new ServiceWorkerEngine(sw, config);
  await engine.reload(model, config);
  return engine;
}

/** WebLLM's name, for drop-in switching. */
export const CreateServiceWorkerMLCEngine = CreateServiceWorkerEngine;
