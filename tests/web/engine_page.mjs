// The test page's module (tests/web/pages/engine.html): puts what the tests
// drive on window. The engine build is at /build/web-engine-test/ (compiled
// by tests/conformance/web_engine.sh).
import * as wick from '/build/web-engine-test/index.js';
import OpenAI from 'openai';
import { createFakeCore, fakeModelBlob } from './fake_core.mjs';

window.wick = wick;
window.OpenAI = OpenAI;
window.createFakeCore = createFakeCore;
window.fakeModelFile = (name) => new File([fakeModelBlob()], name);

/** Registers the test service worker for `mode` ('fake' | 'real') and waits
 *  until it is active. Each mode has its own scope (and so its own worker). */
window.registerTestServiceWorker = async (mode) => {
  const reg = await navigator.serviceWorker.register(`/tests/web/engine_sw.mjs?core=${mode}`,
    { type: 'module', scope: `/tests/web/sw-${mode}/` });
  const t0 = Date.now();
  while (!reg.active) {
    if (Date.now() - t0 > 20000) throw new Error('service worker did not activate in 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return reg;
};

window.harnessReady = true;

/** Drains a chunk stream: {text, n (chunks), finish (last finish_reason), usage, model, error}.
 *  `onChunk(i)` runs after chunk i (to abort mid-stream). */
window.collect = async (stream, onChunk) => {
  const out = { text: '', n: 0, finish: null, usage: null, model: null, error: null, objects: [] };
  try {
    for await (const c of stream) {
      for (const ch of c.choices ?? []) {
        out.text += ch.delta?.content ?? ch.text ?? '';
        if (ch.finish_reason) out.finish = ch.finish_reason;
      }
      if (c.usage) out.usage = c.usage;
      out.model = c.model;
      if (!out.objects.includes(c.object)) out.objects.push(c.object);
      out.n++;
      if (onChunk) await onChunk(out.n);
    }
  } catch (e) {
    out.error = window.describeError(e);
  }
  return out;
};

/** A thrown thing as plain data. */
window.describeError = (e) => ({
  name: e?.name, message: String(e?.message ?? e), status: e?.status, code: e?.code ?? null,
  param: e?.param ?? null, type: e?.type ?? null, isAPIError: e instanceof window.wick.APIError,
  isOpenAIError: e instanceof window.OpenAI.APIError, ctor: e?.constructor?.name,
});

/** Runs `fn`, returning {value} or {error: describeError(e)}. */
window.attempt = async (fn) => {
  try { return { value: await fn() }; } catch (e) { return { error: window.describeError(e) }; }
};
