/* HTTP download of one model file into a caller-owned sink, in parallel
 * ranges, resuming a dropped range where it stopped.
 *
 * The first request doubles as the size probe: GET with
 * `Range: bytes=0-(rangeSize-1)`. A 206 gives the size (Content-Range, else
 * a HEAD's Content-Length) and the remaining ranges go to `parallel`
 * workers; a 200 (a host without range support) is read as one stream. The
 * sink sees the first bytes before anything is allocated (fail fast on a
 * non-GGUF file), then every chunk at its file offset: chunks of one range
 * arrive in order, ranges in any order. A range whose connection drops or
 * ends early is requested again from its current position
 * (`Range: bytes=pos-end`), up to `retries` times in a row without
 * progress, with exponential backoff. 4xx answers are final. */

export interface RemoteFileInfo {
  url: string;
  size: number;
  etag: string | null;
  lastModified: string | null;
  ranges: boolean; // whether the server honoured Range
}

export interface DownloadSink {
  /** Size known and the first `min(size, 64)` bytes in hand; throw to stop. */
  begin(info: RemoteFileInfo, head: Uint8Array): void | Promise<void>;
  /** `bytes` belong at file offset `offset`; throw to stop the download. */
  write(offset: number, bytes: Uint8Array): void;
}

export interface DownloadOptions {
  parallel?: number;   // concurrent range requests (default 4)
  rangeSize?: number;  // bytes per range request (default 16 MiB)
  retries?: number;    // retries of one range without progress (default 5)
  backoffMs?: number;  // first retry delay, doubled each time (default 250)
  signal?: AbortSignal;
}

export const DEFAULT_RANGE_SIZE = 16 * 1024 * 1024;
const HEAD_BYTES = 64;

/** An error that another attempt may fix (network, 5xx, early end). */
class RetryableError extends Error {
  constructor(message: string, public readonly truncated: boolean) {
    super(message);
  }
}

function abortError(signal?: AbortSignal): unknown {
  return signal?.reason ?? new DOMException('The model download was aborted', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function formatMB(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function httpError(url: string, r: Response): Error {
  const what = r.status === 404 ? 'not found (HTTP 404)'
    : r.status === 401 || r.status === 403 ? `access denied (HTTP ${r.status}; a gated or private model needs a token)`
    : `HTTP ${r.status}${r.statusText ? ' ' + r.statusText : ''}`;
  return new Error(`Wick: could not fetch model ${url}: ${what}`);
}

const retryableStatus = (s: number) => s === 408 || s === 429 || s >= 500;

/** "bytes a-b/total" -> {start, end (inclusive), total|null}. */
function parseContentRange(v: string | null): { start: number; end: number; total: number | null } | null {
  const m = v ? /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(v.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

function parseLength(v: string | null): number | null {
  if (v === null || !/^\d+$/.test(v.trim())) return null;
  return Number(v);
}

/** Downloads `url` into `sink`; resolves with the file's info once every byte
 *  was written. Rejects with a clear Error (or the abort reason). */
export async function downloadModelFile(url: string, sink: DownloadSink,
                                        opts: DownloadOptions = {}): Promise<RemoteFileInfo> {
  const parallel = Math.max(1, Math.min(16, Math.floor(opts.parallel ?? 4)));
  const rangeSize = Math.max(64 * 1024, Math.floor(opts.rangeSize ?? DEFAULT_RANGE_SIZE));
  const retries = Math.max(0, Math.floor(opts.retries ?? 5));
  const backoffMs = opts.backoffMs ?? 250;
  const outer = opts.signal;
  if (outer?.aborted) throw abortError(outer);

  // One internal controller: a fatal error in one range stops all the others.
  const ctl = new AbortController();
  const onOuterAbort = () => ctl.abort(abortError(outer));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = ctl.signal;
  let fatal: unknown = null;
  // Ranges after the first start only once `begin` accepted the first bytes.
  let headResolve!: () => void, headReject!: (e: unknown) => void;
  const headReady = new Promise<void>((res, rej) => { headResolve = res; headReject = rej; });
  headReady.catch(() => {});
  const fail = (e: unknown) => {
    if (fatal === null) fatal = e;
    headReject(e);
    ctl.abort(e);
  };

  const doFetch = async (init: RequestInit, what: string): Promise<Response> => {
    try {
      return await fetch(url, { ...init, signal, cache: 'no-store' });
    } catch (e) {
      if (signal.aborted) throw signal.reason ?? abortError(outer);
      throw new RetryableError(`network error ${what} (${(e as Error).message || e}); check the URL, ` +
        'the connection, and that the server allows cross-origin requests (CORS)', false);
    }
  };

  let info: RemoteFileInfo | null = null;
  try {
    // ---- probe: the first range, with retries for network failures and 5xx
    let probe: Response | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        probe = await doFetch({ headers: { Range: `bytes=0-${rangeSize - 1}` } }, 'requesting the file');
        if (!probe.ok) {
          if (probe.status === 416) throw new Error(`Wick: could not fetch model ${url}: the file is empty (HTTP 416)`);
          if (retryableStatus(probe.status))
            throw new RetryableError(`HTTP ${probe.status} ${probe.statusText}`.trim(), false);
          throw httpError(url, probe);
        }
        break;
      } catch (e) {
        if (!(e instanceof RetryableError) || attempt >= retries) {
          if (e instanceof RetryableError) throw new Error(`Wick: could not fetch model ${url}: ${e.message}`);
          throw e;
        }
        await sleep(backoffMs * 2 ** attempt, signal);
      }
    }

    const etag = probe.headers.get('ETag');
    const lastModified = probe.headers.get('Last-Modified');
    let size: number | null = null;
    let ranges = false;
    if (probe.status === 206) {
      const cr = parseContentRange(probe.headers.get('Content-Range'));
      if (cr && cr.start !== 0) throw new Error(`Wick: could not fetch model ${url}: the server answered bytes ${cr.start}- to a request for bytes 0-`);
      size = cr?.total ?? null;
      ranges = true;
      if (size === null) {
        // Content-Range not exposed to this origin: ask for the length.
        const h = await doFetch({ method: 'HEAD' }, 'asking for the file size').catch(() => null);
        size = h && h.ok ? parseLength(h.headers.get('Content-Length')) : null;
      }
    } else {
      size = parseLength(probe.headers.get('Content-Length'));
    }
    if (size === null) {
      await probe.body?.cancel().catch(() => {});
      throw new Error(`Wick: could not fetch model ${url}: the server does not say how large the file is ` +
        '(no Content-Length or Content-Range header), so it cannot be loaded');
    }
    if (size === 0) throw new Error(`Wick: could not fetch model ${url}: the file is empty`);
    info = { url, size, etag, lastModified, ranges };
    const total = size;

    // ---- the ranges: [start, end) each; range 0 is the probe's body
    const bounds: Array<[number, number]> = [];
    if (ranges) for (let s = 0; s < total; s += rangeSize) bounds.push([s, Math.min(total, s + rangeSize)]);
    else bounds.push([0, total]);

    let headSent = false;
    const headBuf: Uint8Array[] = [];
    let headLen = 0;
    // Holds back the first bytes until `begin` has seen them (and allocated).
    const emit = async (offset: number, bytes: Uint8Array) => {
      if (headSent) return sink.write(offset, bytes);
      headBuf.push(bytes);
      headLen += bytes.length;
      if (headLen < Math.min(HEAD_BYTES, total) && offset + bytes.length < total) return;
      const head = new Uint8Array(headLen);
      let p = 0;
      for (const b of headBuf) { head.set(b, p); p += b.length; }
      headSent = true;
      await sink.begin(info!, head.subarray(0, Math.min(HEAD_BYTES, headLen)));
      sink.write(0, head);
      headResolve();
    };

    const runRange = async (index: number, first: Response | null) => {
      const [start, end] = bounds[index];
      let pos = start;
      let failures = 0;
      let lastError = '';
      let truncations = 0;
      let resp = first;
      for (;;) {
        const before = pos;
        try {
          if (!resp) {
            resp = await doFetch({ headers: { Range: `bytes=${pos}-${end - 1}` } },
              `fetching bytes ${pos}-${end - 1}`);
            if (!resp.ok) {
              if (retryableStatus(resp.status))
                throw new RetryableError(`HTTP ${resp.status} for bytes ${pos}-${end - 1}`, false);
              throw httpError(url, resp);
            }
          }
          // Bytes of the body to drop before `pos` (a 200 restarts at 0).
          let skip = 0;
          if (resp.status === 206) {
            const cr = parseContentRange(resp.headers.get('Content-Range'));
            if (cr && cr.start !== pos)
              throw new Error(`Wick: could not fetch model ${url}: asked for bytes from ${pos}, the server sent from ${cr.start}`);
            if (cr && cr.total !== null && cr.total !== total)
              throw new Error(`Wick: the model file ${url} changed during the download (size ${total} became ${cr.total})`);
          } else {
            skip = pos;
          }
          // (ETags are not compared: CDNs behind redirects, e.g. the hub's,
          // may label ranges of one object differently; the size check above,
          // the GGUF validation and the optional sha256 catch a changed file.)
          const reader = resp.body!.getReader();
          resp = null;
          try {
            while (pos < end) {
              let r: ReadableStreamReadResult<Uint8Array>;
              try {
                r = await reader.read();
              } catch (e) {
                if (signal.aborted) throw signal.reason ?? abortError(outer);
                throw new RetryableError(`connection lost after byte ${pos} (${(e as Error).message || e})`, false);
              }
              if (r.done) break;
              let chunk = r.value;
              if (skip > 0) {
                const n = Math.min(skip, chunk.length);
                skip -= n;
                chunk = chunk.subarray(n);
                if (chunk.length === 0) continue;
              }
              if (chunk.length > end - pos) chunk = chunk.subarray(0, end - pos);
              await emit(pos, chunk);
              pos += chunk.length;
            }
          } finally {
            reader.cancel().catch(() => {});
          }
          if (pos >= end) return;
          truncations++;
          throw new RetryableError(`the connection ended early at byte ${pos}`, true);
        } catch (e) {
          resp = null;
          if (signal.aborted) throw signal.reason ?? fatal ?? abortError(outer);
          if (!(e instanceof RetryableError)) throw e;
          lastError = e.message;
          failures = pos > before ? 1 : failures + 1;
          if (failures > retries) {
            if (truncations > 0 && e.truncated)
              throw new Error(`Wick: the model file ${url} is truncated: the server's data ends at byte ` +
                `${pos}, but Content-Length/Content-Range announced ${total} bytes; retried ${retries} times`);
            throw new Error(`Wick: could not fetch model ${url}: ${lastError}; gave up after ${retries} retries`);
          }
          await sleep(backoffMs * 2 ** (failures - 1), signal);
        }
      }
    };

    // ---- workers: the probe's range first, then the rest in file order
    let nextIndex = 1;
    const worker = async (first: number | null, firstResp: Response | null) => {
      try {
        if (first !== null) await runRange(first, firstResp);
        else await headReady;
        while (!signal.aborted && nextIndex < bounds.length) await runRange(nextIndex++, null);
      } catch (e) {
        fail(e);
      }
    };
    const workers = [worker(0, probe)];
    for (let i = 1; i < Math.min(parallel, bounds.length); i++) workers.push(worker(null, null));
    await Promise.all(workers);
    if (fatal !== null) throw fatal;
    if (outer?.aborted) throw abortError(outer);
    return info;
  } catch (e) {
    fail(e);
    throw e;
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
