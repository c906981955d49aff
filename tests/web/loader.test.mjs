// Browser tests of the model loader (web/src/model_loader.ts and friends) in
// headless Chromium, against tools/web_server.mjs with fault injection.
//
//   node tests/web/loader.test.mjs [--core fake|real] [--model FILE.gguf]
//        [--loader URL] [--only NAME,...]
//
// --core fake (default) uses tests/web/fake_loader_core.mjs, which keeps the
// bytes so every load is checked against the file's SHA-256 computed here
// by node:crypto; --core real loads the wasm core (build/web/ via
// web/dist/wasm_core.js) and checks the opened model's metadata instead.
// Expected values come from the file on disk and the HTTP request counts the
// server records, never from the loader itself.

import { chromium } from 'playwright-core';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createServer } from '../../tools/web_server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const CORE = arg('--core', 'fake');
const MODEL = path.resolve(ROOT, arg('--model', 'build/models/smollm2-135m-instruct-q4_1.gguf'));
const LOADER = arg('--loader', '/build/web-test/loader/model_loader.js');
const ONLY = arg('--only', '') ? arg('--only', '').split(',') : null;
const RANGE = 16 * 1024 * 1024; // the loader's default range and piece size

if (!fs.existsSync(MODEL)) {
  console.error(`loader.test: model ${MODEL} missing (bash tests/setup/models.sh)`);
  process.exit(2);
}
if (!MODEL.startsWith(ROOT + path.sep)) {
  console.error(`loader.test: the model must be inside ${ROOT} (served by the test server)`);
  process.exit(2);
}
const modelBytes = fs.readFileSync(MODEL);
const SIZE = modelBytes.length;
const SHA = crypto.createHash('sha256').update(modelBytes).digest('hex');
const MODEL_PATH = '/' + path.relative(ROOT, MODEL).split(path.sep).join('/');
const N_RANGES = Math.ceil(SIZE / RANGE);
// With the real core: what the native CLI reads from the same file.
let nativeInfo = null;
if (CORE === 'real') {
  // WICK_BIN: the native CLI (run_all.sh sets build/asan/wick).
  const wick = path.resolve(ROOT, process.env.WICK_BIN || 'build/wick');
  if (fs.existsSync(wick)) nativeInfo = JSON.parse(execFileSync(wick, ['info', '--json', MODEL], { encoding: 'utf8' }));
  else console.log(`note: ${path.relative(ROOT, wick)} is not built; model info is not compared with the native CLI`);
}
const WASM_BASE = arg('--wasm-base', fs.existsSync(path.join(ROOT, 'web/dist/wick-st.wasm')) ? '' : '/build/web/');

const server = createServer({ root: ROOT, aliases: [], log: false });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const BASE = `http://127.0.0.1:${server.address().port}`;
const MODEL_URL = BASE + MODEL_PATH;
const count = (p = MODEL_PATH) => server.counts.get(p) || 0;
const resetCounts = () => server.counts.clear();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
const context = await browser.newContext();
const page = await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
const qs = new URLSearchParams({ loader: LOADER, core: CORE, ...(WASM_BASE ? { wasm_base: WASM_BASE } : {}) });
await page.goto(`${BASE}/tests/web/pages/loader.html?${qs}`);
await page.waitForFunction(() => window.T && window.T.ready, null, { timeout: 60000 });

const load = (source, opts = {}, extra = {}) =>
  page.evaluate(([s, o, x]) => window.T.load(s, o, x), [source, opts, extra]);
const has = (url, cache = 'cache-api') => page.evaluate(([u, c]) => window.T.L.hasModelInCache(u, { cache: c }), [url, cache]);
const del = (url, cache = 'cache-api') => page.evaluate(([u, c]) => window.T.L.deleteModelFromCache(u, { cache: c }), [url, cache]);

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
// A successful load's result: the right bytes (fake core) or model (real core).
function assertLoaded(r, what) {
  assert(r.ok, `${what}: load failed: ${r.error}`);
  if (CORE === 'fake') assert(r.sha === SHA, `${what}: loaded bytes have sha256 ${r.sha}, the file has ${SHA}`);
  else {
    assert(r.info && typeof r.info === 'object', `${what}: no model info from the real core`);
    if (nativeInfo) assert('architecture' in r.info, `${what}: modelInfo has no "architecture" (${Object.keys(r.info)})`);
    for (const k of ['architecture', 'tensor_count', 'n_params', 'file_size']) {
      if (nativeInfo && k in nativeInfo && k in r.info)
        assert(r.info[k] === nativeInfo[k], `${what}: modelInfo.${k} is ${r.info[k]}, build/wick info says ${nativeInfo[k]}`);
    }
  }
}
function assertProgress(r, what) {
  const p = r.reports.map((x) => x.progress);
  assert(p.length >= 3, `${what}: only ${p.length} progress reports`);
  for (let i = 1; i < p.length; i++)
    assert(p[i] >= p[i - 1], `${what}: progress went back from ${p[i - 1]} to ${p[i]} at report ${i}`);
  const last = r.reports[r.reports.length - 1];
  assert(last.progress === 1, `${what}: last progress is ${last.progress}, not 1`);
  assert(last.loadedBytes === SIZE && last.totalBytes === SIZE, `${what}: last report has ${last.loadedBytes}/${last.totalBytes} bytes, file ${SIZE}`);
  assert(r.reports.every((x) => x.progress >= 0 && x.progress <= 1 && x.timeElapsed >= 0), `${what}: a report is out of range`);
  const times = r.reports.map((x) => x.timeElapsed);
  for (let i = 1; i < times.length; i++) assert(times[i] >= times[i - 1], `${what}: timeElapsed went back`);
}
const texts = (r) => r.reports.map((x) => x.text);
function assertError(r, what, ...needles) {
  assert(!r.ok, `${what}: expected an error, the load succeeded`);
  for (const n of needles)
    assert(r.error.includes(n), `${what}: error "${r.error}" does not mention "${n}"`);
}

// Rewrites one stored piece in the Cache API (truncated or with one byte changed).
async function damageCachePiece(url, piece, how) {
  return page.evaluate(async ([u, i, h]) => {
    const cache = await caches.open('wick-models');
    const key = `https://wick-model-cache.invalid/v1/${encodeURIComponent(u)}/piece-${String(i).padStart(5, '0')}`;
    const r = await cache.match(key);
    if (!r) return `no ${key}`;
    let b = new Uint8Array(await r.arrayBuffer());
    if (h === 'truncate') b = b.subarray(0, b.length - 1000);
    else if (h === 'garbage-header') b.set(new TextEncoder().encode('<!doctype html>'), 0);
    else b[b.length >> 1] ^= 0x55;
    await cache.put(key, new Response(b));
    if (h === 'flip-byte-nodigest') { // an entry without piece digests: only a given sha256 can tell
      const mk = key.replace(/piece-\d+$/, 'manifest');
      const m = await (await cache.match(mk)).json();
      delete m.pieceSha256;
      await cache.put(mk, new Response(JSON.stringify(m)));
    }
    return 'ok';
  }, [url, piece, how]);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('network load with progress, parallel ranges', async () => {
  await del(MODEL_URL);
  resetCounts();
  const r = await load(MODEL_URL, { cache: 'none' });
  assertLoaded(r, 'network');
  assertProgress(r, 'network');
  assert(texts(r).some((t) => /^Fetching \d+\.\d\/\d+\.\d MB$/.test(t)), `no "Fetching x/y MB" text in ${texts(r).slice(0, 5)}`);
  assert(count() === N_RANGES, `expected ${N_RANGES} range requests (one per 16 MiB), server saw ${count()}`);
  return `${(SIZE / 1e6).toFixed(1)} MB in ${(r.ms / 1000).toFixed(2)} s, ${r.reports.length} reports, ${count()} requests`;
});

test('cache-api: first load stores, second load makes no request', async () => {
  await del(MODEL_URL);
  assert(!(await has(MODEL_URL)), 'hasModelInCache is true after delete');
  const r1 = await load(MODEL_URL);
  assertLoaded(r1, 'first load');
  assertProgress(r1, 'first load');
  assert(await has(MODEL_URL), 'hasModelInCache is false after a load');
  resetCounts();
  const r2 = await load(MODEL_URL);
  assertLoaded(r2, 'second load');
  assertProgress(r2, 'second load');
  assert(count() === 0, `second load made ${count()} requests to ${MODEL_PATH}`);
  assert(texts(r2).some((t) => t.startsWith('Loading from cache')), 'no "Loading from cache" progress text');
  // The hf:-style and relative forms resolve to the same URL, hence the same entry.
  resetCounts();
  const r3 = await load(MODEL_PATH);
  assertLoaded(r3, 'relative URL');
  assert(count() === 0, `the relative URL made ${count()} requests`);
  return `network ${(r1.ms / 1000).toFixed(2)} s, cache ${(r2.ms / 1000).toFixed(2)} s, 0 requests`;
});

for (const [how, piece, opts] of [['truncate', 1, {}], ['garbage-header', 0, {}], ['flip-byte', 3, {}],
                                   ['flip-byte', 4, { sha256: SHA }], ['flip-byte-nodigest', 5, { sha256: SHA }]]) {
  test(`cache-api: damaged entry (${how} piece ${piece}) is deleted and fetched again`, async () => {
    if (!(await has(MODEL_URL))) assertLoaded(await load(MODEL_URL), 'fill cache');
    const d = await damageCachePiece(MODEL_URL, piece, how);
    assert(d === 'ok', d);
    resetCounts();
    const r = await load(MODEL_URL, opts);
    assertLoaded(r, `after ${how}`);
    assertProgress(r, `after ${how}`);
    assert(count() >= N_RANGES, `damaged entry was not fetched again (${count()} requests)`);
    const why = { truncate: 'bytes, expected', 'garbage-header': 'not a GGUF file' }[how] ?? 'sha256';
    assert(texts(r).some((t) => t.includes('damaged') && t.includes(why)),
      `no progress text saying the cache entry was damaged (${why}): ${texts(r).filter((t) => t.includes('damaged'))}`);
    resetCounts();
    const r2 = await load(MODEL_URL, opts);
    assertLoaded(r2, `reload after ${how}`);
    assert(count() === 0, `the re-fetched entry was not cached again (${count()} requests)`);
    return `${count()} requests on the reload`;
  });
}

test('dropped connection is resumed with a Range request', async () => {
  const failAt = 20_000_011; // inside the second range
  resetCounts();
  const r = await load(`${MODEL_URL}?fail_after=${failAt}`, { cache: 'none' });
  assertLoaded(r, 'fail_after');
  assertProgress(r, 'fail_after');
  assert(count() === N_RANGES + 1, `expected ${N_RANGES} ranges + 1 resumed request, server saw ${count()}`);
  const r2 = await load(`${MODEL_URL}?fail_after=${failAt}&fail_times=50`, { cache: 'none', retries: 2, backoffMs: 20 });
  assertError(r2, 'persistent drops', MODEL_URL, 'gave up after 2 retries');
  return `resumed; persistent failure: "${r2.error}"`;
});

test('server without Range support: one stream', async () => {
  resetCounts();
  const r = await load(`${MODEL_URL}?norange=1&fail_after=30000000`, { cache: 'none' });
  assertLoaded(r, 'norange');
  assert(count() === 2, `expected 1 request + 1 retry, saw ${count()}`);
  return 'ok';
});

test('cross-origin model URL, with and without exposed Content-Range', async () => {
  const xurl = MODEL_URL.replace('127.0.0.1', 'localhost');
  resetCounts();
  const r = await load(xurl, { cache: 'none' });
  assertLoaded(r, 'cross-origin');
  const n1 = count();
  assert(n1 >= N_RANGES, `cross-origin: ${n1} requests`);
  resetCounts();
  const r2 = await load(`${xurl}?expose=none`, { cache: 'none' });
  assertLoaded(r2, 'cross-origin, Content-Range hidden');
  // One more request than with Content-Range: the HEAD that asks for the size.
  assert(count() === n1 + 1, `Content-Range hidden: expected ${n1 + 1} requests (a HEAD for the size), saw ${count()}`);
  return `${n1} requests; ${count()} with the size from a HEAD`;
});

test('clear errors: 404, non-GGUF, truncated, 500, bad source, split GGUF', async () => {
  const out = [];
  let r = await load(`${BASE}/no/such/model.gguf`, { cache: 'none' });
  assertError(r, '404', `${BASE}/no/such/model.gguf`, '404');
  out.push(r.error);
  r = await load(`${BASE}/README.md`, { cache: 'none' });
  assertError(r, 'non-GGUF', `${BASE}/README.md`, 'not a GGUF file');
  out.push(r.error);
  r = await load(`${BASE}/tests/web/pages/loader.html`, { cache: 'none' });
  assertError(r, 'HTML', 'not a GGUF file', 'HTML');
  r = await load(`${MODEL_URL}?truncate=30000000`, { cache: 'none', retries: 2, backoffMs: 20 });
  assertError(r, 'truncated', MODEL_URL, 'truncated', String(SIZE));
  out.push(r.error);
  r = await load(`${MODEL_URL}?status=500`, { cache: 'none', retries: 1, backoffMs: 20 });
  assertError(r, '500', MODEL_URL, '500');
  out.push(r.error);
  r = await load('hf:only-owner', { cache: 'none' });
  assertError(r, 'bad hf:', 'hf:only-owner', 'hf:owner/repo/file.gguf');
  r = await load('ftp://example.com/m.gguf', { cache: 'none' });
  assertError(r, 'ftp', 'ftp:');
  r = await load(`${BASE}/m/model-00002-of-00003.gguf`, { cache: 'none' });
  assertError(r, 'split', 'model-00002-of-00003.gguf', 'part 2 of 3', 'load the first part');
  out.push(r.error);
  r = await load(`${BASE}/m/model-00001-of-00003.gguf`, { cache: 'none', retries: 1, backoffMs: 20 });
  assertError(r, 'split, first part missing', `${BASE}/m/model-00001-of-00003.gguf`, '404');
  r = await load(`http://127.0.0.1:1/m.gguf`, { cache: 'none', retries: 1, backoffMs: 20 });
  assertError(r, 'connection refused', 'http://127.0.0.1:1/m.gguf', 'network error');
  out.push(r.error);
  // A non-GGUF or failed download leaves nothing in the cache.
  r = await load(`${BASE}/README.md`);
  assert(!(await has(`${BASE}/README.md`)), 'a failed load left a cache entry');
  return out.map((e) => '\n      ' + e).join('');
});

test('hf: short form resolves to the hub resolve/main URL', async () => {
  const r = await page.evaluate(() => [
    window.T.L.resolveModelUrl('hf:HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/smollm2-135m-instruct-q8_0.gguf'),
    window.T.L.resolveModelUrl('hf:owner/repo@v1.0/sub/dir/f.gguf'),
    window.T.L.resolveModelUrl('https://huggingface.co/o/r/blob/main/f.gguf'),
  ]);
  assert(r[0] === 'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/resolve/main/smollm2-135m-instruct-q8_0.gguf', r[0]);
  assert(r[1] === 'https://huggingface.co/owner/repo/resolve/v1.0/sub/dir/f.gguf', r[1]);
  assert(r[2] === 'https://huggingface.co/o/r/resolve/main/f.gguf', r[2]);
  return 'ok';
});

test('local File via <input type=file>', async () => {
  await page.setInputFiles('#file', MODEL);
  resetCounts();
  const r = await load('#file', { sha256: SHA });
  assertLoaded(r, 'file');
  assertProgress(r, 'file');
  assert(texts(r).some((t) => t.startsWith('Reading ')), 'no "Reading" progress text');
  assert(count() === 0, 'a local file made a request');
  const bad = await load('#file', { sha256: 'ab'.repeat(32) });
  assertError(bad, 'file sha', 'sha256', SHA);
  await page.setInputFiles('#file', path.join(ROOT, 'README.md'));
  const notGguf = await load('#file');
  assertError(notGguf, 'file non-GGUF', 'README.md', 'not a GGUF file');
  return `${(r.ms / 1000).toFixed(2)} s`;
});

test('sha256 mismatch on download is an error and is not cached', async () => {
  await del(MODEL_URL);
  const r = await load(MODEL_URL, { sha256: '00'.repeat(32) });
  assertError(r, 'sha', MODEL_URL, 'sha256', SHA);
  assert(!(await has(MODEL_URL)), 'a file with the wrong sha256 was cached');
  const ok = await load(MODEL_URL, { sha256: SHA.toUpperCase() });
  assertLoaded(ok, 'right sha');
  return 'ok';
});

test('opfs: store, reload without requests, damaged piece, delete', async () => {
  await del(MODEL_URL, 'opfs');
  assert(!(await has(MODEL_URL, 'opfs')), 'opfs has the model after delete');
  const r1 = await load(MODEL_URL, { cache: 'opfs' });
  assertLoaded(r1, 'opfs first');
  assert(await has(MODEL_URL, 'opfs'), 'opfs: hasModelInCache false after load');
  resetCounts();
  const r2 = await load(MODEL_URL, { cache: 'opfs' });
  assertLoaded(r2, 'opfs second');
  assertProgress(r2, 'opfs second');
  assert(count() === 0, `opfs second load made ${count()} requests`);
  // Truncate one piece file.
  const d = await page.evaluate(async () => {
    const top = await (await navigator.storage.getDirectory()).getDirectoryHandle('wick-models');
    for await (const [, dir] of top.entries()) {
      const fh = await dir.getFileHandle('piece-00002');
      const w = await fh.createWritable({ keepExistingData: true });
      await w.truncate(12345);
      await w.close();
      return 'ok';
    }
    return 'no entry';
  });
  assert(d === 'ok', d);
  resetCounts();
  const r3 = await load(MODEL_URL, { cache: 'opfs' });
  assertLoaded(r3, 'opfs damaged');
  assert(count() >= N_RANGES, `opfs damaged entry not re-fetched (${count()} requests)`);
  await del(MODEL_URL, 'opfs');
  assert(!(await has(MODEL_URL, 'opfs')), 'opfs has the model after delete');
  return `opfs cache load ${(r2.ms / 1000).toFixed(2)} s`;
});

test('abort: AbortSignal stops the download and frees the buffer', async () => {
  await del(MODEL_URL);
  const before = await page.evaluate(() => window.T.stats());
  const r = await load(`${MODEL_URL}?slow_ms=20`, {}, { abortAfterBytes: 2_000_000 });
  assert(!r.ok && r.name === 'AbortError', `expected an AbortError, got ${r.ok ? 'success' : r.name + ': ' + r.error}`);
  assert(!(await has(MODEL_URL)), 'an aborted download left a complete cache entry');
  const after = await page.evaluate(() => window.T.stats());
  if (after) assert(after.live === before.live, `buffers alive: ${before.live} before, ${after.live} after the abort`);
  const keys = await page.evaluate(async (u) => (await (await caches.open('wick-models')).keys())
    .filter((k) => k.url.includes(encodeURIComponent(u))).length, MODEL_URL + '?slow_ms=20');
  assert(keys === 0, `${keys} cache keys left behind by the aborted download`);
  return `aborted after ${(r.ms / 1000).toFixed(2)} s`;
});

test('delete and hasModelInCache', async () => {
  if (!(await has(MODEL_URL))) assertLoaded(await load(MODEL_URL), 'fill');
  assert(await has(MODEL_URL), 'has after load');
  await del(MODEL_URL);
  assert(!(await has(MODEL_URL)), 'has after delete');
  const n = await page.evaluate(async () => (await (await caches.open('wick-models')).keys()).length);
  await del(MODEL_URL); // deleting what is not there is fine
  return `${n} keys left in the cache`;
});

let failed = 0;
const t0 = Date.now();
for (const t of tests) {
  if (ONLY && !ONLY.some((o) => t.name.includes(o))) continue;
  const s = Date.now();
  try {
    const note = await t.fn();
    console.log(`ok   ${t.name} (${((Date.now() - s) / 1000).toFixed(1)} s)${note ? ': ' + note : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}: ${e.message}`);
  }
}
const stats = await page.evaluate(() => window.T.stats());
if (stats && stats.live !== 0) {
  failed++;
  console.log(`FAIL leak check: ${stats.live} model buffers/models still alive (${JSON.stringify(stats)})`);
}
if (pageErrors.length) console.log(`page console errors:\n  ${pageErrors.join('\n  ')}`);
await browser.close();
server.close();
server.closeAllConnections();
console.log(`${failed ? 'FAILED' : 'PASSED'}: loader tests with the ${CORE} core, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
