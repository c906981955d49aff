// The Service Worker of the engine tests: a ServiceWorkerEngineHandler on
// the real core (?core=real) or the fake one (?core=fake).
//
// Service workers allow static imports only, and loadWickCore's import() of
// the emscripten glue is refused there; so this script imports the
// single-threaded glue statically and hands its factory over
// (ServiceWorkerHandlerOptions.moduleFactory, i.e. CoreLoadOptions.moduleFactory)
// — the supported way, as a real application's sw.js does.
import { ServiceWorkerEngineHandler } from '/build/web-engine-test/index.js';
import createWickModule from '/build/web/wick-st.js';
import { createFakeCore } from './fake_core.mjs';

const fake = new URL(self.location.href).searchParams.get('core') === 'fake';
new ServiceWorkerEngineHandler(fake
  ? { config: { core: async () => createFakeCore({ stepDelayMs: 5 }) } }
  : { moduleFactory: createWickModule });
