// Wick chat demo: load a GGUF model (URL or local file) with a progress bar,
// then stream chat answers with the OpenAI-style API, a stop button and
// tokens/s from usage.extra. Uses only the package's public API
// (web/dist/index.js, built by `make web`).
//
// Page parameters: ?model=URL (default model), ?cache=cache-api|opfs|none,
// ?max_tokens=N (default 256), ?temperature=T, ?threads=N, ?wasm_base=URL, ?autoload=1,
// ?system=TEXT (the system message; default "You are a helpful assistant.",
// empty for none: SmolLM2's built-in default system prompt then applies).

const params = new URLSearchParams(location.search);
const DEFAULT_MODEL = params.get('model') ||
  'hf:bartowski/SmolLM2-135M-Instruct-GGUF/SmolLM2-135M-Instruct-Q4_K_M.gguf';
const MAX_TOKENS = Number(params.get('max_tokens') || 256);
const TEMPERATURE = params.has('temperature') ? Number(params.get('temperature')) : undefined;
const CACHE = params.get('cache') || 'cache-api';
const THREADS = params.has('threads') ? Number(params.get('threads')) : undefined;
const SYSTEM = params.has('system') ? params.get('system') : 'You are a helpful assistant.';
const WASM_BASE = params.get('wasm_base'); // where wick-*.wasm are, if not beside web/dist/wasm_core.js

const $ = (id) => document.getElementById(id);
const ui = {
  url: $('model-url'), file: $('model-file'), load: $('load'), progress: $('load-progress'),
  status: $('load-status'), messages: $('messages'), prompt: $('prompt'), send: $('send'),
  stop: $('stop'), reset: $('reset'), stats: $('stats'),
};
ui.url.value = DEFAULT_MODEL;

// What tests (tests/web/demo.test.mjs) and curious users can look at.
const demo = { state: 'idle', engine: null, modelId: null, lastUsage: null, lastFinish: null, error: null };
window.wickDemo = demo;

let wick = null;       // the imported package
let history = [];      // OpenAI chat messages of this conversation

function setState(state) {
  demo.state = state;
  const ready = state === 'ready';
  ui.prompt.disabled = !ready;
  ui.send.disabled = !ready;
  ui.reset.disabled = !ready || history.length === 0;
  ui.stop.disabled = state !== 'generating';
  ui.load.disabled = state === 'loading' || state === 'generating';
  ui.file.disabled = ui.load.disabled;
  document.body.dataset.state = state;
}

function showStatus(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

function bubble(role, text) {
  const div = document.createElement('div');
  div.className = `msg ${role}`;
  div.textContent = text;
  ui.messages.append(div);
  ui.messages.scrollTop = ui.messages.scrollHeight;
  return div;
}

async function importWick() {
  if (wick) return wick;
  try {
    wick = await import('../../web/dist/index.js');
  } catch (e) {
    throw new Error(`could not load the Wick package from /web/dist/index.js (run \`make web\`): ${e.message}`);
  }
  return wick;
}

async function loadModel(spec, label) {
  setState('loading');
  demo.error = null;
  ui.progress.hidden = false;
  ui.progress.value = 0;
  showStatus(`Loading ${label}…`);
  const onProgress = (r) => {
    ui.progress.value = r.progress;
    showStatus(r.text);
  };
  try {
    const { CreateEngine } = await importWick();
    const config = {
      initProgressCallback: onProgress, cache: CACHE,
      ...(THREADS ? { threads: THREADS } : {}), ...(WASM_BASE ? { wasmBaseUrl: WASM_BASE } : {}),
    };
    if (demo.engine) {
      demo.engine.setInitProgressCallback(onProgress);
      await demo.engine.reload(spec, { cache: CACHE });
    } else {
      demo.engine = await CreateEngine(spec, config);
    }
    demo.modelId = demo.engine.loadedModels ? demo.engine.loadedModels()[0] : null;
    history = [];
    ui.messages.replaceChildren();
    ui.progress.value = 1;
    setState('ready');
    ui.prompt.focus();
  } catch (e) {
    demo.error = String(e.message || e);
    showStatus(`Could not load ${label}: ${demo.error}`, true);
    ui.progress.hidden = true;
    setState(demo.engine && demo.modelId ? 'ready' : 'idle');
  }
}

function usageText(usage, ms) {
  if (!usage) return `${(ms / 1000).toFixed(1)} s`;
  const x = usage.extra || {};
  const parts = [`${usage.completion_tokens} tokens`];
  if (x.decode_tokens_per_s) parts.push(`${x.decode_tokens_per_s.toFixed(1)} tokens/s`);
  if (x.prefill_tokens_per_s) parts.push(`prefill ${usage.prompt_tokens} tokens at ${x.prefill_tokens_per_s.toFixed(0)} tokens/s`);
  if (x.time_to_first_token_s !== undefined) parts.push(`first token ${x.time_to_first_token_s.toFixed(2)} s`);
  if (x.prompt_tokens_reused) parts.push(`${x.prompt_tokens_reused} prompt tokens reused`);
  return parts.join(' · ');
}

async function send() {
  const text = ui.prompt.value.trim();
  if (!text || demo.state !== 'ready') return;
  ui.prompt.value = '';
  history.push({ role: 'user', content: text });
  bubble('user', text);
  const out = bubble('assistant streaming', '');
  setState('generating');
  let answer = '';
  let usage = null;
  let finish = null;
  const t0 = performance.now();
  try {
    const stream = await demo.engine.chat.completions.create({
      messages: SYSTEM ? [{ role: 'system', content: SYSTEM }, ...history] : history,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: MAX_TOKENS,
      ...(TEMPERATURE !== undefined ? { temperature: TEMPERATURE } : {}),
    });
    for await (const chunk of stream) {
      const choice = chunk.choices && chunk.choices[0];
      if (choice && choice.delta && choice.delta.content) {
        answer += choice.delta.content;
        out.textContent = answer;
        ui.messages.scrollTop = ui.messages.scrollHeight;
      }
      if (choice && choice.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    history.push({ role: 'assistant', content: answer });
  } catch (e) {
    out.classList.add('error');
    answer += (answer ? '\n' : '') + `Error: ${e.message || e}`;
    out.textContent = answer;
    history.pop(); // the question that failed
  }
  out.classList.remove('streaming');
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = (finish === 'abort' ? 'stopped · ' : finish === 'length' ? 'length limit · ' : '') +
    usageText(usage, performance.now() - t0);
  out.append(meta);
  demo.lastUsage = usage;
  demo.lastFinish = finish;
  ui.stats.textContent = usage ? `Last answer: ${usageText(usage, 0)}` : '';
  setState('ready');
  ui.prompt.focus();
}

ui.load.addEventListener('click', () => {
  const url = ui.url.value.trim();
  if (url) loadModel(url, url);
});
ui.file.addEventListener('change', () => {
  const f = ui.file.files && ui.file.files[0];
  if (f) loadModel({ model: f, model_id: f.name.replace(/\.gguf$/i, '') }, f.name);
});
ui.send.addEventListener('click', send);
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    send();
  }
});
ui.stop.addEventListener('click', () => demo.engine && demo.engine.interruptGenerate());
ui.reset.addEventListener('click', async () => {
  history = [];
  ui.messages.replaceChildren();
  ui.stats.textContent = '';
  if (demo.engine) await demo.engine.resetChat();
  setState('ready');
});

setState('idle');
if (params.get('autoload') === '1') ui.load.click();
