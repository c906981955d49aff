#!/usr/bin/env python3
"""Compares `wick info --json MODEL` with the gguf Python package's GGUFReader.

usage: gguf_info_check.py WICK_BIN MODEL.gguf...
Prints every compared field; exits 1 on any mismatch.
"""
import collections
import json
import subprocess
import sys

import gguf


def field_value(reader, key):
    f = reader.fields.get(key)
    if f is None:
        return None
    if hasattr(f, "contents"):
        return f.contents()
    # older gguf-py: scalars and strings only
    part = f.parts[f.data[0]]
    if f.types[0] == gguf.GGUFValueType.STRING:
        return bytes(part).decode("utf-8", errors="replace")
    return part.tolist()[0]


def reference(path):
    r = gguf.GGUFReader(path)
    arch = field_value(r, "general.architecture") or ""
    per_type = collections.Counter(t.tensor_type.name for t in r.tensors)
    bytes_per_type = collections.Counter()
    for t in r.tensors:
        bytes_per_type[t.tensor_type.name] += int(t.n_bytes)
    tokens = r.fields.get("tokenizer.ggml.tokens")
    # GGUFReader adds three pseudo-fields (GGUF.version, GGUF.tensor_count, GGUF.kv_count)
    kv_count = int(r.fields["GGUF.kv_count"].parts[-1][0])

    def u32(suffix):
        v = field_value(r, f"{arch}.{suffix}")
        return int(v) if v is not None else 0

    n_head = u32("attention.head_count")
    n_head_kv = u32("attention.head_count_kv") or n_head
    n_embd = u32("embedding_length")
    return {
        "gguf_version": int(r.fields["GGUF.version"].parts[-1][0]),
        "kv_count": kv_count,
        "tensor_count": len(r.tensors),
        "alignment": int(r.alignment),
        "data_offset": int(r.data_offset),
        "architecture": arch,
        "name": field_value(r, "general.name") or "",
        "n_params": sum(int(t.n_elements) for t in r.tensors),
        "weight_bytes": sum(int(t.n_bytes) for t in r.tensors),
        "tensors_per_type": dict(per_type),
        "bytes_per_type": dict(bytes_per_type),
        "file_type": field_value(r, "general.file_type"),
        "context_length": u32("context_length"),
        "n_layers": u32("block_count"),
        "n_embd": n_embd,
        "n_head": n_head,
        "n_head_kv": n_head_kv,
        "head_dim_k": u32("attention.key_length") or (n_embd // n_head if n_head else 0),
        "head_dim_v": u32("attention.value_length") or (n_embd // n_head if n_head else 0),
        "vocab_size": len(tokens.data) if tokens is not None else 0,
        "vocab_type": field_value(r, "tokenizer.ggml.model") or "",
        "pre_tokenizer": field_value(r, "tokenizer.ggml.pre") or "",
        "has_chat_template": "tokenizer.chat_template" in r.fields,
        "sliding_window": field_value(r, f"{arch}.attention.sliding_window"),
    }


def from_wick(wick_bin, path):
    out = subprocess.run([wick_bin, "info", "--json", path], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{path}: wick info failed ({out.returncode}): {out.stderr.strip()}")
    j = json.loads(out.stdout)
    j["tensors_per_type"] = {gguf.GGMLQuantizationType(t["id"]).name: t["tensors"] for t in j["types"]}
    j["bytes_per_type"] = {gguf.GGMLQuantizationType(t["id"]).name: t["bytes"] for t in j["types"]}
    return j


def main():
    wick_bin, paths = sys.argv[1], sys.argv[2:]
    compared = mismatches = 0
    for path in paths:
        ref = reference(path)
        got = from_wick(wick_bin, path)
        print(f"{path}:")
        for key, want in ref.items():
            have = got.get(key)
            ok = have == want
            compared += 1
            mismatches += not ok
            shown = want if not isinstance(want, str) or len(want) < 60 else want[:57] + "..."
            print(f"  {'ok  ' if ok else 'DIFF'} {key:18} {shown!r}" + ("" if ok else f"  (wick: {have!r})"))
        # the KV-cache figure follows from the compared fields
        kv = ref["n_layers"] * ref["n_head_kv"] * (ref["head_dim_k"] + ref["head_dim_v"]) * 2 * 1024
        ok = got["kv_cache_f16_bytes_per_1k"] == kv
        compared += 1
        mismatches += not ok
        print(f"  {'ok  ' if ok else 'DIFF'} {'kv_cache_per_1k':18} {kv}" + ("" if ok else f"  (wick: {got['kv_cache_f16_bytes_per_1k']})"))
    print(f"gguf_info: {len(paths)} files, {compared} fields compared, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
