// A fake WickCore (web/src/core_types.ts) for testing the engine layer
// without the wasm build: it "loads" any buffer that starts with GGUF and
// answers requests with canned, predictable chunks in OpenAI's shapes.
//
//   chat:       the reply is "Echo: <last user message>", one word per step
//   completion: the reply is the prompt reversed word by word
//   a user message / prompt "count" replies "1 2 3 ..." (max_tokens words)
//
// Validation mimics the C engine's: unknown fields are refused
// ("Unrecognized request argument supplied: X", param X), temperature must
// be a number in [0, 2], messages must be a non-empty array. The first step
// of every request is "prefill" and yields no chunk.

class FakeCoreError extends Error {
  constructor(message, code) { super(message); this.name = 'WickCoreError'; this.code = code; }
}

const COMMON = ['model', 'stream', 'stream_options', 'n', 'temperature', 'top_p', 'max_tokens', 'stop',
  'seed', 'logit_bias', 'frequency_penalty', 'presence_penalty', 'top_k', 'min_p', 'repetition_penalty',
  'ignore_eos', 'logprobs'];
const CHAT_FIELDS = new Set([...COMMON, 'messages', 'max_completion_tokens', 'top_logprobs']);
const COMPLETION_FIELDS = new Set([...COMMON, 'prompt', 'echo']);

function err(message, param = null) {
  return { error: { message, type: 'invalid_request_error', param, code: null } };
}

function validate(kind, req) {
  if (!req || typeof req !== 'object' || Array.isArray(req)) return err('request body must be a JSON object');
  const fields = kind === 'chat' ? CHAT_FIELDS : COMPLETION_FIELDS;
  for (const k of Object.keys(req)) {
    if (!fields.has(k)) return err(`Unrecognized request argument supplied: ${k}`, k);
  }
  if (req.temperature !== undefined && req.temperature !== null &&
      (typeof req.temperature !== 'number' || req.temperature < 0 || req.temperature > 2)) {
    return err(`temperature: expected a number from 0 to 2, got ${JSON.stringify(req.temperature)}`, 'temperature');
  }
  if (req.max_tokens !== undefined && req.max_tokens !== null &&
      (!Number.isInteger(req.max_tokens) || req.max_tokens < 1)) {
    return err(`max_tokens: expected a positive integer, got ${JSON.stringify(req.max_tokens)}`, 'max_tokens');
  }
  if (kind === 'chat') {
    if (!Array.isArray(req.messages) || req.messages.length === 0) {
      return err('messages: expected a non-empty array', 'messages');
    }
  } else if (typeof req.prompt !== 'string') {
    return err('prompt: expected a string', 'prompt');
  }
  return null;
}

function replyWords(kind, req) {
  const max = req.max_tokens ?? req.max_completion_tokens ?? 64;
  let input;
  if (kind === 'chat') {
    const users = req.messages.filter((m) => m.role === 'user');
    const c = users.length ? users[users.length - 1].content : '';
    input = typeof c === 'string' ? c : (c ?? []).map((p) => p.text ?? '').join('');
  } else {
    input = req.prompt;
  }
  let words;
  if (input.trim() === 'count') words = Array.from({ length: max }, (_, i) => String(i + 1));
  else if (kind === 'chat') words = ['Echo:', ...input.split(/\s+/).filter(Boolean)];
  else words = input.split(/\s+/).filter(Boolean).reverse();
  const finish = words.length > max ? 'length' : 'stop';
  return { words: words.slice(0, max).map((w, i) => (i ? ' ' : '') + w), finish, promptTokens: input.length };
}

/** Creates a fake core. `opts.stepDelayMs` busy-waits per step (makes aborts land mid-stream). */
export function createFakeCore(opts = {}) {
  let next = 1;
  const models = new Map();
  const engines = new Map();
  const calls = [];
  let counter = 0;

  function engineOf(h) {
    const e = engines.get(h);
    if (!e) throw new FakeCoreError(`no engine ${h}`, 'INVALID_ARG');
    return e;
  }

  function chunk(e, choice) {
    const r = e.req;
    if (r.kind === 'chat') {
      return { id: r.id, object: 'chat.completion.chunk', created: r.created, model: e.modelId,
        system_fingerprint: 'fake', choices: [{ index: 0, delta: choice.delta, logprobs: null,
          finish_reason: choice.finish ?? null }] };
    }
    return { id: r.id, object: 'text_completion', created: r.created, model: e.modelId,
      system_fingerprint: 'fake', choices: [{ index: 0, text: choice.text ?? '', logprobs: null,
        finish_reason: choice.finish ?? null }] };
  }

  function finalChunks(e, finish) {
    const r = e.req;
    r.done = true;
    r.finish = finish;
    const out = [chunk(e, r.kind === 'chat' ? { delta: {}, finish } : { text: '', finish })];
    if (r.body.stream_options?.include_usage) {
      const c = chunk(e, {});
      c.choices = [];
      c.usage = usage(r);
      out.push(c);
    }
    return out;
  }

  function usage(r) {
    return { prompt_tokens: r.promptTokens, completion_tokens: r.pos, total_tokens: r.promptTokens + r.pos,
      extra: { prefill_tokens_per_s: 1000, decode_tokens_per_s: 100, time_to_first_token_s: 0.01,
        prompt_tokens_reused: 0 } };
  }

  const core = {
    threads: 1,
    maxModelBytes: 1 << 30,
    isa: 'fake',
    calls, // a log of engine calls, for tests
    allocModel(size) {
      const bytes = new Uint8Array(Math.min(size, 64));
      let freed = false;
      return {
        size,
        write(offset, b) { if (offset < bytes.length) bytes.set(b.subarray(0, bytes.length - offset), offset); },
        checkHeader(prefix) {
          if (prefix < 4) return { needBytes: 4 };
          if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'GGUF') {
            throw new FakeCoreError('not a GGUF file (magic is not "GGUF")', 'FORMAT');
          }
          return { ok: true };
        },
        open() {
          if (freed) throw new FakeCoreError('buffer freed', 'INVALID_ARG');
          this.checkHeader(4);
          const h = next++;
          models.set(h, { size });
          return h;
        },
        free() { freed = true; },
      };
    },
    modelInfo(m) { return { architecture: 'fake', size: models.get(m)?.size }; },
    closeModel(m) { models.delete(m); },
    engineNew(model, params) {
      if (!models.has(model)) throw new FakeCoreError(`no model ${model}`, 'INVALID_ARG');
      const h = next++;
      engines.set(h, { model, modelId: params.modelId ?? 'fake', req: null });
      return h;
    },
    engineFree(h) { engines.delete(h); },
    engineStart(h, kind, json, created, id) {
      const e = engineOf(h);
      calls.push({ op: 'start', engine: h, kind, json });
      const body = JSON.parse(json);
      const bad = validate(kind, body);
      if (bad) { e.req = null; return bad; }
      const { words, finish, promptTokens } = replyWords(kind, body);
      e.req = { kind, body, words, finish, promptTokens, pos: -1, done: false, created,
        id: id ?? `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-fake-${++counter}`, text: '' };
      return null;
    },
    engineStep(h) {
      const e = engineOf(h);
      const r = e.req;
      if (!r || r.done) return { chunks: [], done: true };
      if (opts.stepDelayMs) { const t = Date.now() + opts.stepDelayMs; while (Date.now() < t) { /* busy */ } }
      if (r.pos < 0) { r.pos = 0; return { chunks: [], done: false }; } // prefill
      if (r.pos >= r.words.length) return { chunks: finalChunks(e, r.finish), done: true };
      const w = r.words[r.pos++];
      r.text += w;
      const c = r.kind === 'chat'
        ? chunk(e, { delta: r.pos === 1 ? { role: 'assistant', content: w } : { content: w } })
        : chunk(e, { text: w });
      return { chunks: [c], done: false };
    },
    engineAbort(h) {
      const e = engineOf(h);
      calls.push({ op: 'abort', engine: h });
      const r = e.req;
      if (!r || r.done) return [];
      return finalChunks(e, 'abort');
    },
    engineResponse(h) {
      const e = engineOf(h);
      const r = e.req;
      if (!r || !r.done) return null;
      const choice = r.kind === 'chat'
        ? { index: 0, message: { role: 'assistant', content: r.text }, logprobs: null, finish_reason: r.finish }
        : { index: 0, text: r.text, logprobs: null, finish_reason: r.finish };
      return { id: r.id, object: r.kind === 'chat' ? 'chat.completion' : 'text_completion', created: r.created,
        model: e.modelId, system_fingerprint: 'fake', choices: [choice], usage: usage(r) };
    },
    engineReset(h) { engineOf(h); calls.push({ op: 'reset', engine: h }); },
  };
  return core;
}

/** A tiny Blob that the fake core accepts as a model. */
export function fakeModelBlob() {
  return new Blob([new Uint8Array([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0, 0, 0, 0, 0])]);
}
