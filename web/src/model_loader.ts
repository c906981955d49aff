/* Getting a GGUF model into the wasm core: from the cache, the network or a
 * user's File/Blob, straight into a CoreModelBuffer (wasm memory), never
 * through a whole-file copy in JS.
 *
 *   loadModel(core, source, opts)  -> model handle
 *     source: URL | hf:owner/repo/file.gguf | File/Blob   (model_source.ts)
 *     1. cache hit (manifest complete): read the pieces into the buffer,
 *        checking sizes, the GGUF header and the optional sha256; a damaged
 *        entry is deleted and the file fetched again
 *     2. otherwise download (download.ts) in parallel ranges, checking the
 *        GGUF magic before allocating and the header as soon as it arrived,
 *        storing pieces in the cache as they complete (model_cache.ts)
 *     3. open(): the core validates the whole file and takes the buffer
 *   hasModelInCache(url) / deleteModelFromCache(url)
 *
 * A split GGUF (llama.cpp's name-00001-of-0000N.gguf, given by its first
 * part's URL or hf: path): every part goes through 1-2 on its own (its own
 * cache entry, its own buffer), progress counts over all parts, and
 * core.openModelShards opens them together.
 */

import type { CoreModelBuffer, WickCore } from './core_types.js';
import { downloadModelFile, formatMB, DEFAULT_RANGE_SIZE, type RemoteFileInfo } from './download.js';
import {
  cacheAvailable, digestHex, openCacheEntry, OrderedHasher, Sha256,
  type CacheKind, type CacheManifest, type ModelCacheEntry,
} from './model_cache.js';
import { modelSourceName, resolveModelUrl, splitGgufUrls } from './model_source.js';

export { resolveModelUrl, splitGgufPart, splitGgufUrls, ModelSourceError } from './model_source.js';

export interface InitProgressReport {
  progress: number;     // 0..1, never decreasing within one load
  timeElapsed: number;  // seconds since loadModel was called
  text: string;         // e.g. "Fetching 12.3/90.1 MB"
  loadedBytes: number;
  totalBytes: number;
}

export interface LoadModelOptions {
  /** Where downloaded models are kept (default 'cache-api'). */
  cache?: 'cache-api' | 'opfs' | 'none';
  onProgress?: (r: InitProgressReport) => void;
  signal?: AbortSignal;
  /** Expected SHA-256 of the file (hex); checked on download and on every cache load. */
  sha256?: string;
  /** Concurrent range requests (default 4). */
  parallel?: number;
  /** Tuning (mostly for tests): bytes per range request and per cache piece (default 16 MiB). */
  rangeSize?: number;
  pieceSize?: number;
  /** Retries of one range without progress (default 5), first backoff in ms (default 250). */
  retries?: number;
  backoffMs?: number;
}

const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46]; // "GGUF"
const FILE_SLICE = 8 * 1024 * 1024;          // bytes read per Blob slice

function abortError(signal?: AbortSignal): unknown {
  return signal?.reason ?? new DOMException('The model load was aborted', 'AbortError');
}
const isAbort = (e: unknown, signal?: AbortSignal) =>
  (signal?.aborted && e === signal.reason) || (e as DOMException)?.name === 'AbortError';

/** Throws a clear Error when `head` does not start with the GGUF magic. */
function checkMagic(head: Uint8Array, where: string): void {
  if (head.length >= 4 && GGUF_MAGIC.every((b, i) => head[i] === b)) return;
  const shown = Array.from(head.subarray(0, 8), (b) =>
    b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.').join('');
  const hint = /^\s*</.test(shown) ? ' (it looks like an HTML page: is the URL a download link, e.g. .../resolve/main/...?)' : '';
  throw new Error(`Wick: ${where} is not a GGUF file: it starts with "${shown}", not "GGUF"${hint}`);
}

function normalizeSha(s: string | undefined): string | null {
  if (s === undefined || s === null || s === '') return null;
  const h = String(s).trim().toLowerCase().replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`Wick: sha256 option "${s}" is not 64 hex digits`);
  return h;
}

function allocBuffer(core: WickCore, size: number, where: string): CoreModelBuffer {
  if (core.maxModelBytes && size > core.maxModelBytes)
    throw new Error(`Wick: ${where} is ${formatMB(size)} MB; this build of Wick holds models up to ` +
      `${formatMB(core.maxModelBytes)} MB`);
  try {
    return core.allocModel(size);
  } catch (e) {
    throw new Error(`Wick: no memory for ${where} (${formatMB(size)} MB): ${(e as Error).message}`);
  }
}

function freeQuietly(buf: CoreModelBuffer | null): void {
  try {
    buf?.free();
  } catch {
    /* already released */
  }
}

/** Progress reports: monotone fraction, at most one per 50 ms per phase. */
class Progress {
  private start = performance.now();
  private last = 0;
  private lastText = '';
  private frac = 0;
  constructor(private cb?: (r: InitProgressReport) => void) {}
  report(text: string, loaded: number, total: number, force = false, fraction?: number): void {
    if (!this.cb) return;
    const now = performance.now();
    const phase = text.replace(/[\d.]+\/[\d.]+ MB/, '');
    if (!force && phase === this.lastText && now - this.last < 50) return;
    this.last = now;
    this.lastText = phase;
    const f = fraction ?? (total > 0 ? Math.min(0.999, loaded / total) : 0);
    this.frac = Math.max(this.frac, f);
    try {
      this.cb({ progress: this.frac, timeElapsed: (now - this.start) / 1000, text, loadedBytes: loaded, totalBytes: total });
    } catch (e) {
      console.error('Wick: onProgress callback threw', e);
    }
  }
  elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }
}

/** Where the load functions report progress: a Progress, or one part's
 *  share of it (PartProgress). */
interface ProgressSink {
  report(text: string, loaded: number, total: number, force?: boolean, fraction?: number): void;
  elapsed(): number;
}

/** One part of a split model, reported over all parts: the bytes of the
 *  parts before it are added, and a part whose size is not known yet is
 *  counted at the largest part size seen so far (gguf-split makes parts of
 *  similar size), so the total is exact once every part has begun. */
class PartProgress implements ProgressSink {
  constructor(private parent: Progress, private sizes: (number | null)[], private index: number) {}
  report(text: string, loaded: number, total: number, force = false): void {
    if (total > 0) this.sizes[this.index] = total;
    const guess = Math.max(0, ...this.sizes.map((x) => x ?? 0));
    const all = this.sizes.reduce<number>((a, x) => a + (x ?? guess), 0);
    let at = Math.min(loaded, total > 0 ? total : loaded);
    for (let i = 0; i < this.index; i++) at += this.sizes[i] ?? 0;
    const t = text.replace(/[\d.]+\/[\d.]+ MB/, `${formatMB(at)}/${formatMB(all)} MB`);
    this.parent.report(`${t} (part ${this.index + 1} of ${this.sizes.length})`, at, all, force);
  }
  elapsed(): number {
    return this.parent.elapsed();
  }
}

/** Tracks the contiguous prefix written from offset 0 (chunks of different
 *  ranges arrive interleaved) and runs checkHeader until it passes. */
class HeaderCheck {
  private frontier = 0;
  private byStart = new Map<number, number>(); // start -> end of written runs past the frontier
  private byEnd = new Map<number, number>();   // end -> start
  private needed = 0;
  done = false;
  constructor(private buf: CoreModelBuffer, private size: number, private where: string) {}

  add(offset: number, length: number): void {
    if (this.done) return;
    let s = offset, e = offset + length;
    if (s === this.frontier) {
      this.frontier = e;
      for (let n = this.byStart.get(this.frontier); n !== undefined; n = this.byStart.get(this.frontier)) {
        this.byStart.delete(this.frontier);
        this.byEnd.delete(n);
        this.frontier = n;
      }
    } else {
      const before = this.byEnd.get(s);
      if (before !== undefined) { this.byEnd.delete(s); this.byStart.delete(before); s = before; }
      const after = this.byStart.get(e);
      if (after !== undefined) { this.byStart.delete(e); this.byEnd.delete(after); e = after; }
      this.byStart.set(s, e);
      this.byEnd.set(e, s);
    }
    if (this.frontier >= this.needed || this.frontier === this.size) this.run();
  }

  private run(): void {
    let r: { ok: true } | { needBytes: number };
    try {
      r = this.buf.checkHeader(this.frontier);
    } catch (e) {
      throw new Error(`Wick: ${this.where} is not a valid GGUF model: ${(e as Error).message}`);
    }
    if ('ok' in r && r.ok) {
      this.done = true;
      this.byStart.clear();
      this.byEnd.clear();
      return;
    }
    const need = (r as { needBytes: number }).needBytes;
    if (this.frontier >= this.size || need > this.size)
      throw new Error(`Wick: ${this.where} is not a valid GGUF model: its header needs ${need} bytes ` +
        `but the file has ${this.size}`);
    this.needed = Math.max(need, this.frontier + 1);
  }
}

/** Collects downloaded chunks into cache pieces and stores each piece as soon
 *  as it is complete; caching failures (quota) never fail the load. */
class PieceWriter {
  private parts = new Map<number, { chunks: Uint8Array[]; filled: number }>();
  private pending: Promise<void>[] = [];
  readonly digests: string[] = [];
  failed: string | null = null;
  constructor(private entry: ModelCacheEntry, private size: number, private pieceSize: number) {}

  add(offset: number, bytes: Uint8Array): void {
    if (this.failed) return;
    while (bytes.length > 0) {
      const index = Math.floor(offset / this.pieceSize);
      const pieceEnd = Math.min(this.size, (index + 1) * this.pieceSize);
      const n = Math.min(bytes.length, pieceEnd - offset);
      let p = this.parts.get(index);
      if (!p) this.parts.set(index, (p = { chunks: [], filled: 0 }));
      p.chunks.push(bytes.subarray(0, n));
      p.filled += n;
      if (p.filled === pieceEnd - index * this.pieceSize) {
        this.parts.delete(index);
        this.pending.push(this.store(index, p.chunks, p.filled));
      }
      offset += n;
      bytes = bytes.subarray(n);
    }
  }

  /** One piece: its digest (for later cache loads), then the stored copy. */
  private async store(index: number, chunks: Uint8Array[], length: number): Promise<void> {
    try {
      const whole = new Uint8Array(length);
      let p = 0;
      for (const c of chunks) { whole.set(c, p); p += c.length; }
      this.digests[index] = await digestHex(whole);
      if (!this.failed) await this.entry.writePiece(index, new Blob([whole]));
    } catch (e) {
      this.failed = `${(e as Error).name}: ${(e as Error).message}`;
      this.parts.clear();
    }
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }
}

interface LoadContext {
  core: WickCore;
  opts: LoadModelOptions;
  progress: ProgressSink;
  sha: string | null;
  signal?: AbortSignal;
}

/** Reads a Blob into `buf` at `base` in slices; `onBytes` sees every slice. */
async function readBlobInto(blob: Blob, buf: CoreModelBuffer, base: number, signal: AbortSignal | undefined,
                            onBytes: (offset: number, bytes: Uint8Array) => void): Promise<void> {
  for (let off = 0; off < blob.size; off += FILE_SLICE) {
    if (signal?.aborted) throw abortError(signal);
    const bytes = new Uint8Array(await blob.slice(off, Math.min(blob.size, off + FILE_SLICE)).arrayBuffer());
    buf.write(base + off, bytes);
    onBytes(base + off, bytes);
  }
}

function openBuffer(buf: CoreModelBuffer, where: string): number {
  try {
    return buf.open();
  } catch (e) {
    freeQuietly(buf);
    throw new Error(`Wick: could not open model ${where}: ${(e as Error).message}`);
  }
}

/* ---------------------------------------------------------------- Blob */

async function loadFromBlob(ctx: LoadContext, blob: Blob): Promise<number> {
  const where = `file "${modelSourceName(blob)}"`;
  const size = blob.size;
  if (size === 0) throw new Error(`Wick: ${where} is empty`);
  checkMagic(new Uint8Array(await blob.slice(0, 64).arrayBuffer()), where);
  const buf = allocBuffer(ctx.core, size, where);
  try {
    const header = new HeaderCheck(buf, size, where);
    const sha = ctx.sha ? new Sha256() : null;
    let loaded = 0;
    await readBlobInto(blob, buf, 0, ctx.signal, (off, bytes) => {
      header.add(off, bytes.length);
      sha?.update(bytes);
      loaded += bytes.length;
      ctx.progress.report(`Reading ${formatMB(loaded)}/${formatMB(size)} MB from ${where}`, loaded, size);
    });
    if (sha) {
      const got = sha.hex();
      if (got !== ctx.sha) throw new Error(`Wick: ${where} does not match the expected sha256 (got ${got}, expected ${ctx.sha})`);
    }
    ctx.progress.report('Opening model', size, size, true);
  } catch (e) {
    freeQuietly(buf);
    throw e;
  }
  return openBuffer(buf, where);
}

/* --------------------------------------------------------------- cache */

/** Loads a complete cache entry into a new buffer; returns the buffer, or a
 *  string saying why the entry is damaged (the caller deletes it). */
async function readCacheEntry(ctx: LoadContext, entry: ModelCacheEntry, m: CacheManifest,
                              url: string): Promise<CoreModelBuffer | string> {
  if (ctx.sha && m.sha256 && m.sha256 !== ctx.sha) return `it holds a file with sha256 ${m.sha256}`;
  // Every piece must be there with the right size before anything is allocated.
  const pieces: Blob[] = [];
  for (let i = 0; i < m.pieces; i++) {
    const want = Math.min(m.pieceSize, m.size - i * m.pieceSize);
    const blob = await entry.readPiece(i);
    if (!blob) return `piece ${i} is missing`;
    if (blob.size !== want) return `piece ${i} has ${blob.size} bytes, expected ${want}`;
    pieces.push(blob);
  }
  const head = new Uint8Array(await pieces[0].slice(0, 64).arrayBuffer());
  try {
    checkMagic(head, `the cached copy of ${url}`);
  } catch (e) {
    return (e as Error).message;
  }
  // Pieces with recorded digests are each checked natively; then a given
  // sha256 the download already verified needs no slow whole-file JS hash.
  const digests = Array.isArray(m.pieceSha256) && m.pieceSha256.length === m.pieces ? m.pieceSha256 : null;
  const buf = allocBuffer(ctx.core, m.size, url);
  try {
    const header = new HeaderCheck(buf, m.size, `the cached copy of ${url}`);
    const sha = ctx.sha && !(digests && m.sha256 === ctx.sha) ? new Sha256() : null;
    let loaded = 0;
    const onBytes = (off: number, bytes: Uint8Array) => {
      header.add(off, bytes.length);
      sha?.update(bytes);
      loaded += bytes.length;
      ctx.progress.report(`Loading from cache ${formatMB(loaded)}/${formatMB(m.size)} MB`, loaded, m.size);
    };
    for (let i = 0; i < pieces.length; i++) {
      if (!digests) {
        await readBlobInto(pieces[i], buf, i * m.pieceSize, ctx.signal, onBytes);
        continue;
      }
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      const bytes = new Uint8Array(await pieces[i].arrayBuffer());
      const got = await digestHex(bytes);
      if (got !== digests[i]) {
        freeQuietly(buf);
        return `piece ${i} has sha256 ${got}, stored as ${digests[i]}`;
      }
      buf.write(i * m.pieceSize, bytes);
      onBytes(i * m.pieceSize, bytes);
    }
    if (sha) {
      const got = sha.hex();
      if (got !== ctx.sha) {
        freeQuietly(buf);
        return `its sha256 is ${got}, expected ${ctx.sha}`;
      }
    }
    return buf;
  } catch (e) {
    freeQuietly(buf);
    if (isAbort(e, ctx.signal)) throw e;
    return (e as Error).message;
  }
}

/* ------------------------------------------------------------- network */

async function download(ctx: LoadContext, url: string, entry: ModelCacheEntry | null): Promise<CoreModelBuffer> {
  const pieceSize = ctx.opts.pieceSize ?? DEFAULT_RANGE_SIZE;
  let buf: CoreModelBuffer | null = null;
  let header: HeaderCheck | null = null;
  let writer: PieceWriter | null = null;
  let hasher: OrderedHasher | null = null;
  let info: RemoteFileInfo | null = null;
  let manifestPromise: Promise<void> | null = null;
  let loaded = 0;
  let total = 0;
  const manifest = (complete: boolean): CacheManifest => ({
    version: 1, url, size: total, pieceSize, pieces: Math.ceil(total / pieceSize),
    etag: info?.etag ?? null, lastModified: info?.lastModified ?? null,
    sha256: ctx.sha, complete, storedAt: Date.now(),
    ...(complete && writer ? { pieceSha256: (writer as PieceWriter).digests } : {}),
  });
  ctx.progress.report(`Fetching ${modelSourceName(url)}`, 0, 0, true);
  try {
    info = await downloadModelFile(url, {
      begin: (i, head) => {
        info = i;
        total = i.size;
        checkMagic(head, url);
        buf = allocBuffer(ctx.core, total, url);
        header = new HeaderCheck(buf, total, url);
        if (ctx.sha) hasher = new OrderedHasher();
        if (entry) {
          writer = new PieceWriter(entry, total, pieceSize);
          // Marks the entry incomplete first, so a crash leaves nothing that looks loadable.
          manifestPromise = entry.writeManifest(manifest(false)).catch((e) => {
            writer!.failed = `${(e as Error).name}: ${(e as Error).message}`;
          });
        }
        ctx.progress.report(`Fetching 0.0/${formatMB(total)} MB`, 0, total, true);
      },
      write: (offset, bytes) => {
        buf!.write(offset, bytes);
        header!.add(offset, bytes.length);
        hasher?.add(offset, bytes);
        writer?.add(offset, bytes);
        loaded += bytes.length;
        ctx.progress.report(`Fetching ${formatMB(loaded)}/${formatMB(total)} MB`, loaded, total);
      },
    }, {
      parallel: ctx.opts.parallel, rangeSize: ctx.opts.rangeSize, retries: ctx.opts.retries,
      backoffMs: ctx.opts.backoffMs, signal: ctx.signal,
    });
    const b = buf as CoreModelBuffer | null;
    if (!b || loaded !== total)
      throw new Error(`Wick: the model file ${url} is truncated: received ${loaded} of ${total} bytes`);
    if (!(header as HeaderCheck | null)?.done)
      throw new Error(`Wick: ${url} is not a valid GGUF model: its header is incomplete`);
    if (hasher) {
      const got = (hasher as OrderedHasher).hex(total);
      if (got !== ctx.sha)
        throw new Error(`Wick: ${url} does not match the expected sha256 (got ${got}, expected ${ctx.sha})`);
    }
    if (entry && writer) {
      const w = writer as PieceWriter;
      ctx.progress.report('Storing in cache', total, total, true);
      await manifestPromise;
      await w.flush();
      if (!w.failed) {
        try {
          await entry.writeManifest(manifest(true));
        } catch (e) {
          w.failed = `${(e as Error).name}: ${(e as Error).message}`;
        }
      }
      if (w.failed) {
        console.warn(`Wick: ${url} was not cached (${w.failed})`);
        await entry.remove().catch(() => {});
      }
    }
    return b;
  } catch (e) {
    freeQuietly(buf);
    if (entry) {
      // Drop the partial entry (after its in-flight writes, so none lands after the delete).
      await manifestPromise;
      await (writer as PieceWriter | null)?.flush();
      await entry.remove().catch(() => {});
    }
    throw e;
  }
}

/* ----------------------------------------------------------------- API */

/** Loads a model into the core and opens it; resolves with the model handle. */
export async function loadModel(core: WickCore, source: string | Blob,
                                opts: LoadModelOptions = {}): Promise<number> {
  const progress = new Progress(opts.onProgress);
  const ctx: LoadContext = { core, opts, progress, sha: normalizeSha(opts.sha256), signal: opts.signal };
  if (opts.signal?.aborted) throw abortError(opts.signal);

  if (typeof source !== 'string') {
    if (!source || typeof (source as Blob).slice !== 'function')
      throw new Error('Wick: the model source must be a URL string, hf:owner/repo/file.gguf, or a File/Blob');
    const h = await loadFromBlob(ctx, source);
    progress.report(`Model loaded: ${formatMB(source.size)} MB from ${modelSourceName(source)} ` +
      `in ${progress.elapsed().toFixed(1)} s`, source.size, source.size, true, 1);
    return h;
  }

  const url = resolveModelUrl(source);
  const kind = opts.cache ?? 'cache-api';
  if (kind !== 'cache-api' && kind !== 'opfs' && kind !== 'none')
    throw new Error(`Wick: cache option "${kind}" is not one of 'cache-api', 'opfs', 'none'`);
  const parts = splitGgufUrls(url);
  if (parts) return loadSplit(ctx, parts, kind);

  const { buf, from } = await loadUrl(ctx, url, kind);
  const size = buf.size;
  progress.report('Opening model', size, size, true);
  const handle = openBuffer(buf, url);
  progress.report(`Model loaded: ${formatMB(size)} MB from ${from} in ${progress.elapsed().toFixed(1)} s`,
    size, size, true, 1);
  return handle;
}

/** One file into a new buffer: from its cache entry when complete and sound,
 *  else from the network (stored in the cache on the way). */
async function loadUrl(ctx: LoadContext, url: string,
                       kind: CacheKind | 'none'): Promise<{ buf: CoreModelBuffer; from: string }> {
  const progress = ctx.progress;
  let entry: ModelCacheEntry | null = null;
  if (kind !== 'none' && cacheAvailable(kind) && !url.startsWith('blob:')) {
    try {
      entry = await openCacheEntry(kind, url);
    } catch (e) {
      console.warn(`Wick: cache unavailable, loading ${url} without it: ${(e as Error).message}`);
    }
  }

  let from = 'network';
  let buf: CoreModelBuffer | null = null;
  if (entry) {
    progress.report('Checking cache', 0, 0, true);
    const m = await entry.readManifest().catch(() => null);
    if (m && m.complete) {
      const r = await readCacheEntry(ctx, entry, m, url);
      if (typeof r === 'string') {
        console.warn(`Wick: the cached copy of ${url} is damaged (${r}); fetching it again`);
        progress.report(`Cached copy damaged (${r}); fetching again`, 0, m.size, true);
        await entry.remove().catch(() => {});
      } else {
        buf = r;
        from = 'cache';
      }
    } else if (m) {
      await entry.remove().catch(() => {}); // an interrupted earlier download
    }
  }
  if (!buf) buf = await download(ctx, url, entry);
  return { buf, from };
}

/** A split GGUF: each part into its own buffer (cache or network, as one
 *  file), then the core opens them together. */
async function loadSplit(ctx: LoadContext, urls: string[], kind: CacheKind | 'none'): Promise<number> {
  const core = ctx.core;
  const n = urls.length;
  if (typeof core.openModelShards !== 'function')
    throw new Error(`Wick: ${urls[0]} is part 1 of a ${n}-part split GGUF, and this Wick core cannot ` +
      'open split models (no openModelShards)');
  if (ctx.sha)
    throw new Error(`Wick: the sha256 option names one file, but ${urls[0]} is part 1 of a ${n}-part ` +
      'split GGUF; load it without sha256');
  const parent = ctx.progress as Progress;
  const sizes: (number | null)[] = urls.map(() => null);
  const bufs: CoreModelBuffer[] = [];
  const from = new Set<string>();
  let total = 0;
  try {
    for (let i = 0; i < n; i++) {
      const r = await loadUrl({ ...ctx, progress: new PartProgress(parent, sizes, i) }, urls[i], kind);
      bufs.push(r.buf);
      from.add(r.from);
      total += r.buf.size;
      if (core.maxModelBytes && total > core.maxModelBytes)
        throw new Error(`Wick: the split model ${urls[0]} is over ${formatMB(total)} MB after ${i + 1} of ` +
          `${n} parts; this build of Wick holds models up to ${formatMB(core.maxModelBytes)} MB`);
    }
  } catch (e) {
    bufs.forEach(freeQuietly);
    throw e;
  }
  parent.report('Opening model', total, total, true);
  let handle: number;
  try {
    handle = core.openModelShards(bufs);
  } catch (e) {
    bufs.forEach(freeQuietly);
    // The core names the parts "<memory shard k>"; say which URL that is.
    const msg = String((e as Error).message).replace(/<memory shard (\d+)>/g, (m, k) => urls[Number(k) - 1] ?? m);
    throw new Error(`Wick: could not open the ${n}-part split model ${urls[0]}: ${msg}`);
  }
  parent.report(`Model loaded: ${formatMB(total)} MB in ${n} parts from ${[...from].join(' and ')} in ` +
    `${parent.elapsed().toFixed(1)} s`, total, total, true, 1);
  return handle;
}

function cacheKind(opts?: { cache?: CacheKind }): CacheKind {
  const k = opts?.cache ?? 'cache-api';
  if (k !== 'cache-api' && k !== 'opfs') throw new Error(`Wick: cache option "${k}" is not 'cache-api' or 'opfs'`);
  return k;
}

/** Whether a complete copy of `url` is in the cache (its pieces are checked when loaded). */
export async function hasModelInCache(url: string, opts?: { cache?: CacheKind }): Promise<boolean> {
  const kind = cacheKind(opts);
  if (!cacheAvailable(kind)) return false;
  const u = resolveModelUrl(url);
  for (const part of splitGgufUrls(u) ?? [u]) { // a split model: every part
    const m = await (await openCacheEntry(kind, part)).readManifest();
    if (!m || !m.complete) return false;
  }
  return true;
}

/** Removes `url`'s cached copy (no error when there is none). */
export async function deleteModelFromCache(url: string, opts?: { cache?: CacheKind }): Promise<void> {
  const kind = cacheKind(opts);
  if (!cacheAvailable(kind)) return;
  const u = resolveModelUrl(url);
  for (const part of splitGgufUrls(u) ?? [u]) await (await openCacheEntry(kind, part)).remove();
}
