/* The browser-side model cache: a GGUF file stored in fixed-size pieces
 * (so no single huge Response or file is ever built in memory) plus a
 * manifest, in the Cache API (default) or the origin-private file system.
 *
 *   Cache API:  cache "wick-models", keys
 *               https://wick-model-cache.invalid/v1/<encoded model URL>/manifest
 *               https://wick-model-cache.invalid/v1/<encoded model URL>/piece-00000 ...
 *   OPFS:       wick-models/<sha256 of the model URL>/manifest.json, piece-00000 ...
 *
 * A manifest marks an entry complete only after every piece was stored;
 * readers check each piece's size (and the caller checks the GGUF header and
 * an optional sha256), and delete an entry that does not match.
 * Also here: a small streaming SHA-256 for the optional integrity check. */

export type CacheKind = 'cache-api' | 'opfs';

export interface CacheManifest {
  version: 1;
  url: string;
  size: number;          // bytes in the whole file
  pieceSize: number;     // bytes per piece (the last one may be shorter)
  pieces: number;
  etag: string | null;
  lastModified: string | null;
  sha256: string | null; // lowercase hex, when the caller gave one (checked on download)
  /** SHA-256 hex of each piece, taken when it was stored: cache loads check
   *  every piece with the native WebCrypto digest (silent corruption). */
  pieceSha256?: string[];
  complete: boolean;
  storedAt: number;      // ms since epoch
}

/** One model's entry in a cache. */
export interface ModelCacheEntry {
  readonly kind: CacheKind;
  readManifest(): Promise<CacheManifest | null>;
  writeManifest(m: CacheManifest): Promise<void>;
  /** The stored piece, or null when missing. */
  readPiece(index: number): Promise<Blob | null>;
  writePiece(index: number, data: Blob): Promise<void>;
  /** Removes the manifest and every piece. */
  remove(): Promise<void>;
}

export const CACHE_NAME = 'wick-models';
const CACHE_KEY_BASE = 'https://wick-model-cache.invalid/v1/';
const pieceName = (i: number) => `piece-${String(i).padStart(5, '0')}`;

export function cacheAvailable(kind: CacheKind): boolean {
  if (kind === 'cache-api') return typeof caches !== 'undefined';
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  return !!storage && typeof storage.getDirectory === 'function';
}

/** Opens (without creating anything yet) the entry of `url` in `kind`. */
export async function openCacheEntry(kind: CacheKind, url: string): Promise<ModelCacheEntry> {
  if (!cacheAvailable(kind))
    throw new Error(`Wick: the ${kind === 'opfs' ? 'origin-private file system (OPFS)' : 'Cache API'} ` +
      'is not available in this context (it needs a secure context: https or localhost)');
  return kind === 'cache-api' ? openCacheApiEntry(url) : openOpfsEntry(url);
}

async function openCacheApiEntry(url: string): Promise<ModelCacheEntry> {
  const cache = await caches.open(CACHE_NAME);
  const base = CACHE_KEY_BASE + encodeURIComponent(url) + '/';
  const entry: ModelCacheEntry = {
    kind: 'cache-api',
    async readManifest() {
      const r = await cache.match(base + 'manifest');
      if (!r) return null;
      try {
        return parseManifest(await r.text(), url);
      } catch {
        return null;
      }
    },
    async writeManifest(m) {
      await cache.put(base + 'manifest', new Response(JSON.stringify(m), {
        headers: { 'Content-Type': 'application/json' },
      }));
    },
    async readPiece(i) {
      const r = await cache.match(base + pieceName(i));
      return r ? r.blob() : null;
    },
    async writePiece(i, data) {
      await cache.put(base + pieceName(i), new Response(data, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.size) },
      }));
    },
    async remove() {
      // Every key under this model's prefix (pieces of an older, larger entry too).
      const keys = await cache.keys();
      await Promise.all(keys.filter((k) => k.url.startsWith(base)).map((k) => cache.delete(k)));
    },
  };
  return entry;
}

async function openOpfsEntry(url: string): Promise<ModelCacheEntry> {
  const root = await navigator.storage.getDirectory();
  const top = await root.getDirectoryHandle(CACHE_NAME, { create: true });
  const dirName = await sha256Hex(new TextEncoder().encode(url));
  const getDir = async (create: boolean) => {
    try {
      return await top.getDirectoryHandle(dirName, { create });
    } catch (e) {
      if (!create && (e as DOMException).name === 'NotFoundError') return null;
      throw e;
    }
  };
  const readFile = async (name: string): Promise<File | null> => {
    const dir = await getDir(false);
    if (!dir) return null;
    try {
      return await (await dir.getFileHandle(name)).getFile();
    } catch (e) {
      if ((e as DOMException).name === 'NotFoundError') return null;
      throw e;
    }
  };
  const writeFile = async (name: string, data: Blob | string) => {
    const dir = (await getDir(true))!;
    const fh = await dir.getFileHandle(name, { create: true });
    if (typeof (fh as { createWritable?: unknown }).createWritable !== 'function')
      throw new Error('Wick: this browser cannot write OPFS files from this context ' +
        '(no createWritable); use cache: "cache-api"');
    const w = await fh.createWritable();
    try {
      await w.write(data);
      await w.close();
    } catch (e) {
      await w.abort().catch(() => {});
      throw e;
    }
  };
  return {
    kind: 'opfs',
    async readManifest() {
      const f = await readFile('manifest.json');
      if (!f) return null;
      try {
        return parseManifest(await f.text(), url);
      } catch {
        return null;
      }
    },
    async writeManifest(m) {
      await writeFile('manifest.json', JSON.stringify(m));
    },
    readPiece: (i) => readFile(pieceName(i)),
    writePiece: (i, data) => writeFile(pieceName(i), data),
    async remove() {
      try {
        await top.removeEntry(dirName, { recursive: true });
      } catch (e) {
        if ((e as DOMException).name !== 'NotFoundError') throw e;
      }
    },
  };
}

function parseManifest(text: string, url: string): CacheManifest | null {
  const m = JSON.parse(text) as CacheManifest;
  const okInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (m.version !== 1 || m.url !== url || !okInt(m.size) || !okInt(m.pieceSize) || m.pieceSize === 0 ||
      !okInt(m.pieces) || m.pieces !== Math.ceil(m.size / m.pieceSize) || typeof m.complete !== 'boolean')
    return null;
  return m;
}

/* ------------------------------------------------------------- SHA-256 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Streaming SHA-256 (FIPS 180-4). WebCrypto has no incremental digest, and
 *  the model bytes are never in one JS buffer, so the pieces are fed here. */
export class Sha256 {
  private h = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private w = new Int32Array(64);
  private block = new Uint8Array(64);
  private blockLen = 0;
  private total = 0;

  update(data: Uint8Array): this {
    let i = 0;
    const n = data.length;
    this.total += n;
    if (this.blockLen > 0) {
      const take = Math.min(64 - this.blockLen, n);
      this.block.set(data.subarray(0, take), this.blockLen);
      this.blockLen += take;
      i = take;
      if (this.blockLen < 64) return this;
      this.compress(this.block, 0);
      this.blockLen = 0;
    }
    for (; i + 64 <= n; i += 64) this.compress(data, i);
    if (i < n) {
      this.block.set(data.subarray(i), 0);
      this.blockLen = n - i;
    }
    return this;
  }

  hex(): string {
    const bits = this.total * 8;
    const pad = new Uint8Array(((this.blockLen < 56 ? 56 : 120) - this.blockLen) + 8);
    pad[0] = 0x80;
    const dv = new DataView(pad.buffer);
    dv.setUint32(pad.length - 8, Math.floor(bits / 0x100000000));
    dv.setUint32(pad.length - 4, bits >>> 0);
    const total = this.total;
    this.update(pad);
    this.total = total;
    let out = '';
    for (let i = 0; i < 8; i++) out += (this.h[i] >>> 0).toString(16).padStart(8, '0');
    return out;
  }

  private compress(d: Uint8Array, p: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++, p += 4) w[t] = (d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3];
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15], b = w[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    const h = this.h;
    let a = h[0], b = h[1], c = h[2], dd = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + dd) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
  }
}

/** SHA-256 hex of one piece: WebCrypto (native speed) where available. */
export async function digestHex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!subtle) return new Sha256().update(bytes).hex();
  const d = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let out = '';
  for (const b of d) out += b.toString(16).padStart(2, '0');
  return out;
}

/** SHA-256 hex of a small buffer (cache directory names). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  return new Sha256().update(data).hex();
}

/** Feeds chunks that arrive at any offset into a Sha256 in file order,
 *  holding the out-of-order ones until the gap before them is filled. */
export class OrderedHasher {
  private sha = new Sha256();
  private next = 0;
  private pending = new Map<number, Uint8Array>();

  add(offset: number, bytes: Uint8Array): void {
    if (offset !== this.next) {
      this.pending.set(offset, bytes);
      return;
    }
    this.sha.update(bytes);
    this.next += bytes.length;
    for (let p = this.pending.get(this.next); p; p = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.sha.update(p);
      this.next += p.length;
    }
  }

  /** The digest, once `size` contiguous bytes were added; else null. */
  hex(size: number): string | null {
    return this.next === size ? this.sha.hex() : null;
  }
}
