#!/usr/bin/env node
// Browser tests of Wick's public engine API (web/src/engine.ts and friends)
// in headless Chromium, driven by playwright-core.
//
//   node tests/web/engine.test.mjs --mode fake
//   node tests/web/engine.test.mjs --mode real --model build/models/smollm2-135m-instruct-q4_1.gguf \
//        --wick-bin build/wick
//   options: --only REGEX (run the checks whose names match), -v (page console)
//
// fake: the engine layer on tests/web/fake_core.mjs (canned chunks), so its
//       routing, streaming, abort, queueing, workers and fetch are checked
//       against answers known in advance.
// real: the wasm core (build/web/) with SmolLM2; greedy outputs must equal
//       the native `wick api` output for the same request (the reference).
// The page build must be in build/web-engine-test/ (web_engine.sh makes it).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from '../../tools/web_server.mjs';
import { NEAR_TIE, judgeChatLogprobs, judgeIds } from './near_tie.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = { mode: 'fake', model: 'build/models/smollm2-135m-instruct-q4_1.gguf', wickBin: 'build/wick',
  chromium: '/usr/bin/chromium', verbose: false, only: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--mode') args.mode = process.argv[++i];
  else if (a === '--model') args.model = process.argv[++i];
  else if (a === '--wick-bin') args.wickBin = process.argv[++i];
  else if (a === '--chromium') args.chromium = process.argv[++i];
  else if (a === '-v') args.verbose = true;
  else if (a === '--only') args.only = new RegExp(process.argv[++i]);
  else { console.error(`unknown argument ${a}`); process.exit(2); }
}
if (args.mode !== 'fake' && args.mode !== 'real') { console.error('--mode fake|real'); process.exit(2); }
const REAL = args.mode === 'real';

// ------------------------------------------------------------ expectations

const PROMPT = 'What is the capital of France? Answer in one sentence.';
const LONG = 'Write a long story about a dragon who learns to count to one hundred.';
const SYSTEM = { role: 'system', content: 'You are a helpful assistant.' };
const REQ = { messages: [SYSTEM, { role: 'user', content: PROMPT }], temperature: 0, max_tokens: 24 };
const LONG_REQ = { messages: [{ role: 'user', content: LONG }], temperature: 0, max_tokens: 200 };
// Native and wasm kernels round differently: greedy outputs may part at a
// near tie (tests/web/near_tie.mjs), so the real mode checks the wasm core
// against native `wick api` once (realReferences) and the page against the
// wasm core's own outputs. A system message: without one SmolLM2's default
// system prompt answers "L'Étoile, la Marseillaise..." after a near tie.
// Prompts whose greedy steps all have a wasm top-2 margin > 1: the C engine
// reuses the KV prefix of the last request and then decodes the prompt's
// last token alone, which moves logits by ~0.1 against a batched prefill, so
// a near tie (e.g. 'The capital of France is' at step 5: margin 0.01-0.1)
// would make the same request's text depend on what ran before it.
const COMPLETION_REQ = { prompt: '1, 2, 3, 4, 5,', temperature: 0, max_tokens: 8 };

/** Parses `wick api` output: SSE events or one response object. */
function parseApiOutput(out) {
  const r = { text: '', finish: null, usage: null };
  if (out.trimStart().startsWith('data:')) {
    for (const line of out.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const c = JSON.parse(line.slice(6));
      for (const ch of c.choices ?? []) {
        r.text += ch.delta?.content ?? ch.text ?? '';
        if (ch.finish_reason) r.finish = ch.finish_reason;
      }
      if (c.usage) r.usage = c.usage;
    }
  } else {
    const o = JSON.parse(out);
    const ch = o.choices[0];
    r.text = ch.message?.content ?? ch.text;
    r.finish = ch.finish_reason;
    r.usage = o.usage;
  }
  return r;
}

function nativeReference(body, completion = false) {
  const cmdArgs = ['api', '-m', args.model, ...(completion ? ['--completion'] : [])];
  const p = spawnSync(args.wickBin, cmdArgs, { input: JSON.stringify(body), encoding: 'utf8', cwd: ROOT });
  if (p.status !== 0) throw new Error(`${args.wickBin} ${cmdArgs.join(' ')} failed (${p.status}): ${p.stdout}${p.stderr}`);
  return parseApiOutput(p.stdout);
}

function fakeReply(req) {
  const max = req.max_tokens ?? 64;
  if (req.prompt !== undefined) {
    const w = req.prompt.split(/\s+/).filter(Boolean).reverse();
    return { text: w.slice(0, max).join(' '), finish: w.length > max ? 'length' : 'stop' };
  }
  const w = ['Echo:', ...req.messages.at(-1).content.split(/\s+/).filter(Boolean)];
  return { text: w.slice(0, max).join(' '), finish: w.length > max ? 'length' : 'stop' };
}

/** Runs `body` through the wasm core's engine in Node (single-threaded
 *  build; the same wasm the page runs): the response object. */
async function wasmCoreSession() {
  const { loadWickCore } = await import(pathToFileURL(path.join(ROOT, 'build/web-engine-test/wasm_core.js')).href);
  const core = await loadWickCore({ threads: 1, baseUrl: pathToFileURL(path.join(ROOT, 'build/web/')).href });
  const bytes = fs.readFileSync(path.resolve(ROOT, args.model));
  const buf = core.allocModel(bytes.length);
  for (let off = 0; off < bytes.length; off += 1 << 22) buf.write(off, bytes.subarray(off, off + (1 << 22)));
  const model = buf.open();
  const run = (kind, body) => {
    const eng = core.engineNew(model, { nCtx: 1024, nThreads: 1 });
    try {
      const refused = core.engineStart(eng, kind, JSON.stringify(body), 1700000000, 'ref');
      if (refused) throw new Error(`wasm core refused ${JSON.stringify(body)}: ${JSON.stringify(refused)}`);
      for (let i = 0; !core.engineStep(eng).done; i++) if (i > 100000) throw new Error('wasm engine did not finish');
      return core.engineResponse(eng);
    } finally {
      core.engineFree(eng);
    }
  };
  return { core, model, run };
}

/** The references of the real mode. Native `wick api` is the reference;
 *  the wasm core (in Node) must give the same tokens, or diverge from it
 *  only at a near tie (tests/web/near_tie.mjs). The page must then give
 *  exactly the wasm core's texts. Returns {expected, parity: [notes],
 *  parityFailures}. */
async function realReferences() {
  const wasm = await wasmCoreSession();
  const notes = [];
  let bad = 0;
  // chat: both sides with logprobs; the verdict comes from wasm's top_logprobs
  const lp = { ...REQ, logprobs: true, top_logprobs: 5 };
  const nat = JSON.parse(spawnSync(args.wickBin, ['api', '-m', args.model], { input: JSON.stringify(lp),
    encoding: 'utf8', cwd: ROOT }).stdout);
  const w = wasm.run('chat', lp);
  const vc = judgeChatLogprobs(w, nat);
  notes.push(`chat: ${vc.note}`);
  if (!vc.ok) bad++;
  const wc = { text: w.choices[0].message.content, finish: w.choices[0].finish_reason, usage: w.usage };
  // completion: no logprobs there; the verdict comes from greedy ids and the wasm logits
  const wcomp = wasm.run('completion', COMPLETION_REQ);
  const ncomp = nativeReference(COMPLETION_REQ, true);
  if (wcomp.choices[0].text === ncomp.text) {
    notes.push('completion: identical text');
  } else {
    const r = spawnSync(args.wickBin, ['run', '-m', args.model, '-p', COMPLETION_REQ.prompt, '-n',
      String(COMPLETION_REQ.max_tokens), '--ids', '--print-prompt-ids'], { encoding: 'utf8', cwd: ROOT });
    const prompt = r.stderr.split('\n')[0].trim().split(/\s+/).map(Number);
    const native = r.stdout.trim().split(/\s+/).map(Number);
    const ids = Array.from(wasm.core.generateGreedy(wasm.model, prompt, COMPLETION_REQ.max_tokens, { nCtx: 256 }));
    const vi = judgeIds({ prompt, wasm: ids, native,
      logitsAt: (x) => wasm.core.promptLogits(wasm.model, x, { nCtx: 256 }) });
    notes.push(`completion: ${vi.note}${vi.same ? ' (but the texts differ)' : ''}`);
    if (!vi.ok || vi.same) bad++;
  }
  wasm.core.closeModel(wasm.model);
  const expected = {
    chat: { text: wc.text, finish: wc.finish }, chatJson: wc,
    completion: { text: wcomp.choices[0].text, finish: wcomp.choices[0].finish_reason },
  };
  // The native streamed output must agree with its own JSON (a C-side check).
  const ns = nativeReference({ ...REQ, stream: true });
  if (ns.text !== nat.choices[0].message.content) {
    notes.push(`native streamed and non-streamed texts differ: ${JSON.stringify(ns.text)} vs ` +
      `${JSON.stringify(nat.choices[0].message.content)}`);
    bad++;
  }
  return { expected, notes, bad };
}

let parity = null;
const expected = REAL
  ? (parity = await realReferences()).expected
  : { chat: fakeReply(REQ), chatJson: fakeReply(REQ), completion: fakeReply(COMPLETION_REQ) };
console.log(`# mode ${args.mode}; reference chat text: ${JSON.stringify(expected.chat.text)}`);
let failures = 0, passes = 0;
if (parity) {
  for (const n of parity.notes) console.log(`# native parity (NEAR_TIE ${NEAR_TIE}): ${n}`);
  if (parity.bad) { failures += parity.bad; console.log(`FAIL - the wasm core's outputs are not native's up to a near tie`); }
  else { passes++; console.log('ok - the wasm core equals native wick api up to a near tie'); }
}

// ------------------------------------------------------------ harness

const eq = (a, b, what) => {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(`${what}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
  }
};
const ok = (c, what) => { if (!c) throw new Error(what); };
async function check(name, fn) {
  if (args.only && !args.only.test(name)) return;
  const t0 = Date.now();
  try {
    await fn();
    passes++;
    console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures++;
    console.log(`FAIL - ${name}: ${e.message}`);
  }
}

const server = createServer({ root: ROOT, aliases: [], log: false });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const BASE = `http://127.0.0.1:${server.address().port}/`;
const MODEL_URL = REAL ? `/${path.relative(ROOT, path.resolve(ROOT, args.model))}` : '/build/web-engine-test/fake-a.gguf';

const browser = await chromium.launch({
  executablePath: args.chromium,
  args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync'],
});
const timer = setTimeout(() => { console.log('FAIL - the whole run took over 15 minutes'); process.exit(1); },
  15 * 60 * 1000);
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(300000);
  page.on('console', (m) => { if (args.verbose || m.type() === 'error') console.log(`# [page ${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`# [page error] ${e.message}`));
  const open = async () => {
    await page.goto(`${BASE}tests/web/pages/engine.html`);
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 30000 });
  };
  await open();
  const env = { REAL, MODEL_URL, REQ, LONG_REQ, COMPLETION_REQ };
  const cfgExpr = REAL ? '({cache: "none", wasmBaseUrl: "/build/web/", logLevel: "WARN"})'
    : '({cache: "none", core: window.createFakeCore({stepDelayMs: 5})})';

  await check('CreateEngine loads the model with progress reports', async () => {
    const r = await page.evaluate(async ([env, cfgExpr]) => {
      const reports = [];
      const cfg = eval(cfgExpr);
      cfg.initProgressCallback = (p) => reports.push(p);
      window.E = await window.wick.CreateEngine(env.MODEL_URL, cfg);
      return { reports, models: await window.E.models.list() };
    }, [env, cfgExpr]);
    ok(r.reports.length > 0, 'no progress report');
    eq(r.reports.at(-1).progress, 1, 'last progress');
    eq(r.models.data.map((m) => m.id), [path.basename(MODEL_URL, '.gguf')], 'model ids');
  });

  await check('streamed chat completion equals the reference', async () => {
    const r = await page.evaluate(async (env) =>
      window.collect(await window.E.chat.completions.create({ ...env.REQ, stream: true })), env);
    eq(r.error, null, 'error');
    eq(r.text, expected.chat.text, 'text');
    eq(r.finish, expected.chat.finish, 'finish_reason');
    eq(r.objects, ['chat.completion.chunk'], 'chunk objects');
  });

  await check('non-streamed chat completion equals the streamed one', async () => {
    const r = await page.evaluate(async (env) => window.E.chat.completions.create(env.REQ), env);
    eq(r.object, 'chat.completion', 'object');
    eq(r.choices[0].message.content, expected.chat.text, 'text');
    eq(r.choices[0].finish_reason, expected.chatJson.finish, 'finish_reason');
    ok(r.usage && r.usage.completion_tokens > 0, 'usage.completion_tokens');
    if (REAL) {
      eq(r.usage.prompt_tokens, expected.chatJson.usage.prompt_tokens, 'usage.prompt_tokens');
      eq(r.usage.completion_tokens, expected.chatJson.usage.completion_tokens, 'usage.completion_tokens');
    }
  });

  await check('stream_options.include_usage ends with a usage chunk', async () => {
    const r = await page.evaluate(async (env) => window.collect(await window.E.chat.completions.create(
      { ...env.REQ, stream: true, stream_options: { include_usage: true } })), env);
    eq(r.text, expected.chat.text, 'text');
    ok(r.usage && r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens, 'usage');
  });

  await check('completions.create (legacy) streamed and not', async () => {
    const r = await page.evaluate(async (env) => {
      const s = await window.collect(await window.E.completions.create({ ...env.COMPLETION_REQ, stream: true }));
      const j = await window.E.completions.create(env.COMPLETION_REQ);
      return { s, j: j.choices[0].text, object: j.object };
    }, env);
    eq(r.s.text, expected.completion.text, 'streamed text');
    eq(r.j, expected.completion.text, 'text');
    eq(r.object, 'text_completion', 'object');
  });

  await check('AbortSignal mid-stream throws AbortError; the next request works', async () => {
    const r = await page.evaluate(async (env) => {
      const ctl = new AbortController();
      const s = await window.E.chat.completions.create({ ...env.LONG_REQ, stream: true }, { signal: ctl.signal });
      const aborted = await window.collect(s, (n) => { if (n === 3) ctl.abort(); });
      const again = await window.E.chat.completions.create(env.REQ);
      return { aborted, again: again.choices[0].message.content };
    }, env);
    eq(r.aborted.error?.name, 'AbortError', 'error name');
    eq(r.aborted.n, 3, 'chunks before the abort');
    eq(r.again, expected.chat.text, 'text after the abort');
  });

  await check('AbortSignal on a non-streamed request rejects; signal in the request works too', async () => {
    const r = await page.evaluate(async (env) => {
      const ctl = new AbortController();
      const p = window.attempt(() => window.E.chat.completions.create({ ...env.LONG_REQ, signal: ctl.signal }));
      setTimeout(() => ctl.abort(), 30);
      const first = await p;
      const pre = await window.attempt(() => window.E.chat.completions.create(env.REQ, { signal: AbortSignal.abort() }));
      const again = await window.E.chat.completions.create(env.REQ);
      return { first, pre, again: again.choices[0].message.content };
    }, env);
    eq(r.first.error?.name, 'AbortError', 'error name');
    eq(r.pre.error?.name, 'AbortError', 'already-aborted signal');
    eq(r.again, expected.chat.text, 'text after the abort');
  });

  await check('interruptGenerate ends the stream with finish_reason "abort"', async () => {
    const r = await page.evaluate(async (env) => {
      const s = await window.E.chat.completions.create({ ...env.LONG_REQ, stream: true });
      const out = await window.collect(s, (n) => { if (n === 3) window.E.interruptGenerate(); });
      const msg = await window.E.getMessage();
      const p = window.E.chat.completions.create(env.LONG_REQ);
      setTimeout(() => window.E.interruptGenerate(), 50);
      const json = await p;
      return { out, msg, stats: await window.E.runtimeStatsText(), json: json.choices[0].finish_reason };
    }, env);
    eq(r.json, 'abort', 'non-streamed finish_reason');
    eq(r.out.error, null, 'error');
    eq(r.out.finish, 'abort', 'finish_reason');
    ok(r.out.n >= 3 && r.out.n <= 5, `chunks: ${r.out.n}`);
    eq(r.msg, r.out.text, 'getMessage');
    ok(/prefill: [\d.]+ tokens\/sec, decoding: [\d.]+ tokens\/sec/.test(r.stats), `runtimeStatsText: ${r.stats}`);
  });

  await check('requests on one model queue (two at once both complete)', async () => {
    const r = await page.evaluate(async (env) => {
      const [a, b] = await Promise.all([window.E.chat.completions.create(env.REQ),
        window.E.chat.completions.create({ ...env.REQ, stream: true }).then((s) => window.collect(s))]);
      return [a.choices[0].message.content, b.text];
    }, env);
    eq(r, [expected.chat.text, expected.chat.text], 'texts');
  });

  await check('a wrong field is refused with a 400 error object; the engine stays usable', async () => {
    const r = await page.evaluate(async (env) => {
      const bad = await window.attempt(() => window.E.chat.completions.create({ ...env.REQ, temperature: 'hot' }));
      const unknown = await window.attempt(() => window.E.chat.completions.create({ ...env.REQ, bogus_field: 1 }));
      const badStream = await window.attempt(() =>
        window.E.chat.completions.create({ ...env.REQ, stream: true, max_tokens: -3 }));
      const notObject = await window.attempt(() => window.E.chat.completions.create('hello'));
      const again = await window.E.chat.completions.create(env.REQ);
      return { bad: bad.error, unknown: unknown.error, badStream: badStream.error, notObject: notObject.error,
        again: again.choices[0].message.content };
    }, env);
    for (const [k, param] of [['bad', 'temperature'], ['unknown', 'bogus_field'], ['badStream', 'max_tokens']]) {
      ok(r[k]?.isAPIError, `${k}: not an APIError: ${JSON.stringify(r[k])}`);
      eq(r[k].status, 400, `${k}: status`);
      eq(r[k].param, param, `${k}: param`);
      eq(r[k].type, 'invalid_request_error', `${k}: type`);
    }
    eq(r.notObject?.status, 400, 'non-object request status');
    eq(r.again, expected.chat.text, 'text after the errors');
  });

  await check('an unknown model is a 404 model_not_found', async () => {
    const r = await page.evaluate(async (env) =>
      window.attempt(() => window.E.chat.completions.create({ ...env.REQ, model: 'no-such-model' })), env);
    eq(r.error?.status, 404, 'status');
    eq(r.error?.code, 'model_not_found', 'code');
  });

  await check('engine.fetch: SSE, JSON, /v1/models and error statuses', async () => {
    const r = await page.evaluate(async (env) => {
      const f = window.E.fetch;
      const post = (p, body) => f(`http://wick.local/v1${p}`, { method: 'POST', body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' } });
      const sse = await post('/chat/completions', { ...env.REQ, stream: true });
      const sseText = await sse.text();
      const json = await (await post('/chat/completions', env.REQ)).json();
      const models = await (await f('http://wick.local/v1/models')).json();
      const bad = await post('/chat/completions', { ...env.REQ, temperature: 'hot' });
      const badJson = await f('http://wick.local/v1/chat/completions', { method: 'POST', body: '{oops' });
      const missing = await post('/chat/completions', { ...env.REQ, model: 'nope' });
      const path404 = await post('/embeddings', { input: 'x' });
      return { sseType: sse.headers.get('content-type'), sseText, json, models,
        bad: [bad.status, await bad.json()], badJson: badJson.status, missing: [missing.status, await missing.json()],
        path404: path404.status };
    }, env);
    ok(r.sseType.startsWith('text/event-stream'), `content-type ${r.sseType}`);
    ok(r.sseText.endsWith('data: [DONE]\n\n'), 'SSE ends with [DONE]');
    const events = r.sseText.split('\n\n').filter(Boolean);
    ok(events.every((e) => e.startsWith('data: ')), 'every SSE event is a data: line');
    eq(parseApiOutput(r.sseText).text, expected.chat.text, 'SSE text');
    eq(r.json.choices[0].message.content, expected.chat.text, 'JSON text');
    eq(r.models.object, 'list', 'models');
    eq(r.bad[0], 400, 'bad request status');
    eq(r.bad[1].error.param, 'temperature', 'bad request param');
    eq(r.badJson, 400, 'bad JSON status');
    eq([r.missing[0], r.missing[1].error.code], [404, 'model_not_found'], 'unknown model');
    eq(r.path404, 404, 'unknown path');
  });

  await check('the openai npm client through engine.fetch: streaming, not, errors, abort', async () => {
    const r = await page.evaluate(async (env) => {
      const client = new window.OpenAI({ baseURL: 'http://wick.local/v1', apiKey: 'none', fetch: window.E.fetch,
        dangerouslyAllowBrowser: true });
      const json = await client.chat.completions.create(env.REQ);
      const stream = await client.chat.completions.create({ ...env.REQ, stream: true });
      const streamed = await window.collect(stream);
      const comp = await client.completions.create(env.COMPLETION_REQ);
      const models = await client.models.list();
      const bad = await window.attempt(() => client.chat.completions.create({ ...env.REQ, temperature: 'hot' }));
      const missing = await window.attempt(() => client.chat.completions.create({ ...env.REQ, model: 'nope' }));
      const ctl = new AbortController();
      const long = await client.chat.completions.create({ ...env.LONG_REQ, stream: true }, { signal: ctl.signal });
      const aborted = await window.collect(long, (n) => { if (n === 3) ctl.abort(); });
      const ctl2 = new AbortController();
      const p = window.attempt(() => client.chat.completions.create(env.LONG_REQ, { signal: ctl2.signal }));
      setTimeout(() => ctl2.abort(), 50);
      const abortedJson = (await p).error;
      const after = await client.chat.completions.create(env.REQ);
      return { abortedJson, json: json.choices[0].message.content, streamed, comp: comp.choices[0].text,
        models: models.data.map((m) => m.id), bad: bad.error, missing: missing.error, aborted,
        after: after.choices[0].message.content };
    }, env);
    eq(r.json, expected.chat.text, 'non-streamed text');
    eq(r.streamed.text, expected.chat.text, 'streamed text');
    eq(r.comp, expected.completion.text, 'completion text');
    eq(r.models, [path.basename(MODEL_URL, '.gguf')], 'models.list');
    ok(r.bad?.isOpenAIError && r.bad.status === 400 && r.bad.param === 'temperature', `bad: ${JSON.stringify(r.bad)}`);
    ok(r.missing?.status === 404 && r.missing.code === 'model_not_found', `missing: ${JSON.stringify(r.missing)}`);
    // The SDK's Stream ends quietly when its fetch body errors with an AbortError.
    ok(r.aborted.n === 3 && r.aborted.error === null, `stream abort: ${JSON.stringify(r.aborted)}`);
    eq(r.abortedJson?.ctor, 'APIUserAbortError', 'non-streamed abort');
    eq(r.after, expected.chat.text, 'text after the abort');
  });

  // Fake core only: two copies of the real model would double the load time.
  if (!REAL) await check('several models in one engine, routed by "model"', async () => {
    const r = await page.evaluate(async () => {
      const e = await window.wick.CreateEngine(
        [window.fakeModelFile('fake-a.gguf'), { model: window.fakeModelFile('x.gguf'), model_id: 'fake-b' }],
        { cache: 'none', core: window.createFakeCore() });
      const req = { messages: [{ role: 'user', content: 'hi there' }] };
      const b = await e.chat.completions.create({ ...req, model: 'fake-b' });
      const a = await e.chat.completions.create({ ...req, model: 'fake-a' });
      const none = await window.attempt(() => e.chat.completions.create(req));
      await e.unload();
      const after = await window.attempt(() => e.chat.completions.create(req));
      return { b: b.model, a: a.model, none: none.error, after: after.error };
    });
    eq([r.a, r.b], ['fake-a', 'fake-b'], 'routed models');
    eq([r.none?.status, r.none?.param], [400, 'model'], 'no model with two loaded');
    eq(r.after?.code, 'model_not_loaded', 'after unload');
  });

  await check('resetChat between requests', async () => {
    const r = await page.evaluate(async (env) => {
      await window.E.resetChat();
      const a = await window.E.chat.completions.create(env.REQ);
      return a.choices[0].message.content;
    }, env);
    eq(r, expected.chat.text, 'text after resetChat');
  });

  await check('Web Worker engine streams the same text; abort and errors cross', async () => {
    const r = await page.evaluate(async ([env, mode]) => {
      const worker = new Worker(`/tests/web/engine_worker.mjs?core=${mode}`, { type: 'module' });
      const reports = [];
      const e = await window.wick.CreateWebWorkerEngine(worker, env.MODEL_URL,
        { cache: 'none', wasmBaseUrl: '/build/web/', initProgressCallback: (p) => reports.push(p.progress) });
      const s = await window.collect(await e.chat.completions.create({ ...env.REQ, stream: true }));
      const j = await e.chat.completions.create(env.REQ);
      const ctl = new AbortController();
      const long = await e.chat.completions.create({ ...env.LONG_REQ, stream: true }, { signal: ctl.signal });
      const aborted = await window.collect(long, (n) => { if (n === 3) ctl.abort(); });
      const intr = await e.chat.completions.create({ ...env.LONG_REQ, stream: true });
      const interrupted = await window.collect(intr, (n) => { if (n === 3) e.interruptGenerate(); });
      const bad = await window.attempt(() => e.chat.completions.create({ ...env.REQ, bogus_field: 1 }));
      const missing = await window.attempt(() => e.chat.completions.create({ ...env.REQ, model: 'nope' }));
      const client = new window.OpenAI({ baseURL: 'http://wick.local/v1', apiKey: 'none', fetch: e.fetch,
        dangerouslyAllowBrowser: true });
      const viaClient = await window.collect(await client.chat.completions.create({ ...env.REQ, stream: true }));
      worker.terminate();
      return { s, j: j.choices[0].message.content, aborted, interrupted, bad: bad.error, missing: missing.error,
        viaClient: viaClient.text, lastReport: reports.at(-1) };
    }, [env, args.mode]);
    eq(r.s.text, expected.chat.text, 'streamed text');
    eq(r.j, expected.chat.text, 'non-streamed text');
    eq(r.lastReport, 1, 'progress reached 1');
    eq([r.aborted.n, r.aborted.error?.name], [3, 'AbortError'], 'abort');
    eq(r.interrupted.finish, 'abort', 'interrupt finish_reason');
    ok(r.interrupted.n < 12, `interrupted after ${r.interrupted.n} chunks`);
    ok(r.bad?.isAPIError && r.bad.status === 400 && r.bad.param === 'bogus_field', `bad: ${JSON.stringify(r.bad)}`);
    eq([r.missing?.status, r.missing?.code], [404, 'model_not_found'], 'unknown model');
    eq(r.viaClient, expected.chat.text, 'openai client through the worker');
  });

  await check('Service Worker engine streams the same text and keeps the model across a page reload', async () => {
    const run = () => page.evaluate(async ([env, mode]) => {
      const reg = await window.registerTestServiceWorker(mode);
      const reports = [];
      const e = await window.wick.CreateServiceWorkerEngine(env.MODEL_URL, { registration: reg, cache: 'none',
        wasmBaseUrl: '/build/web/', keepAliveMs: 2000, initProgressCallback: (p) => reports.push(p.text) });
      const s = await window.collect(await e.chat.completions.create({ ...env.REQ, stream: true }));
      const j = await e.chat.completions.create(env.REQ);
      const ctl = new AbortController();
      const long = await e.chat.completions.create({ ...env.LONG_REQ, stream: true }, { signal: ctl.signal });
      const aborted = await window.collect(long, (n) => { if (n === 3) ctl.abort(); });
      const bad = await window.attempt(() => e.chat.completions.create({ ...env.REQ, temperature: 'hot' }));
      const after = await e.chat.completions.create(env.REQ);
      e.dispose();
      return { s, j: j.choices[0].message.content, aborted, bad: bad.error, after: after.choices[0].message.content,
        reports };
    }, [env, args.mode]);
    const first = await run();
    eq(first.s.text, expected.chat.text, 'streamed text');
    eq(first.j, expected.chat.text, 'non-streamed text');
    eq([first.aborted.n, first.aborted.error?.name], [3, 'AbortError'], 'abort');
    eq([first.bad?.status, first.bad?.param], [400, 'temperature'], 'bad field');
    eq(first.after, expected.chat.text, 'text after abort and error');
    await open(); // a page reload: the service worker still holds the model
    const second = await run();
    ok(second.reports.some((t) => /already loaded/.test(t)), `not reused: ${JSON.stringify(second.reports)}`);
    eq(second.s.text, expected.chat.text, 'streamed text after the reload');
  });
} catch (e) {
  failures++;
  console.log(`FAIL - harness: ${e.stack || e.message}`);
} finally {
  clearTimeout(timer);
  await browser.close();
  server.close();
  server.closeAllConnections?.();
}
console.log(`# ${args.mode}: ${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
