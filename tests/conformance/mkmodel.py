#!/usr/bin/env python3
"""wick-mkmodel conformance: for each architecture and several tensor types,
generate a model and check with gguf-py (GGUFReader) that

  - the tensor names, shapes and types are exactly what llama.cpp's loader
    expects (written out independently below, from llama-arch.cpp and
    llama-model.cpp), with llama.cpp's fallback type for rows a k-quant
    cannot hold;
  - the metadata keys and values are as expected;
  - our dequantizer gives the same float bits as gguf.quants.dequantize on
    every tensor, and the values look like what was asked for (weights
    ~N(0, 0.02), norm gains ~1);
  - generation is deterministic per seed;
  - llama.cpp itself loads the file and evaluates a few tokens to finite
    logits (when llama-cpp-python is installed);
  - bad arguments are rejected with a clear message;
  - `vocab` writes a vocab-only file.

Usage: mkmodel.py WICK_MKMODEL TOKENIZER_DIR WORK_DIR"""
import math
import os
import subprocess
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, quants
from gguf.constants import GGML_QUANT_SIZES

np.seterr(all="ignore")
MK, TOKDIR, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
TOKENIZER = os.path.join(TOKDIR, "tokenizer.json")
TOKCONFIG = os.path.join(TOKDIR, "tokenizer_config.json")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


# ---------------------------------------------------------------- spec

ARCH = {
    #         rms_eps, rope_base, tied default, head_dim multiple
    "llama": dict(eps=1e-5, rope=10000.0, tied=False, hd_mult=1),
    "qwen2": dict(eps=1e-6, rope=1e6, tied=True, hd_mult=1),
    "qwen3": dict(eps=1e-6, rope=1e6, tied=True, hd_mult=2),
    "phi3": dict(eps=1e-5, rope=10000.0, tied=False, hd_mult=1),
    "gemma2": dict(eps=1e-6, rope=10000.0, tied=True, hd_mult=2),
    "gemma3": dict(eps=1e-6, rope=1e6, tied=True, hd_mult=2),
}
SIZES = {"tiny": dict(n_embd=64, n_layer=2, n_head=4, n_head_kv=2, n_ff=128, ctx=512),
         "small": dict(n_embd=256, n_layer=4, n_head=4, n_head_kv=2, n_ff=512, ctx=2048)}
FTYPE = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9, "Q4_K": 14,
         "Q5_K": 16, "Q6_K": 18, "BF16": 32}


def matrix_type(t, n_in):
    """llama.cpp's llama_tensor_get_type fallback for rows of n_in."""
    block = GGML_QUANT_SIZES[T[t]][0]
    if n_in % block == 0:
        return t
    alt = {"Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0"}.get(t)
    if alt and n_in % GGML_QUANT_SIZES[T[alt]][0] == 0:
        return alt
    return "F16"


def expected_tensors(arch, h, t, n_vocab, tied):
    """name -> (shape as ne list, type name), as llama.cpp's load_tensors."""
    e, hd, ff = h["n_embd"], h["head_dim"], h["n_ff"]
    qd, kvd = h["n_head"] * hd, h["n_head_kv"] * hd
    out = {}

    def mat(name, n_in, n_out):
        out[name] = ([n_in, n_out], matrix_type(t, n_in))

    def vec(name, n):
        out[name] = ([n], "F32")

    mat("token_embd.weight", e, n_vocab)
    vec("output_norm.weight", e)
    if not tied:
        mat("output.weight", e, n_vocab)
    if arch == "phi3":
        vec("rope_factors_long.weight", hd // 2)
        vec("rope_factors_short.weight", hd // 2)
    for i in range(h["n_layer"]):
        b = f"blk.{i}."
        vec(b + "attn_norm.weight", e)
        if arch == "phi3":
            mat(b + "attn_qkv.weight", e, qd + 2 * kvd)
        else:
            mat(b + "attn_q.weight", e, qd)
            mat(b + "attn_k.weight", e, kvd)
            mat(b + "attn_v.weight", e, kvd)
        if arch == "qwen2":
            vec(b + "attn_q.bias", qd)
            vec(b + "attn_k.bias", kvd)
            vec(b + "attn_v.bias", kvd)
        if arch in ("qwen3", "gemma3"):
            vec(b + "attn_q_norm.weight", hd)
            vec(b + "attn_k_norm.weight", hd)
        mat(b + "attn_output.weight", qd, e)
        vec(b + "ffn_norm.weight", e)
        if arch == "phi3":
            mat(b + "ffn_up.weight", e, 2 * ff)
        else:
            mat(b + "ffn_gate.weight", e, ff)
            mat(b + "ffn_up.weight", e, ff)
        mat(b + "ffn_down.weight", ff, e)
        if arch in ("gemma2", "gemma3"):
            vec(b + "post_attention_norm.weight", e)
            vec(b + "post_ffw_norm.weight", e)
    return out


def expected_kv(arch, h, t):
    """key -> value (floats compared as float32)."""
    a = ARCH[arch]
    kv = {
        "general.architecture": arch,
        "general.alignment": 32,
        "general.file_type": FTYPE[t],
        f"{arch}.context_length": h["ctx"],
        f"{arch}.embedding_length": h["n_embd"],
        f"{arch}.block_count": h["n_layer"],
        f"{arch}.feed_forward_length": h["n_ff"],
        f"{arch}.attention.head_count": h["n_head"],
        f"{arch}.attention.head_count_kv": h["n_head_kv"],
        f"{arch}.attention.layer_norm_rms_epsilon": a["eps"],
        f"{arch}.rope.freq_base": a["rope"],
    }
    if t not in ("F32", "F16", "BF16"):
        kv["general.quantization_version"] = 2
    if arch in ("qwen3", "gemma2", "gemma3") or h["head_dim"] * h["n_head"] != h["n_embd"]:
        kv[f"{arch}.attention.key_length"] = h["head_dim"]
        kv[f"{arch}.attention.value_length"] = h["head_dim"]
    if arch in ("llama", "phi3"):
        kv[f"{arch}.rope.dimension_count"] = h["head_dim"]
    if arch in ("phi3", "gemma2", "gemma3"):
        kv[f"{arch}.attention.sliding_window"] = h["swa"]
    if arch == "gemma2":
        kv["gemma2.attn_logit_softcapping"] = 50.0
        kv["gemma2.final_logit_softcapping"] = 30.0
    if arch == "phi3":
        orig = h["ctx"] // 4
        kv["phi3.rope.scaling.original_context_length"] = orig
        kv["phi3.rope.scaling.attn_factor"] = math.sqrt(1 + math.log(h["ctx"] / orig) / math.log(orig))
    return kv


# ------------------------------------------------------------ helpers

def mkmodel(args, check=True):
    p = subprocess.run([MK] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"wick-mkmodel {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def field_value(r, key):
    f = r.fields[key]
    v = f.contents()
    return v


def our_dequantize(type_name, raw):
    p = subprocess.run([MK, "quant-roundtrip", "--type", type_name, "--dequantize"], input=raw.tobytes(),
                       stdout=subprocess.PIPE, check=True)
    return np.frombuffer(p.stdout, dtype=np.float32)


def bits_equal(a, b):
    a = np.asarray(a, dtype=np.float32).ravel()
    b = np.asarray(b, dtype=np.float32).ravel()
    return (a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))


def check_model(label, path, arch, t, h, tied):
    r = GGUFReader(path)
    n_vocab = len(r.fields["tokenizer.ggml.tokens"].data)
    want = expected_tensors(arch, h, t, n_vocab, tied)
    got = {x.name: x for x in r.tensors}
    if set(got) != set(want):
        fail(f"{label}: tensors missing {sorted(set(want) - set(got))[:5]}, "
             f"unexpected {sorted(set(got) - set(want))[:5]}")
    n_deq_mismatch = 0
    n_values = 0
    by_type = {}  # type -> [(name, raw bytes, gguf-py values)], dequantized by us in one call
    for name, (shape, tt) in want.items():
        x = got.get(name)
        if x is None:
            continue
        if [int(s) for s in x.shape] != shape or x.tensor_type.name != tt:
            fail(f"{label}: {name} is {x.tensor_type.name} {[int(s) for s in x.shape]}, want {tt} {shape}")
            continue
        if x.data_offset % 32:
            fail(f"{label}: {name} data at offset {x.data_offset} is not 32-aligned")
        raw = np.ascontiguousarray(x.data).view(np.uint8).reshape(-1)
        ref = quants.dequantize(x.data, x.tensor_type).reshape(-1)
        by_type.setdefault(tt, []).append((name, raw, ref))
        # the values asked for: weights ~N(0, 0.02), gains ~1 (+-0.1), biases small
        mean, std = float(ref.mean()), float(ref.std())
        if name.endswith("norm.weight"):
            ok = abs(mean - 1) < 0.1 and 0.01 < std < 0.2
        elif name.startswith("rope_factors"):
            ok = float(ref.min()) >= 1.0
        elif ref.size >= 1024:
            ok = abs(mean) < 0.005 and 0.015 < std < 0.025
        else:
            ok = abs(mean) < 0.02 and std < 0.05
        if not ok:
            fail(f"{label}: {name} has mean {mean:.4f}, std {std:.4f}")
    for tt, items in by_type.items():
        ours = our_dequantize(tt, np.concatenate([raw for _, raw, _ in items]))
        ref = np.concatenate([r for _, _, r in items])
        n_deq_mismatch += int((~bits_equal(ours, ref)).sum())
        n_values += ref.size
    if n_deq_mismatch:
        fail(f"{label}: {n_deq_mismatch} of {n_values} dequantized values differ from gguf-py")
    for key, val in expected_kv(arch, h, t).items():
        if key not in r.fields:
            fail(f"{label}: metadata {key} missing")
            continue
        v = field_value(r, key)
        if isinstance(val, float):
            good = np.float32(v) == np.float32(val)
        else:
            good = v == val
        if not good:
            fail(f"{label}: metadata {key} = {v!r}, want {val!r}")
    for key in ("general.name", "tokenizer.ggml.model", "tokenizer.ggml.tokens"):
        if key not in r.fields:
            fail(f"{label}: metadata {key} missing")
    return len(want), n_values, n_deq_mismatch


def llama_cpp_eval(paths):
    """Loads each model with llama.cpp and evaluates a short prompt."""
    try:
        import llama_cpp
    except ImportError:
        return None
    results = {}
    for label, path in paths:
        try:
            llm = llama_cpp.Llama(model_path=path, n_ctx=64, n_batch=64, verbose=False, logits_all=True)
            toks = llm.tokenize(b"The quick brown fox jumps over the lazy dog.", add_bos=True)
            llm.eval(toks)
            s = np.array(llm.scores[:llm.n_tokens])
            ok = bool(np.isfinite(s).all()) and float(np.abs(s).max()) > 0
            results[label] = "ok" if ok else "non-finite or all-zero logits"
            del llm
        except Exception as e:  # noqa: BLE001 (report any load failure)
            results[label] = f"load failed: {e}"
    return results


# -------------------------------------------------------------- cases

CASES = [  # arch, type, size, extra args
    ("llama", "Q4_0", "tiny", ["--tied"]),  # the first case uses the full 32k vocabulary
    ("llama", "F32", "tiny", []),
    ("llama", "Q4_K", "tiny", []),          # 64-wide rows: falls back to Q5_0
    ("qwen2", "Q8_0", "tiny", []),
    ("qwen2", "Q5_0", "tiny", ["--untied"]),
    ("qwen3", "BF16", "tiny", []),
    ("qwen3", "Q6_K", "small", []),
    ("qwen3", "Q4_1", "tiny", ["--n-embd", "96", "--n-head", "6", "--n-head-kv", "3", "--n-ff", "160",
                               "--head-dim", "32"]),
    ("phi3", "Q5_1", "tiny", []),
    ("phi3", "Q5_K", "tiny", []),           # falls back to Q5_1
    ("phi3", "Q4_K", "small", []),
    ("gemma2", "F16", "tiny", []),
    ("gemma2", "Q6_K", "tiny", ["--n-ff", "96"]),  # Q8_0 fallback, F16 for the 96-wide ffn_down
    ("gemma3", "Q4_1", "tiny", []),
    ("gemma3", "Q5_K", "small", ["--n-layer", "6", "--sliding-window", "64"]),  # a global layer too
    ("llama", "Q8_0", "small", ["--ctx", "8192"]),
]


def resolve(arch, size, extra):
    h = dict(SIZES[size])
    opts = dict(zip(extra[::2], extra[1::2]))
    for k, name in (("n_embd", "--n-embd"), ("n_layer", "--n-layer"), ("n_head", "--n-head"),
                    ("n_head_kv", "--n-head-kv"), ("n_ff", "--n-ff"), ("ctx", "--ctx")):
        if name in opts:
            h[k] = int(opts[name])
    h["head_dim"] = int(opts.get("--head-dim", ARCH[arch]["hd_mult"] * (h["n_embd"] // h["n_head"])))
    h["swa"] = int(opts.get("--sliding-window", h["ctx"] // 16 if h["ctx"] // 16 >= 16 else h["ctx"]))
    tied = ARCH[arch]["tied"]
    if "--tied" in extra:
        tied = True
    if "--untied" in extra:
        tied = False
    return h, tied


def trimmed_tokenizer(n_keep):
    """The first n_keep ids of the tokenizer (control and byte tokens come
    first in SentencePiece vocabularies), with the merges among them: a real
    tokenizer.json, small enough that every test model stays quick to write
    and to read back."""
    import json
    tj = json.load(open(TOKENIZER, encoding="utf-8"))
    vocab = {k: v for k, v in tj["model"]["vocab"].items() if v < n_keep}
    merges = []
    for m in tj["model"]["merges"]:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(m)
    tj["model"]["vocab"] = vocab
    tj["model"]["merges"] = merges
    tj["added_tokens"] = [t for t in tj.get("added_tokens", []) if t["id"] < n_keep]
    path = os.path.join(WORK, f"tokenizer-{n_keep}.json")
    json.dump(tj, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    return path


os.makedirs(WORK, exist_ok=True)
FULL_TOKENIZER = TOKENIZER
TOKENIZER = trimmed_tokenizer(1000)
generated = []
n_tensors = n_values = n_mismatch = 0
for arch, t, size, extra in CASES:
    label = f"{arch}/{t}/{size}{'/' + ' '.join(extra) if extra else ''}"
    if not generated:
        label += " (full-vocab)"
    path = os.path.join(WORK, f"{arch}-{t}-{size}-{len(generated)}.gguf")
    mkmodel(["random", "--arch", arch, "--type", t.lower() if len(generated) % 2 else t, "--size", size,
             "--tokenizer", FULL_TOKENIZER if "full-vocab" in label else TOKENIZER, "--tokenizer-config", TOKCONFIG, "--seed", "7", "-o", path] + extra)
    h, tied = resolve(arch, size, extra)
    a, b, c = check_model(label, path, arch, t, h, tied)
    n_tensors += a
    n_values += b
    n_mismatch += c
    generated.append((label, path))

# determinism: same seed -> same bytes; another seed -> other weights, same layout
base = ["random", "--arch", "gemma3", "--type", "q8_0", "--tokenizer", TOKENIZER]
p1, p2, p3 = (os.path.join(WORK, f"det{i}.gguf") for i in range(3))
mkmodel(base + ["--seed", "42", "-o", p1])
mkmodel(base + ["--seed", "42", "-o", p2])
mkmodel(base + ["--seed", "43", "-o", p3])
b1, b2, b3 = (open(p, "rb").read() for p in (p1, p2, p3))
if b1 != b2:
    fail("same seed gave different files")
if b1 == b3 or len(b1) != len(b3):
    fail("another seed should give another file of the same size")

# llama.cpp loads and runs every generated model
ll = llama_cpp_eval(generated)
if ll is None:
    ll_summary = "skipped (llama-cpp-python not installed)"
else:
    bad = {k: v for k, v in ll.items() if v != "ok"}
    for k, v in bad.items():
        fail(f"llama.cpp: {k}: {v}")
    ll_summary = f"{len(ll) - len(bad)}/{len(ll)} loaded and evaluated to finite logits"

# bad arguments: exit status 2 and a message that names the problem
out = os.path.join(WORK, "bad.gguf")
tok = ["--tokenizer", TOKENIZER, "-o", out]
BAD = [
    (["random", "--arch", "gpt5", "--type", "q8_0"] + tok, 2, ["unknown architecture 'gpt5'", "llama, qwen2"]),
    (["random", "--arch", "llama", "--type", "q3_K"] + tok, 2, ["unknown type 'q3_K'", "q4_K"]),
    (["random", "--arch", "llama"] + tok, 2, ["--type is required"]),
    (["random", "--arch", "llama", "--type", "f32", "--n-embd", "100", "--n-head", "3"] + tok, 2,
     ["not divisible by --n-head 3"]),
    (["random", "--arch", "llama", "--type", "f32", "--n-head", "4", "--n-head-kv", "3"] + tok, 2,
     ["not a multiple of --n-head-kv 3"]),
    (["random", "--arch", "phi3", "--type", "f32", "--head-dim", "32"] + tok, 2, ["phi3 needs head dim"]),
    (["random", "--arch", "gemma2", "--type", "f32", "--untied"] + tok, 2, ["--untied", "gemma2"]),
    (["random", "--arch", "llama", "--type", "f32", "--sliding-window", "8"] + tok, 2, ["no sliding-window"]),
    (["random", "--arch", "llama", "--type", "f32", "--n-layer", "0"] + tok, 2, ["--n-layer '0'"]),
    (["random", "--arch", "llama", "--type", "f32", "--n-embd", "12x"] + tok, 2, ["--n-embd '12x'"]),
    (["random", "--arch", "llama", "--type", "f32", "--size", "huge"] + tok, 2, ["unknown --size 'huge'"]),
    (["random", "--arch", "llama", "--type", "f32", "--bogus", "1"] + tok, 2, ["unknown option '--bogus'"]),
    (["random", "--arch", "llama", "--type", "f32", "-o", out], 2, ["--tokenizer tokenizer.json is required"]),
    (["random", "--arch", "llama", "--type", "f32", "--tokenizer", "/nonexistent/tokenizer.json", "-o", out], 1,
     ["/nonexistent/tokenizer.json"]),
    (["vocab", "--tokenizer", TOKENIZER], 2, ["-o OUT.gguf is required"]),
    (["frobnicate"], 2, ["unknown command 'frobnicate'"]),
]
bad_fail = 0
for args, code, frags in BAD:
    p = mkmodel(args, check=False)
    if p.returncode != code or not all(f in p.stderr for f in frags):
        bad_fail += 1
        fail(f"wick-mkmodel {' '.join(args[:6])}...: exit {p.returncode} (want {code}), stderr {p.stderr.strip()!r}")
    if os.path.exists(out):
        fail(f"wick-mkmodel {' '.join(args[:6])}... left {out} behind")
        os.remove(out)

# vocab-only file
vp = os.path.join(WORK, "vocab.gguf")
mkmodel(["vocab", "--tokenizer", TOKENIZER, "--tokenizer-config", TOKCONFIG, "--name", "Phi-3 test", "-o", vp])
vr = GGUFReader(vp)
if len(vr.tensors) != 0 or field_value(vr, "general.architecture") != "llama" or \
        len(vr.fields["tokenizer.ggml.tokens"].data) == 0 or field_value(vr, "general.name") != "Phi-3 test":
    fail("vocab: expected a llama vocab-only file named 'Phi-3 test' with tokens and no tensors")
if mkmodel(["vocab", "--help"], check=False).stdout.find("--name") < 0:
    fail("vocab --help does not mention --name")

print(f"mkmodel: {len(CASES)} models ({len(set(c[0] for c in CASES))} architectures, "
      f"{len(set(c[1] for c in CASES))} types), {n_tensors} tensors checked, "
      f"{n_mismatch} of {n_values} dequantized values differ from gguf-py; determinism checked; "
      f"llama.cpp: {ll_summary}; {len(BAD)} bad invocations, {bad_fail} not rejected properly; "
      f"{len(failures)} failures")
sys.exit(1 if failures else 0)
