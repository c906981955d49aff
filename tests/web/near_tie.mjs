// Native-vs-wasm parity of greedy outputs, allowing a divergence only at a
// near tie. The simd128, AVX2 and scalar kernels each match the reference
// dot products within ~1e-6, but through SmolLM2's 30 layers the logits of
// two kernel paths differ by up to ~0.5 (max; ~0.1 mean; llama.cpp differs
// from all of them as much), so greedy ids of two ISAs agree only until
// two candidates are nearly tied. Like tests/conformance/parity.py does
// against llama.cpp, a comparison walks token by token; at the first
// difference it looks up the WASM logit margin between the wasm token and
// the native one and accepts the divergence only below NEAR_TIE (printing
// the step and the margin). A larger margin is a real difference: failure.
//
// NEAR_TIE (logits; WICK_NEAR_TIE overrides) is 0.25: about half the
// largest cross-ISA logit difference measured on SmolLM2, a quarter of the
// typical top-2 gap of a confident step (>= 1).

export const NEAR_TIE = Number(process.env.WICK_NEAR_TIE || 0.25);

/** Index of the first difference of two sequences (their common length if one is a prefix). */
export function firstDifference(a, b, same = (x, y) => x === y) {
  let i = 0;
  while (i < a.length && i < b.length && same(a[i], b[i])) i++;
  return i;
}

/** Verdict on greedy id sequences: `wasm` and `native` continue `prompt`.
 *  logitsAt(ids) returns the wasm logits after ids (core.promptLogits).
 *  Returns {ok, same, step, margin, note}. */
export function judgeIds({ prompt, wasm, native, logitsAt, threshold = NEAR_TIE }) {
  const i = firstDifference(wasm, native);
  const n = Math.max(wasm.length, native.length);
  if (i === n) return { ok: true, same: true, step: null, margin: null, note: `${n}/${n} ids identical` };
  if (i >= wasm.length || i >= native.length) {
    // One stopped early (an end-of-generation token on one side only would
    // itself be a differing id; a shorter list means a different max).
    return { ok: false, same: false, step: i, margin: null,
      note: `one side stopped at step ${i} (wasm ${wasm.length} ids, native ${native.length})` };
  }
  const l = logitsAt(Array.from(prompt).concat(wasm.slice(0, i)));
  const margin = l[wasm[i]] - l[native[i]];
  const ok = Number.isFinite(margin) && Math.abs(margin) < threshold;
  return { ok, same: false, step: i, margin,
    note: `${i}/${n} ids identical, then wasm ${wasm[i]} vs native ${native[i]} at step ${i}: wasm logit margin ` +
      `${margin.toFixed(4)} ${ok ? `< ${threshold}: a near tie, accepted` : `>= ${threshold}: a REAL difference`}` };
}

/** Verdict on two chat.completion responses made with logprobs: true and
 *  top_logprobs >= 2: their choices[0].logprobs.content token lists are
 *  compared; at the first difference the wasm response's own top_logprobs
 *  give the margin (a logprob difference is the logit difference). */
export function judgeChatLogprobs(wasmResp, nativeResp, threshold = NEAR_TIE) {
  const w = wasmResp?.choices?.[0]?.logprobs?.content;
  const n = nativeResp?.choices?.[0]?.logprobs?.content;
  if (!Array.isArray(w) || !Array.isArray(n))
    return { ok: false, same: false, step: null, margin: null, note: 'a response has no logprobs.content' };
  const key = (t) => JSON.stringify(t.bytes ?? t.token);
  const i = firstDifference(w, n, (a, b) => key(a) === key(b));
  const len = Math.max(w.length, n.length);
  if (i === len) {
    const sameFinish = wasmResp.choices[0].finish_reason === nativeResp.choices[0].finish_reason;
    return { ok: sameFinish, same: true, step: null, margin: null,
      note: `${len}/${len} tokens identical${sameFinish ? '' : ', but finish_reason differs'}` };
  }
  if (i >= w.length || i >= n.length)
    return { ok: false, same: false, step: i, margin: null,
      note: `one side stopped at token ${i} (wasm ${w.length}, native ${n.length} tokens)` };
  const alt = (w[i].top_logprobs ?? []).find((t) => key(t) === key(n[i]));
  const margin = alt ? w[i].logprob - alt.logprob : Infinity;
  const ok = margin < threshold;
  return { ok, same: false, step: i, margin,
    note: `${i}/${len} tokens identical, then wasm ${JSON.stringify(w[i].token)} vs native ` +
      `${JSON.stringify(n[i].token)} at step ${i}: wasm logit margin ` +
      `${alt ? margin.toFixed(4) : `> ${(w[i].logprob - (w[i].top_logprobs?.at(-1)?.logprob ?? w[i].logprob)).toFixed(4)} (native token not in wasm's top ${w[i].top_logprobs?.length ?? 0})`}` +
      ` ${ok ? `< ${threshold}: a near tie, accepted` : `>= ${threshold}: a REAL difference`}` };
}

/** A response with the logprob numbers removed (tokens kept), for comparing
 *  everything else exactly; usage.extra (timings) removed too. */
export function withoutLogprobNumbers(resp) {
  const c = JSON.parse(JSON.stringify(resp));
  if (c.usage) delete c.usage.extra;
  for (const ch of c.choices ?? []) {
    for (const t of ch.logprobs?.content ?? []) {
      delete t.logprob;
      for (const a of t.top_logprobs ?? []) delete a.logprob;
      t.top_logprobs = (t.top_logprobs ?? []).slice(0, 1); // the argmax only: lower ranks may swap at ties
    }
  }
  return c;
}

/** Largest |wasm - native| logprob of the chosen tokens (same token lists). */
export function maxLogprobDiff(wasmResp, nativeResp) {
  const w = wasmResp.choices[0].logprobs.content, n = nativeResp.choices[0].logprobs.content;
  let d = 0;
  for (let i = 0; i < Math.min(w.length, n.length); i++) d = Math.max(d, Math.abs(w[i].logprob - n[i].logprob));
  return d;
}
