// A stand-in for the wasm core's model-buffer half (web/src/core_types.ts:
// WickCore.allocModel / CoreModelBuffer), for testing the loader without the
// wasm build. It is strict where the real one must be: writes out of bounds
// or overlapping, opening a buffer not completely written, use after free,
// and it parses the GGUF header itself (magic, version, metadata, tensor
// infos) so checkHeader answers {needBytes} / {ok} / throws as the core does.
// Works in Node and in the browser.

export class FakeCoreError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'WickCoreError';
    this.code = code;
  }
}

// Where a GGUF header (through the tensor infos) ends, or {need: n} when
// `bytes` (the first `len` bytes of the file) is too short; throws on bad input.
export function ggufHeaderEnd(bytes, len) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  let p = 0;
  const need = (n) => {
    if (p + n > len) throw { need: p + n };
  };
  const u32 = () => { need(4); const v = dv.getUint32(p, true); p += 4; return v; };
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FakeCoreError(`GGUF: count ${v} too large at byte ${p - 8}`, 'FORMAT');
    return Number(v);
  };
  const str = () => { const n = u64(); need(n); p += n; };
  const SIZES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const value = (t) => {
    if (t === 8) return str();
    if (t === 9) {
      const et = u32(); const n = u64();
      if (et === 8) { for (let i = 0; i < n; i++) str(); return; }
      if (!(et in SIZES)) throw new FakeCoreError(`GGUF: bad array element type ${et}`, 'FORMAT');
      need(n * SIZES[et]); p += n * SIZES[et]; return;
    }
    if (!(t in SIZES)) throw new FakeCoreError(`GGUF: bad value type ${t} at byte ${p}`, 'FORMAT');
    need(SIZES[t]); p += SIZES[t];
  };
  try {
    need(4);
    if (bytes[0] !== 0x47 || bytes[1] !== 0x47 || bytes[2] !== 0x55 || bytes[3] !== 0x46)
      throw new FakeCoreError('GGUF: bad magic (not a GGUF file) at byte 0', 'FORMAT');
    p = 4;
    const version = u32();
    if (version !== 2 && version !== 3) throw new FakeCoreError(`GGUF: unsupported version ${version}`, 'FORMAT');
    const nTensors = u64();
    const nKv = u64();
    for (let i = 0; i < nKv; i++) { str(); value(u32()); }
    for (let i = 0; i < nTensors; i++) {
      str();
      const nd = u32();
      if (nd > 4) throw new FakeCoreError(`GGUF: tensor ${i} has ${nd} dimensions`, 'FORMAT');
      need(nd * 8 + 4 + 8); p += nd * 8 + 4 + 8;
    }
    return { end: p };
  } catch (e) {
    if (e && typeof e.need === 'number') return { need: e.need };
    throw e;
  }
}

export function createFakeCore({ maxModelBytes = 2 ** 32 } = {}) {
  const models = new Map();
  let nextHandle = 1;
  const core = {
    threads: 1,
    maxModelBytes,
    isa: 'fake',
    stats: { allocs: 0, frees: 0, opens: 0, writes: 0, headerChecks: 0, live: 0 },
    models,
    allocModel(size) {
      if (!Number.isSafeInteger(size) || size <= 0) throw new FakeCoreError(`allocModel: bad size ${size}`, 'INVALID_ARG');
      if (size > maxModelBytes) throw new FakeCoreError(`allocModel: ${size} bytes exceed ${maxModelBytes}`, 'LIMIT');
      const data = new Uint8Array(size);
      let written = 0;
      let state = 'open';
      core.stats.allocs++;
      core.stats.live++;
      const alive = (what) => {
        if (state !== 'open') throw new FakeCoreError(`${what} on a ${state} model buffer`, 'INVALID_ARG');
      };
      return {
        size,
        write(offset, bytes) {
          alive('write');
          if (!(bytes instanceof Uint8Array)) throw new FakeCoreError('write: bytes must be a Uint8Array', 'INVALID_ARG');
          if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes.length > size)
            throw new FakeCoreError(`write: [${offset}, ${offset + bytes.length}) outside [0, ${size})`, 'INVALID_ARG');
          data.set(bytes, offset);
          written += bytes.length;
          if (written > size) throw new FakeCoreError(`write: ${written} bytes written into a ${size}-byte buffer (overlap)`, 'INVALID_ARG');
          core.stats.writes++;
        },
        checkHeader(prefix) {
          alive('checkHeader');
          core.stats.headerChecks++;
          if (!Number.isSafeInteger(prefix) || prefix < 0 || prefix > size)
            throw new FakeCoreError(`checkHeader: prefix ${prefix} outside [0, ${size}]`, 'INVALID_ARG');
          const r = ggufHeaderEnd(data, prefix);
          if (r.need !== undefined) return { needBytes: r.need };
          if (r.end > size) throw new FakeCoreError('GGUF: header runs past the end of the file', 'FORMAT');
          return { ok: true };
        },
        /** The written bytes, checked, handed over to a model (open / openModelShards). */
        _seal() {
          alive('open');
          if (written !== size) throw new FakeCoreError(`open: only ${written} of ${size} bytes written`, 'INVALID_ARG');
          const r = ggufHeaderEnd(data, size);
          if (r.need !== undefined) throw new FakeCoreError('GGUF: truncated header', 'FORMAT');
          state = 'opened';
          return data;
        },
        open() {
          const d = this._seal();
          core.stats.opens++;
          const h = nextHandle++;
          models.set(h, d);
          return h;
        },
        free() {
          alive('free');
          state = 'freed';
          core.stats.frees++;
          core.stats.live--;
        },
      };
    },
    /** A split model: the shards' bytes, in order (one live model; the
     *  buffers are consumed, or released on failure, as the real core does). */
    openModelShards(bufs) {
      if (!Array.isArray(bufs) || bufs.length === 0) throw new FakeCoreError('openModelShards: no buffers', 'INVALID_ARG');
      const datas = [];
      try {
        for (const b of bufs) datas.push(b._seal());
      } catch (e) {
        core.stats.live -= datas.length; // the sealed ones go with the failed open
        for (const b of bufs.slice(datas.length)) try { b.free(); } catch { /* not live */ }
        throw e;
      }
      core.stats.opens++;
      core.stats.live -= bufs.length - 1; // n buffers became one model
      const h = nextHandle++;
      models.set(h, datas);
      return h;
    },
    modelInfo(h) {
      const d = models.get(h);
      if (!d) throw new FakeCoreError(`modelInfo: no model ${h}`, 'INVALID_ARG');
      return Array.isArray(d) ? { size: d.reduce((a, x) => a + x.length, 0), shards: d.length } : { size: d.length };
    },
    closeModel(h) {
      if (!models.delete(h)) throw new FakeCoreError(`closeModel: no model ${h}`, 'INVALID_ARG');
      core.stats.live--;
    },
    /** SHA-256 hex of an opened model's bytes (WebCrypto or node:crypto). */
    async modelSha256(h) {
      const d = models.get(h);
      const hex = async (x) => Array.from(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', x)),
        (b) => b.toString(16).padStart(2, '0')).join('');
      if (Array.isArray(d)) return (await Promise.all(d.map(hex))).join(','); // a split model: one per shard
      return hex(d);
    },
  };
  return core;
}
