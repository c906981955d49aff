#!/usr/bin/env python3
"""Random-weight GGUF models for the GPU benchmark (tests/bench/gpu/README.md).

Full-size models do not fit the device tool's 64 MiB per transfer, so they are
made on the device machine, which has Python 3.12 and numpy and nothing else
we need. Only GGUF *headers* travel: the key/value metadata (tokenizer
included) and tensor table. Tensor data is random with sane block scales
(each quantized block's f16 scale chosen so the dequantized weights have a
standard deviation near 1/sqrt(n_in)), so engines run at full speed on
realistic-sized, finite values; the text they produce is meaningless.

Subcommands
  kit --out models.tar.xz      (here) pack what `make` needs there: the headers
                               of the two real models (build/models/) and the
                               vocab-only GGUFs of Qwen2.5 and Llama 3
                               (build/vocab/), whose tokenizer the synthesized
                               shapes reuse
  make --kit DIR --out DIR [NAME...]
                               (there) write NAME.gguf and NAME.vocab.gguf
                               (metadata only, for tokenizing the prompt) for
                               each NAME in MODELS below (default: all)
  header IN.gguf OUT.hdr       the first bytes of IN up to its tensor data
  vocab IN.gguf OUT.vocab.gguf IN's metadata with no tensors (for tokenizing)
  list                         the model names and what each is

Layouts: `*-clone` models copy a real file's tensor table exactly (same
names, shapes and quant types); the Qwen2.5-1.5B and Llama-3.1-8B shapes are
synthesized with llama-quantize's type choices: Q4_0 = every matrix Q4_0,
output (or the tied embedding) Q6_K; Q4_K_M = Q4_K, with attn_v and ffn_down
Q6_K in the layers llama.cpp's use_more_bits() picks, output Q6_K. Llama 3.1's
rope_freqs tensor (long-context RoPE scaling) is left out: it does not change
the work per token.

Only numpy and the standard library: the device has nothing else we rely on.
"""
import argparse
import io
import os
import struct
import sys
import tarfile
import time

import numpy as np

# ggml type id -> (name, elements per block, bytes per block)
GGML = {
    0: ('F32', 1, 4), 1: ('F16', 1, 2), 2: ('Q4_0', 32, 18), 3: ('Q4_1', 32, 20),
    6: ('Q5_0', 32, 22), 7: ('Q5_1', 32, 24), 8: ('Q8_0', 32, 34), 10: ('Q2_K', 256, 84),
    11: ('Q3_K', 256, 110), 12: ('Q4_K', 256, 144), 13: ('Q5_K', 256, 176),
    14: ('Q6_K', 256, 210), 30: ('BF16', 1, 2),
}
TYPE_ID = {v[0]: k for k, v in GGML.items()}

# GGUF value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: '<B', I8: '<b', U16: '<H', I16: '<h', U32: '<I', I32: '<i', F32: '<f',
          BOOL: '<?', U64: '<Q', I64: '<q', F64: '<d'}


class GGUFError(Exception):
    pass


# ----------------------------------------------------------------- reading
class Reader:
    """Parses a GGUF header (metadata and tensor table) from bytes."""

    def __init__(self, data, name):
        self.b, self.p, self.name = data, 0, name

    def take(self, n, what):
        if self.p + n > len(self.b):
            raise GGUFError(f'{self.name}: truncated at byte {self.p} reading {what} '
                            f'(needs {n} bytes, {len(self.b) - self.p} left)')
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def scalar(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what):
        n = self.scalar('<Q', what)
        return self.take(n, what).decode('utf-8', errors='replace')

    def value(self, t, what):
        if t in SCALAR:
            return self.scalar(SCALAR[t], what)
        if t == STR:
            return self.string(what)
        if t == ARR:
            et = self.scalar('<I', what)
            n = self.scalar('<Q', what)
            if et in SCALAR:  # keep numeric arrays undecoded (token types, scores)
                sz = struct.calcsize(SCALAR[et])
                return ('array', et, n, self.take(sz * n, what))
            return [self.value(et, what) for _ in range(n)]
        raise GGUFError(f'{self.name}: byte {self.p}: unknown value type {t} in {what}')


def read_header(path, max_bytes=64 << 20):
    """Returns (kv list of (key, type, raw bytes, value), tensors list of
    dicts(name, dims, type, offset), data_offset, alignment)."""
    with open(path, 'rb') as f:
        data = f.read(max_bytes)
    r = Reader(data, path)
    if r.take(4, 'magic') != b'GGUF':
        raise GGUFError(f'{path}: not a GGUF file (magic is not "GGUF")')
    ver = r.scalar('<I', 'version')
    if ver not in (2, 3):
        raise GGUFError(f'{path}: GGUF version {ver}, expected 2 or 3')
    n_t = r.scalar('<Q', 'tensor count')
    n_kv = r.scalar('<Q', 'kv count')
    kv = []
    for i in range(n_kv):
        start = r.p
        key = r.string(f'key {i}')
        t = r.scalar('<I', f'type of {key}')
        v = r.value(t, key)
        kv.append((key, t, data[start:r.p], v))
    tensors = []
    for i in range(n_t):
        name = r.string(f'tensor {i} name')
        nd = r.scalar('<I', f'{name} n_dims')
        dims = [r.scalar('<Q', f'{name} dims') for _ in range(nd)]
        tt = r.scalar('<I', f'{name} type')
        off = r.scalar('<Q', f'{name} offset')
        if tt not in GGML:
            raise GGUFError(f'{path}: tensor {name}: ggml type {tt} not supported here')
        tensors.append({'name': name, 'dims': dims, 'type': tt, 'offset': off})
    align = next((v for k, _, _, v in kv if k == 'general.alignment'), 32)
    data_offset = (r.p + align - 1) // align * align
    return kv, tensors, data_offset, align


def read_header_bytes(kv_bytes, n_kv):
    """Decodes n_kv encoded KV entries (as kv_entry or a header holds them)."""
    r = Reader(kv_bytes, 'metadata')
    kv = []
    for i in range(n_kv):
        start = r.p
        key = r.string(f'key {i}')
        t = r.scalar('<I', f'type of {key}')
        kv.append((key, t, kv_bytes[start:r.p], r.value(t, key)))
    return kv


def tensor_bytes(t):
    _, blk, bs = GGML[t['type']]
    n = int(np.prod(t['dims'], dtype=np.int64))
    if t['dims'][0] % blk:
        raise GGUFError(f"tensor {t['name']}: row of {t['dims'][0]} not a multiple of {blk}")
    return n // blk * bs


# ----------------------------------------------------------------- writing
def w_str(s):
    b = s.encode()
    return struct.pack('<Q', len(b)) + b


def kv_entry(key, t, v):
    out = w_str(key) + struct.pack('<I', t)
    if t == STR:
        return out + w_str(v)
    return out + struct.pack(SCALAR[t], v)


def write_header(f, kv_raw, tensors, align=32):
    """kv_raw: list of encoded KV entries; tensors: dicts with name, dims,
    type (offset filled in here). Returns the data offset."""
    off = 0
    for t in tensors:
        t['offset'] = off
        off += (tensor_bytes(t) + align - 1) // align * align
    head = bytearray(b'GGUF' + struct.pack('<IQQ', 3, len(tensors), len(kv_raw)))
    for e in kv_raw:
        head += e
    for t in tensors:
        head += w_str(t['name']) + struct.pack('<I', len(t['dims']))
        head += b''.join(struct.pack('<Q', d) for d in t['dims'])
        head += struct.pack('<IQ', t['type'], t['offset'])
    pad = (-len(head)) % align
    f.write(head + b'\0' * pad)
    return len(head) + pad


# ------------------------------------------------------- random tensor data
def f16(x):
    return np.frombuffer(np.float16(x).tobytes(), np.uint8)


def block_pool(tt, sigma, rng, pool_bytes=8 << 20):
    """pool_bytes of random blocks of ggml type tt with fixed sane scales.
    Weights ~ sigma in standard deviation (approximately)."""
    name, blk, bs = GGML[tt]
    nb = max(1, pool_bytes // bs)
    if blk == 1:  # plain floats
        x = rng.standard_normal(nb).astype(np.float32) * sigma
        if name == 'F32':
            return x.tobytes()
        if name == 'F16':
            return x.astype(np.float16).tobytes()
        return (x.view(np.uint32) >> 16).astype(np.uint16).tobytes()  # BF16
    a = rng.integers(0, 256, size=(nb, bs), dtype=np.uint8)
    # (offset of d, divisor giving d from sigma, offset of dmin/m, dmin = factor * d)
    layout = {
        'Q4_0': (0, 4.61, None, 0), 'Q4_1': (0, 4.61, 2, -7.5), 'Q5_0': (0, 9.23, None, 0),
        'Q5_1': (0, 9.23, 2, -15.5), 'Q8_0': (0, 73.9, None, 0),
        'Q2_K': (80, 7.5 * 1.12, 82, 1.5), 'Q3_K': (108, 32 * 2.3, None, 0),
        'Q4_K': (0, 31.5 * 4.61, 2, 7.5), 'Q5_K': (0, 31.5 * 9.23, 2, 15.5),
        'Q6_K': (208, 74 * 18.5, None, 0),
    }[name]
    d_off, div, m_off, mf = layout
    d = sigma / div
    a[:, d_off:d_off + 2] = f16(d)
    if m_off is not None:
        a[:, m_off:m_off + 2] = f16(mf * d)
    return a.tobytes()


def fill_tensor(f, t, rng, pools):
    """Writes tensor t's data: norms 1.0, biases small, matrices random."""
    n = tensor_bytes(t)
    name, tt = t['name'], t['type']
    if len(t['dims']) == 1 and tt == 0:
        v = 1.0 if 'norm' in name else 0.0
        if name.startswith('rope_freqs'):
            v = 1.0
        x = np.full(t['dims'][0], v, np.float32)
        if 'bias' in name:
            x = rng.standard_normal(t['dims'][0]).astype(np.float32) * 0.02
        f.write(x.tobytes())
        return
    sigma = 1.0 / np.sqrt(t['dims'][0])
    key = (tt, round(float(sigma), 6))
    if key not in pools:
        pools[key] = block_pool(tt, sigma, rng)
    pool = memoryview(pools[key])
    bs = GGML[tt][2]
    nblk_pool = len(pool) // bs
    start = int(rng.integers(0, nblk_pool)) * bs  # a different phase per tensor
    left = n
    while left:
        chunk = pool[start:start + left]
        f.write(chunk)
        left -= len(chunk)
        start = 0


def _gpt2_byte_decoder():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('\xa1'), ord('\xac') + 1)) + \
        list(range(ord('\xae'), ord('\xff') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def unsafe_token_ids(kv):
    """Ids of tokens whose bytes are not valid UTF-8 on their own (byte-level
    BPE pieces of a multi-byte character, SentencePiece <0x80>..<0xFF>).
    Random weights emit them in any order, and wllama 3.13 aborts a stream on
    invalid UTF-8 ("[json.exception.type_error.316] invalid UTF-8 byte"), so
    the output rows of these tokens are written as zeros: their logit is 0,
    far below the best of the other random logits, and greedy decoding never
    picks them. The amount of work per token does not change."""
    val = {k: v for k, _, _, v in kv}
    tokens = val.get('tokenizer.ggml.tokens') or []
    model = val.get('tokenizer.ggml.model', 'gpt2')
    types = val.get('tokenizer.ggml.token_type')
    ttype = np.frombuffer(types[3], np.int32) if isinstance(types, tuple) else None
    dec = _gpt2_byte_decoder()
    bad = []
    for i, tok in enumerate(tokens):
        if model == 'gpt2':
            if ttype is not None and ttype[i] != 1:
                continue
            if not all(c in dec for c in tok):
                continue
            b = bytes(dec[c] for c in tok)
        else:
            if not (tok.startswith('<0x') and tok.endswith('>') and len(tok) == 6):
                continue
            b = bytes([int(tok[3:5], 16)])
        try:
            b.decode('utf-8')
        except UnicodeDecodeError:
            bad.append(i)
    return bad


def write_model(path, kv_raw, tensors, rng, align=32, zero_rows=()):
    """zero_rows: token ids whose rows of the output matrix (output.weight,
    else the tied token_embd.weight) are written as zeros."""
    pools = {}
    names = {t['name'] for t in tensors}
    out_name = 'output.weight' if 'output.weight' in names else 'token_embd.weight'
    with open(path + '.tmp', 'wb') as f:
        base = write_header(f, kv_raw, tensors, align)
        for t in tensors:
            pos = f.tell() - base
            if pos != t['offset']:
                raise GGUFError(f"internal: {t['name']} at {pos}, table says {t['offset']}")
            fill_tensor(f, t, rng, pools)
            end = f.tell()
            if t['name'] == out_name and len(zero_rows):
                _, blk, bs = GGML[t['type']]
                row = t['dims'][0] // blk * bs
                zero = b'\0' * row
                for r in zero_rows:
                    if r < t['dims'][1]:
                        f.seek(base + t['offset'] + r * row)
                        f.write(zero)
                f.seek(end)
            f.write(b'\0' * ((-f.tell()) % align))
    os.replace(path + '.tmp', path)


def write_vocab_only(path, kv_raw):
    with open(path, 'wb') as f:
        write_header(f, kv_raw, [])


# --------------------------------------------------------- synthesized shapes
def use_more_bits(i, n):
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


SHAPES = {
    # arch, n_vocab from the vocab file; n_embd, n_layer, n_head, n_head_kv, n_ff, tied, rope base, eps, qkv bias
    'qwen2.5-1.5b': dict(arch='qwen2', vocab='qwen2_5.gguf', n_embd=1536, n_layer=28, n_head=12,
                         n_head_kv=2, n_ff=8960, tied=True, rope=1e6, eps=1e-6, bias=True,
                         title='Qwen2.5-1.5B shape'),
    'llama3.1-8b': dict(arch='llama', vocab='llama3.gguf', n_embd=4096, n_layer=32, n_head=32,
                        n_head_kv=8, n_ff=14336, tied=False, rope=5e5, eps=1e-5, bias=False,
                        title='Llama-3.1-8B shape'),
}


def synth(shape, qtype, vocab_path):
    s = SHAPES[shape]
    vkv, _, _, _ = read_header(vocab_path)
    tokens = next((v for k, _, _, v in vkv if k == 'tokenizer.ggml.tokens'), None)
    if tokens is None:
        raise GGUFError(f'{vocab_path}: no tokenizer.ggml.tokens')
    n_vocab = len(tokens)
    a, E, L, H, KV, FF = s['arch'], s['n_embd'], s['n_layer'], s['n_head'], s['n_head_kv'], s['n_ff']
    hd = E // H
    ftype = {'q4_0': 2, 'q4_k_m': 15}[qtype]
    base = TYPE_ID['Q4_0'] if qtype == 'q4_0' else TYPE_ID['Q4_K']
    q6 = TYPE_ID['Q6_K']
    kv = [kv_entry('general.architecture', STR, a),
          kv_entry('general.name', STR, f"{s['title']} random {qtype.upper()} (wick bench)"),
          kv_entry('general.file_type', U32, ftype),
          kv_entry(f'{a}.context_length', U32, 32768 if a == 'qwen2' else 131072),
          kv_entry(f'{a}.embedding_length', U32, E),
          kv_entry(f'{a}.block_count', U32, L),
          kv_entry(f'{a}.feed_forward_length', U32, FF),
          kv_entry(f'{a}.attention.head_count', U32, H),
          kv_entry(f'{a}.attention.head_count_kv', U32, KV),
          kv_entry(f'{a}.rope.freq_base', F32, s['rope']),
          kv_entry(f'{a}.attention.layer_norm_rms_epsilon', F32, s['eps'])]
    if a == 'llama':
        kv += [kv_entry('llama.rope.dimension_count', U32, hd), kv_entry('llama.vocab_size', U32, n_vocab)]
    kv += [raw for k, _, raw, _ in vkv if k.startswith('tokenizer.')]
    T = []

    def add(name, dims, tt):
        T.append({'name': name, 'dims': list(dims), 'type': tt})
    add('token_embd.weight', (E, n_vocab), q6 if s['tied'] else base)
    for i in range(L):
        p = f'blk.{i}.'
        add(p + 'attn_norm.weight', (E,), 0)
        add(p + 'attn_q.weight', (E, H * hd), base)
        add(p + 'attn_k.weight', (E, KV * hd), base)
        v_t = q6 if qtype == 'q4_k_m' and use_more_bits(i, L) else base
        add(p + 'attn_v.weight', (E, KV * hd), v_t)
        if s['bias']:
            add(p + 'attn_q.bias', (H * hd,), 0)
            add(p + 'attn_k.bias', (KV * hd,), 0)
            add(p + 'attn_v.bias', (KV * hd,), 0)
        add(p + 'attn_output.weight', (H * hd, E), base)
        add(p + 'ffn_norm.weight', (E,), 0)
        add(p + 'ffn_gate.weight', (E, FF), base)
        add(p + 'ffn_up.weight', (E, FF), base)
        add(p + 'ffn_down.weight', (FF, E), q6 if qtype == 'q4_k_m' and use_more_bits(i, L) else base)
    add('output_norm.weight', (E,), 0)
    if not s['tied']:
        add('output.weight', (E, n_vocab), q6)
    return kv, T


# Models of the benchmark: name -> (how to make it, description)
MODELS = {
    'smollm2-135m-q4_1-clone': ('clone', 'smollm2-135m-instruct-q4_1.hdr',
                                'SmolLM2-135M-Instruct Q4_1 layout, random weights'),
    'gemma3-270m-q4_k_m-clone': ('clone', 'gemma3-270m-q4_k_m.hdr',
                                 'Gemma 3 270M Q4_K_M layout, random weights'),
    'qwen2.5-1.5b-q4_0': ('synth', ('qwen2.5-1.5b', 'q4_0'), 'Qwen2.5-1.5B shape, Q4_0, random weights'),
    'qwen2.5-1.5b-q4_k_m': ('synth', ('qwen2.5-1.5b', 'q4_k_m'), 'Qwen2.5-1.5B shape, Q4_K_M, random weights'),
    'llama3.1-8b-q4_0': ('synth', ('llama3.1-8b', 'q4_0'), 'Llama-3.1-8B shape, Q4_0, random weights'),
    'llama3.1-8b-q4_k_m': ('synth', ('llama3.1-8b', 'q4_k_m'), 'Llama-3.1-8B shape, Q4_K_M, random weights'),
}
REAL = {  # used as-is when present (REAL_MODELS=1 in pack.sh)
    'smollm2-135m-q4_1': 'smollm2-135m-instruct-q4_1.gguf',
    'gemma3-270m-q4_k_m': 'gemma3-270m-q4_k_m.gguf',
}


def cmd_header(src, dst):
    _, _, data_offset, _ = read_header(src)
    with open(src, 'rb') as f:
        head = f.read(data_offset)
    with open(dst, 'wb') as f:
        f.write(head)


def cmd_kit(out, root):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        for real, hdr in [('smollm2-135m-instruct-q4_1.gguf', 'smollm2-135m-instruct-q4_1.hdr'),
                          ('gemma3-270m-q4_k_m.gguf', 'gemma3-270m-q4_k_m.hdr')]:
            src = os.path.join(root, 'build/models', real)
            _, _, data_offset, _ = read_header(src)
            with open(src, 'rb') as f:
                head = f.read(data_offset)
            ti = tarfile.TarInfo(hdr)
            ti.size = len(head)
            tar.addfile(ti, io.BytesIO(head))
        for v in ('qwen2_5.gguf', 'llama3.gguf'):
            tar.add(os.path.join(root, 'build/vocab', v), arcname=v)
    import lzma
    data = lzma.compress(buf.getvalue(), preset=6)
    with open(out, 'wb') as f:
        f.write(data)
    print(f'{out}: {len(data) / 1e6:.1f} MB')


def cmd_make(kit, out, names, seed):
    os.makedirs(out, exist_ok=True)
    for name in names or MODELS:
        if name not in MODELS:
            raise GGUFError(f'unknown model {name!r}; known: {", ".join(MODELS)}')
        how, src, desc = MODELS[name]
        path = os.path.join(out, name + '.gguf')
        rng = np.random.default_rng([seed, len(name)])
        t0 = time.time()
        if how == 'clone':
            kv, tensors, _, align = read_header(os.path.join(kit, src))
            kv_raw = [raw for _, _, raw, _ in kv]
        else:
            kv_raw, tensors = synth(src[0], src[1], os.path.join(kit, SHAPES[src[0]]['vocab']))
            align = 32
        if not (os.path.exists(path) and os.path.exists(path + '.ok')):
            bad = unsafe_token_ids(read_header_bytes(b''.join(kv_raw), len(kv_raw)))
            write_model(path, kv_raw, tensors, rng, align, bad)
            with open(path + '.ok', 'w') as f:
                f.write(f'{len(bad)} output rows zeroed\n')
        write_vocab_only(os.path.join(out, name + '.vocab.gguf'), kv_raw)
        print(f'{name}: {os.path.getsize(path) / 2**30:.2f} GiB, {len(tensors)} tensors, '
              f'{time.time() - t0:.1f} s ({desc})', flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    k = sub.add_parser('kit')
    k.add_argument('--out', required=True)
    k.add_argument('--root', default=os.path.join(os.path.dirname(__file__), '../../..'))
    m = sub.add_parser('make')
    m.add_argument('--kit', required=True)
    m.add_argument('--out', required=True)
    m.add_argument('--seed', type=int, default=1)
    m.add_argument('names', nargs='*')
    h = sub.add_parser('header')
    h.add_argument('src')
    h.add_argument('dst')
    v = sub.add_parser('vocab')
    v.add_argument('src')
    v.add_argument('dst')
    sub.add_parser('list')
    a = ap.parse_args()
    try:
        if a.cmd == 'kit':
            cmd_kit(a.out, a.root)
        elif a.cmd == 'make':
            cmd_make(a.kit, a.out, a.names, a.seed)
        elif a.cmd == 'header':
            cmd_header(a.src, a.dst)
        elif a.cmd == 'vocab':
            write_vocab_only(a.dst, [raw for _, _, raw, _ in read_header(a.src)[0]])
        else:
            for n, (_, _, d) in MODELS.items():
                print(f'{n:28s} {d}')
    except (GGUFError, OSError) as e:
        print(f'gguf_random: {e}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
