// The Web Worker of the engine tests: a WebWorkerEngineHandler on the real
// core (?core=real) or the fake one (?core=fake).
import { WebWorkerEngineHandler } from '/build/web-engine-test/index.js';
import { createFakeCore } from './fake_core.mjs';

const fake = new URL(self.location.href).searchParams.get('core') === 'fake';
const handler = new WebWorkerEngineHandler({
  config: fake ? { core: async () => createFakeCore({ stepDelayMs: 5 }) } : {},
});
self.onmessage = (e) => handler.onmessage(e);
