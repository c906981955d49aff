"""`wick api` on SmolLM2 against OpenAI's shapes and semantics.

Every response, stream chunk and error is validated with the official
`openai` package's pydantic models (ChatCompletion, ChatCompletionChunk,
Completion, ErrorObject: the independent reference for the shapes), and
the semantics are checked against each other: greedy answers the question,
streamed content == non-streamed content, stop strings cut exactly before
the stop, seeds reproduce, choice i of n equals a single request with
seed + i (Wick's documented scheme), max_tokens gives finish "length",
include_usage adds one choices-[] chunk, a second turn reuses the KV prefix
and answers as a fresh engine does, invalid requests name their param.

Usage: python3 api.py WICK_BIN MODEL
"""
import json
import subprocess
import sys

from openai.types import Completion
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.shared import ErrorObject

WICK, MODEL = sys.argv[1], sys.argv[2]
failures = 0


def check(cond, what, detail=""):
    global failures
    if cond:
        print(f"ok   {what}")
    else:
        failures += 1
        print(f"FAIL {what} {detail}")


def wick(body, *args, lines=None):
    """Runs `wick api`; returns (rc, stdout)."""
    text = "\n".join(json.dumps(b) for b in lines) + "\n" if lines else json.dumps(body)
    p = subprocess.run([WICK, "api", "-m", MODEL, "-t", "2", "--created", "1700000000", *args],
                       input=text.encode(), capture_output=True, timeout=600)
    return p.returncode, p.stdout.decode()


def parse_sse(out):
    """data: lines -> list of chunk dicts; checks the [DONE] terminator."""
    events = [e for e in out.split("\n\n") if e.strip()]
    check(events and events[-1] == "data: [DONE]", "stream ends with data: [DONE]", repr(out[-80:]))
    chunks = []
    for e in events[:-1]:
        assert e.startswith("data: "), e
        chunks.append(json.loads(e[len("data: "):]))
    return chunks


# The system message gives greedy a clear first token (without it "The"
# leads "L" by only ~0.04 nats on SmolLM2, and kernel rounding can flip it).
SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


def chat(content, **kw):
    return {"messages": [SYSTEM, {"role": "user", "content": content}], **kw}


Q = "What is the capital of France?"

# ---- greedy, non-streamed
rc, out = wick(chat(Q, temperature=0, max_tokens=24))
check(rc == 0, "greedy chat exits 0", out)
resp = json.loads(out)
ChatCompletion.model_validate(resp)
check(resp["object"] == "chat.completion", "object chat.completion")
text = resp["choices"][0]["message"]["content"]
check("Paris" in text, f"greedy answer mentions Paris: {text!r}")
check(resp["choices"][0]["message"]["role"] == "assistant" and resp["choices"][0]["message"]["refusal"] is None,
      "message role assistant, refusal null")
u = resp["usage"]
check(u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"] and u["completion_tokens"] > 0,
      "usage adds up", u)
check(set(u["extra"]) == {"prefill_tokens_per_s", "decode_tokens_per_s", "time_to_first_token_s",
                          "prompt_tokens_reused"}, "usage.extra fields", u["extra"])
check(resp["choices"][0]["finish_reason"] == "stop", "finish_reason stop at end of generation")

# ---- the same, streamed with usage
rc, out = wick(chat(Q, temperature=0, max_tokens=24, stream=True, stream_options={"include_usage": True}))
chunks = parse_sse(out)
for c in chunks:
    ChatCompletionChunk.model_validate(c)
check(all(c["object"] == "chat.completion.chunk" for c in chunks), "chunks are chat.completion.chunk")
check(len({c["id"] for c in chunks}) == 1, "one id across chunks")
check(chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}, "first delta: role + empty content",
      chunks[0])
streamed = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
check(streamed == text, "streamed content == non-streamed content", f"{streamed!r} vs {text!r}")
fin = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
check(len(fin) == 1 and fin[0]["choices"][0]["delta"] == {} and fin[0]["choices"][0]["finish_reason"] == "stop",
      "one final chunk, empty delta")
check(chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == u["completion_tokens"]
      and chunks[-1]["usage"]["prompt_tokens"] == u["prompt_tokens"], "include_usage: last chunk has usage")
check(all("usage" in c and c["usage"] is None for c in chunks[:-1]), "other chunks carry usage: null")

rc, out = wick(chat(Q, temperature=0, max_tokens=4, stream=True))
chunks = parse_sse(out)
check(all("usage" not in c for c in chunks), "without include_usage chunks have no usage field")
check(chunks[-1]["choices"][0]["finish_reason"] == "length", "max_tokens 4 streamed: finish length")

# ---- stop strings (one inside a token sequence, one across tokens)
for stop in (["Paris"], ["of Fr", "zzz"], "is"):
    s = stop if isinstance(stop, str) else min((text.find(x) for x in stop if x in text), default=-1)
    first = text.find(stop) if isinstance(stop, str) else s
    rc, out = wick(chat(Q, temperature=0, max_tokens=24, stop=stop))
    r = json.loads(out)
    ChatCompletion.model_validate(r)
    got = r["choices"][0]["message"]["content"]
    check(first >= 0 and got == text[:first] and r["choices"][0]["finish_reason"] == "stop",
          f"stop {stop!r} cuts before it: {got!r}")
    rc, out = wick(chat(Q, temperature=0, max_tokens=24, stop=stop, stream=True))
    streamed = "".join(c["choices"][0]["delta"].get("content") or "" for c in parse_sse(out))
    check(streamed == got, f"stop {stop!r} streamed == non-streamed")

# ---- max_tokens
rc, out = wick(chat(Q, temperature=0, max_tokens=3))
r = json.loads(out)
check(r["choices"][0]["finish_reason"] == "length" and r["usage"]["completion_tokens"] == 3,
      "max_tokens 3: finish length, 3 tokens")

# ---- seeds and n
body = chat("Tell me a story.", temperature=1.0, max_tokens=12, seed=42)
a, b = json.loads(wick(body)[1]), json.loads(wick(body)[1])
check(a["choices"][0]["message"]["content"] == b["choices"][0]["message"]["content"], "same seed, same text")
n3 = json.loads(wick({**body, "n": 3})[1])
ChatCompletion.model_validate(n3)
check([c["index"] for c in n3["choices"]] == [0, 1, 2], "n=3: three choices in order")
check(n3["choices"][0]["message"]["content"] == a["choices"][0]["message"]["content"], "n=3 choice 0 == seed 42")
s44 = json.loads(wick({**body, "seed": 44})[1])
check(n3["choices"][2]["message"]["content"] == s44["choices"][0]["message"]["content"],
      "n=3 choice 2 == a single request with seed 44")
check(n3["usage"]["prompt_tokens"] == a["usage"]["prompt_tokens"], "n=3 counts the prompt once")
chunks = parse_sse(wick({**body, "n": 3, "stream": True})[1])
per = ["", "", ""]
for c in chunks:
    ChatCompletionChunk.model_validate(c)
    for ch in c["choices"]:
        per[ch["index"]] += ch["delta"].get("content") or ""
check(per == [c["message"]["content"] for c in n3["choices"]], "n=3 streamed per index == non-streamed")

# ---- logprobs
r = json.loads(wick(chat(Q, temperature=0, max_tokens=8, logprobs=True, top_logprobs=3))[1])
ChatCompletion.model_validate(r)
lp = r["choices"][0]["logprobs"]["content"]
check("".join(e["token"] for e in lp) == r["choices"][0]["message"]["content"], "logprob tokens spell the content")
check(all(bytes(e["bytes"]) == e["token"].encode() for e in lp), "logprob bytes are the token's UTF-8")
check(all(len(e["top_logprobs"]) == 3 and e["top_logprobs"][0]["token"] == e["token"]
          and e["top_logprobs"][0]["logprob"] == e["logprob"]
          and e["top_logprobs"][0]["logprob"] >= e["top_logprobs"][1]["logprob"] >= e["top_logprobs"][2]["logprob"]
          and e["logprob"] <= 0 for e in lp), "greedy: chosen token is top-1, top_logprobs sorted")

# ---- multi-turn prefix reuse (one engine, --turns), against a fresh engine
turn1 = chat(Q, temperature=0, max_tokens=24)
turn2 = {"messages": [SYSTEM, {"role": "user", "content": Q}, {"role": "assistant", "content": text},
                      {"role": "user", "content": "And of Germany?"}], "temperature": 0, "max_tokens": 24}
rc, out = wick(None, "--turns", lines=[turn1, turn2, turn1])
rs = [json.loads(l) for l in out.strip().split("\n")]
check(rc == 0 and len(rs) == 3, "three turns answered")
r1, r2, r3 = rs
re2 = r2["usage"]["extra"]["prompt_tokens_reused"]
check(r1["usage"]["extra"]["prompt_tokens_reused"] == 0, "turn 1 reuses nothing")
# the context holds turn 1's prompt and every completion token but an
# unshown end-of-generation one (sampled, never decoded), all of which
# turn 2's rendering repeats
check(re2 == r1["usage"]["prompt_tokens"] + r1["usage"]["completion_tokens"]
      and re2 == r2["usage"]["prompt_tokens_details"]["cached_tokens"],
      f"turn 2 reuses {re2} of {r2['usage']['prompt_tokens']} prompt tokens (turn 1 prompt: "
      f"{r1['usage']['prompt_tokens']})")
fresh2 = json.loads(wick(turn2)[1])
check(fresh2["choices"][0]["message"]["content"] == r2["choices"][0]["message"]["content"],
      f"turn 2 with reuse == a fresh engine: {r2['choices'][0]['message']['content']!r}")
check("Berlin" in r2["choices"][0]["message"]["content"], "turn 2 mentions Berlin")
re3 = r3["usage"]["extra"]["prompt_tokens_reused"]
check(0 < re3 < r1["usage"]["prompt_tokens"] and r3["choices"][0]["message"]["content"] == text,
      f"turn 3 (back to turn 1) keeps only the common prefix ({re3}) and answers as turn 1")

# ---- legacy completions
r = json.loads(wick({"prompt": "The capital of France is", "temperature": 0, "max_tokens": 8}, "--completion")[1])
Completion.model_validate(r)
check(r["object"] == "text_completion" and "text" in r["choices"][0], "completion: text_completion with text")
chunks = parse_sse(wick({"prompt": "The capital of France is", "temperature": 0, "max_tokens": 8, "stream": True},
                        "--completion")[1])
for c in chunks:
    # the SDK parses stream chunks with Completion too, whose finish_reason
    # Literal has no None (it builds chunks without validating); check the
    # rest of each intermediate chunk with a stand-in finish_reason
    Completion.model_validate({**c, "choices": [{**ch, "finish_reason": ch["finish_reason"] or "stop"}
                                                for ch in c["choices"]]})
check(chunks[-1]["choices"][0]["finish_reason"] == "length"
      and all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1]), "completion chunks: finish on the last")
check("".join(c["choices"][0]["text"] for c in chunks) == r["choices"][0]["text"],
      "completion streamed text == non-streamed")

# ---- ignore_eos
r = json.loads(wick(chat(Q, temperature=0, max_tokens=30, ignore_eos=True))[1])
check(r["usage"]["completion_tokens"] == 30 and r["choices"][0]["finish_reason"] == "length",
      "ignore_eos runs to max_tokens")

# ---- invalid requests
BAD = [
    (chat(Q, temperature=3), "temperature"),
    ({"temperature": 1}, "messages"),
    (chat(Q, top_logprobs=2), "top_logprobs"),
    (chat(Q, foo=1), "foo"),
    (chat(Q, tools=[{"type": "function", "function": {"name": "f g"}}]), "tools.[0].function.name"),
    ({"messages": [{"role": "wizard", "content": "x"}]}, "messages.[0].role"),
    (chat(Q, stop=["a", "b", "c", "d", "e"]), "stop"),
    (chat(Q, n=0), "n"),
    (chat(Q, logit_bias={"hello": 3}), "logit_bias"),
    (chat(Q, response_format={"type": "json"}), "response_format.type"),
]
for body, param in BAD:
    rc, out = wick(body)
    e = json.loads(out)
    ErrorObject.model_validate(e["error"])
    check(rc == 1 and e["error"]["param"] == param and e["error"]["type"] == "invalid_request_error"
          and e["error"]["code"] is None, f"invalid ({param}): {e['error']['message']}")
rc, out = wick(chat("word " * 200), "-c", "64")
e = json.loads(out)
ErrorObject.model_validate(e["error"])
check(rc == 1 and e["error"]["code"] == "context_length_exceeded" and e["error"]["param"] == "messages",
      f"prompt over the context: {e['error']['message']}")

print(f"api: {failures} failures")
sys.exit(1 if failures else 0)
