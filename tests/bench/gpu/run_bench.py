#!/usr/bin/env python3
"""Driver of the GPU benchmark (tests/bench/gpu/README.md): serves the
repository root and the models with COOP/COEP, runs Chromium headless on
tests/bench/gpu/index.html, collects the JSON each case POSTs, samples GPU
memory with nvidia-smi between the page's marks, writes results and prints a
table. Standard library only (the device machine has Python 3.12; no Node).

  run_bench.py --chromium PATH --models DIR [--out DIR] [--cases ...]

A case that posts nothing within --case-timeout is recorded as a timeout;
Chromium is then killed (its own process group) and restarted at the next
case. Exit status 0 when every case posted a result (errors included).
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
MIME = {'.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
        '.json': 'application/json', '.html': 'text/html; charset=utf-8',
        '.gguf': 'application/octet-stream', '.map': 'application/json'}

MODEL_TITLES = {
    'smollm2-135m-q4_1': 'SmolLM2-135M Q4_1 (real file)',
    'gemma3-270m-q4_k_m': 'Gemma 3 270M Q4_K_M (real file)',
    'smollm2-135m-q4_1-clone': 'SmolLM2-135M Q4_1 layout, random weights',
    'gemma3-270m-q4_k_m-clone': 'Gemma 3 270M Q4_K_M layout, random weights',
    'qwen2.5-1.5b-q4_0': 'Qwen2.5-1.5B shape Q4_0, random weights',
    'qwen2.5-1.5b-q4_k_m': 'Qwen2.5-1.5B shape Q4_K_M, random weights',
    'llama3.1-8b-q4_0': 'Llama-3.1-8B shape Q4_0, random weights',
    'llama3.1-8b-q4_k_m': 'Llama-3.1-8B shape Q4_K_M, random weights',
}


class State:
    def __init__(self, config, models_dir):
        self.config = config
        self.models_dir = models_dir
        self.results = {}          # case index -> posted object
        self.marks = []            # (time, case, mark)
        self.done = False
        self.cv = threading.Condition()


def make_handler(st):
    class H(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=ROOT, **k)

        def log_message(self, *a):
            pass

        def end_headers(self):
            self.send_header('Cross-Origin-Opener-Policy', 'same-origin')
            self.send_header('Cross-Origin-Embedder-Policy', 'require-corp')
            self.send_header('Cross-Origin-Resource-Policy', 'same-origin')
            self.send_header('Cache-Control', 'no-store')
            super().end_headers()

        def guess_type(self, path):
            return MIME.get(os.path.splitext(path)[1], super().guess_type(path))

        def translate_path(self, path):
            p = urllib.parse.urlparse(path).path
            if p.startswith('/models/'):
                name = os.path.basename(urllib.parse.unquote(p))
                return os.path.join(st.models_dir, name)
            return super().translate_path(path)

        def _json(self, code, obj):
            b = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_GET(self):
            if self.path.startswith('/bench/config.json'):
                return self._json(200, st.config)
            rng = self.headers.get('Range')
            path = self.translate_path(self.path)
            if not rng or not os.path.isfile(path):
                return super().do_GET()
            # bytes=a-b (one range), as Wick's downloader asks
            size = os.path.getsize(path)
            try:
                a, b = rng.split('=', 1)[1].split(',')[0].split('-')
                start = int(a) if a else size - int(b)
                end = min(int(b), size - 1) if (a and b) else size - 1
                if start > end or start >= size:
                    raise ValueError
            except ValueError:
                self.send_response(416)
                self.send_header('Content-Range', f'bytes */{size}')
                self.end_headers()
                return
            self.send_response(206)
            self.send_header('Content-Type', self.guess_type(path))
            self.send_header('Content-Range', f'bytes {start}-{end}/{size}')
            self.send_header('Content-Length', str(end - start + 1))
            self.send_header('Accept-Ranges', 'bytes')
            self.end_headers()
            with open(path, 'rb') as f:
                f.seek(start)
                left = end - start + 1
                while left:
                    chunk = f.read(min(left, 1 << 22))
                    if not chunk:
                        break
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    left -= len(chunk)

        def do_POST(self):
            n = int(self.headers.get('Content-Length') or 0)
            body = json.loads(self.rfile.read(n) or b'{}')
            with st.cv:
                if self.path == '/bench/result':
                    st.results[int(body.get('case', -1))] = body
                elif self.path == '/bench/mark':
                    st.marks.append((time.time(), body.get('case'), body.get('mark')))
                elif self.path == '/bench/done':
                    st.done = True
                st.cv.notify_all()
            self._json(200, {'ok': True})
    return H


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class GpuMemSampler(threading.Thread):
    """memory.used of GPU 0 every 0.25 s, through nvidia-smi (if present)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples = []
        self.smi = shutil.which('nvidia-smi')
        self.stop = False

    def run(self):
        while self.smi and not self.stop:
            try:
                out = subprocess.run([self.smi, '--query-gpu=memory.used', '--format=csv,noheader,nounits',
                                      '-i', '0'], capture_output=True, text=True, timeout=5).stdout
                self.samples.append((time.time(), float(out.strip().splitlines()[0])))
            except (subprocess.SubprocessError, ValueError, IndexError, OSError):
                pass
            time.sleep(0.25)

    def peak_between(self, t0, t1):
        v = [m for t, m in self.samples if t0 <= t <= t1]
        return max(v) if v else None

    def before(self, t0):
        v = [m for t, m in self.samples if t <= t0]
        return v[-1] if v else None


def build_cases(a, models):
    cases = [{'kind': 'adapter'}, {'kind': 'bandwidth'}]
    for m in models:
        for e in a.engines:
            size = os.path.getsize(os.path.join(a.models, m + '.gguf'))
            if e == 'wick-cpu' and size > 3.3 * 2**30:
                continue  # wasm32: Wick's CPU build holds at most about 3.4 GB of weights
            cases.append({'kind': 'engine', 'engine': e, 'model': m,
                          'modelUrl': f'/models/{m}.gguf', 'vocabUrl': f'/models/{m}.vocab.gguf'})
    return cases


def chromium_cmd(a, profile, url):
    flags = ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu',
             '--enable-webgpu-developer-features', '--ignore-gpu-blocklist',
             '--disable-gpu-sandbox', '--disable-background-networking', '--disable-component-update',
             '--no-first-run', '--disable-sync', '--disable-dev-shm-usage',
             '--enable-logging=stderr', '--v=0', f'--user-data-dir={profile}']
    if a.vulkan:
        flags += ['--enable-features=Vulkan', '--disable-vulkan-surface', '--use-vulkan=native',
                  '--use-angle=vulkan', '--disable-gpu-compositing']
    return [a.chromium] + flags + [url]


def fmt(x, nd=1):
    if x is None or (isinstance(x, float) and x != x):
        return '-'
    if isinstance(x, (int, float)):
        return f'{x:,.{nd}f}'
    return str(x)


def report(st, a, sampler, wall_s):
    res = [st.results.get(i) for i in range(len(st.config['cases']))]
    lines = []
    P = lines.append
    adapter = (res[0] or {}).get('result', {})
    info = adapter.get('info') or {}
    P(f"# Wick GPU benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    P(f"adapter: {info.get('vendor')} / {info.get('architecture')} / {info.get('device') or ''} / "
      f"{info.get('description')}  fallback={adapter.get('fallback')}")
    feats = adapter.get('features') or []
    P(f"features: {' '.join(feats)}")
    P(f"shader-f16: {'yes' if 'shader-f16' in feats else 'NO'}; subgroups: "
      f"{'yes' if 'subgroups' in feats else 'no'}; timestamp-query: {'yes' if 'timestamp-query' in feats else 'no'}")
    lim = adapter.get('limits') or {}
    P(f"limits: maxStorageBufferBindingSize {lim.get('maxStorageBufferBindingSize')}, maxBufferSize "
      f"{lim.get('maxBufferSize')}, maxComputeWorkgroupStorageSize {lim.get('maxComputeWorkgroupStorageSize')}")
    P(f"browser: {adapter.get('userAgent')}; cores {adapter.get('hardwareConcurrency')}; "
      f"crossOriginIsolated {adapter.get('crossOriginIsolated')}")
    if adapter.get('error'):
        P(f"ADAPTER ERROR: {adapter['error']}")
    fallback = adapter.get('fallback')
    if fallback:
        P('!!! FALLBACK (software) ADAPTER: ' + ('numbers below are NOT GPU numbers' if a.allow_fallback
                                                 else 'GPU numbers refused'))
    bw = (res[1] or {}).get('result', {})
    if bw.get('configs'):
        P(f"read bandwidth ({bw['bytes'] / 2**30:.2f} GiB buffer): best {fmt(bw['best_wall_GBps'])} GB/s wall clock, "
          f"{fmt(bw.get('best_ts_GBps'))} GB/s timestamps; dispatch {fmt(bw['dispatch_us'], 2)} us each "
          f"(1000 in one pass); submit->done {fmt(bw['submit_roundtrip_ms'], 3)} ms; 4-byte readback "
          f"{fmt(bw['readback_4B_ms'], 3)} ms")
    else:
        P(f"read bandwidth: {bw.get('error') or bw.get('refused') or 'no result'}")
    bwr = bw.get('best_ts_GBps') or bw.get('best_wall_GBps')
    tgs, tgl = a.tg_short, a.tg_long
    hdr = ['model', 'engine', 'load ms', 'TTFT ms', f'prefill {a.pp} t/s', f'decode {tgs} t/s',
           f'decode {tgl} t/s', 'GPU MiB', 'weights GiB', 'roofline t/s', 'decode/roofline', 'note']
    P('')
    P('| ' + ' | '.join(hdr) + ' |')
    P('|' + '---|' * len(hdr))
    for i, r in enumerate(res):
        spec = st.config['cases'][i]
        if spec['kind'] != 'engine':
            continue
        x = (r or {}).get('result') or {}
        note = x.get('error') or x.get('refused') or ''
        if r is None:
            note = 'TIMEOUT (no result)'
        if x.get('skipped'):
            note = (note + '; ' if note else '') + '; '.join(x['skipped'])
        if x.get('prompt_tokens') is not None and x.get('prompt_tokens') != x.get('prompt_text_tokens'):
            note += f"; prompt {x.get('prompt_tokens')} tokens (Wick's tokenizer: {x.get('prompt_text_tokens')})"
        mem = x.get('gpu_mem_mib')
        path = os.path.join(st.models_dir, spec['model'] + '.gguf')
        gib = os.path.getsize(path) / 2**30 if os.path.exists(path) else None
        on_gpu = spec['engine'] == 'wick-webgpu' or (spec['engine'] == 'wllama' and 'GPU' in (x.get('where') or '')
                                                       and 'no WebGPU' not in (x.get('where') or ''))
        roof = (bwr * 1e9 / (gib * 2**30)) if (bwr and gib and on_gpu) else None
        dec = x.get(f'decode{tgs}_tps')
        eng = spec['engine']
        if eng == 'wick-cpu':
            eng = 'wick-cpu (wasm, reference)'
        if eng == 'wllama' and x.get('where'):
            eng += f" [{x['where']}]"
        P('| ' + ' | '.join([MODEL_TITLES.get(spec['model'], spec['model']), eng, fmt(x.get('load_ms'), 0),
                             fmt(x.get('ttft_ms'), 0), fmt(x.get('prefill_tps')), fmt(dec),
                             fmt(x.get(f'decode{tgl}_tps')), fmt(mem, 0), fmt(gib, 2), fmt(roof, 0),
                             f'{dec / roof:.1%}' if (dec and roof) else '-', note.replace('|', '/')[:300]]) + ' |')
    P('')
    P(f'prompt {a.pp} tokens (Wick tokenizer), decode = (N tokens) / (first token -> last), greedy, '
      f'ignore_eos; load = engine creation from a Blob -> ready (fetch apart); TTFT = first request after '
      f'load; GPU MiB = peak nvidia-smi memory.used during the case minus the value before it; roofline = '
      f'best read bandwidth / file size (weights read once per token). Whole run {wall_s:.0f} s.')
    for i, r in enumerate(res):
        x = (r or {}).get('result') or {}
        if x.get('engine') == 'wllama' and x.get('logs_backend'):
            P(f"\nwllama log lines about backends ({st.config['cases'][i]['model']}):")
            for ln in x['logs_backend'][:25]:
                P('  ' + ln[:200])
    return '\n'.join(lines)


def wllama_where(x):
    """Where wllama's weights went, from llama.cpp's log lines."""
    import re
    logs = '\n'.join(x.get('logs_backend') or [])
    m = re.search(r'offloaded (\d+)/(\d+) layers to GPU', logs)
    if m:
        return f'{m.group(1)}/{m.group(2)} layers on GPU'
    bufs = re.findall(r'load_tensors:\s+(\S+) model buffer size\s*=\s*([\d.]+) MiB', logs)
    every = ' '.join((x.get('logs_head') or []) + (x.get('logs_tail') or []) + (x.get('logs_backend') or []))
    webgpu = '' if re.search('webgpu', every, re.I) else '; no WebGPU device in its log'
    if bufs:
        return 'weights: ' + ', '.join(f'{b} {float(s):.0f} MiB' for b, s in bufs) + webgpu
    return webgpu.lstrip('; ')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--chromium', required=True)
    ap.add_argument('--models', required=True, help='folder with NAME.gguf and NAME.vocab.gguf')
    ap.add_argument('--model-names', nargs='*', default=None)
    ap.add_argument('--engines', nargs='*', default=['wick-webgpu', 'wick-cpu', 'wllama'])
    ap.add_argument('--out', default=os.environ.get('OUT') or 'build/gpu-bench-out')
    ap.add_argument('--vulkan', action='store_true', help='Chromium flags for the native Vulkan backend')
    ap.add_argument('--allow-fallback', action='store_true', help='report numbers from a software adapter')
    ap.add_argument('--pp', type=int, default=512)
    ap.add_argument('--tg-short', type=int, default=128)
    ap.add_argument('--tg-long', type=int, default=1024)
    ap.add_argument('--reps', type=int, default=2)
    ap.add_argument('--n-ctx', type=int, default=2048)
    ap.add_argument('--threads', type=int, default=0, help='CPU threads for the wasm engines (0: cores, max 16)')
    ap.add_argument('--bandwidth-mib', type=int, default=1024)
    ap.add_argument('--bandwidth-reps', type=int, default=30)
    ap.add_argument('--case-budget', type=int, default=90, help='seconds a case may plan for')
    ap.add_argument('--case-timeout', type=int, default=150, help='seconds before a silent case is killed')
    ap.add_argument('--total-timeout', type=int, default=520)
    a = ap.parse_args()
    t_start = time.time()
    os.makedirs(a.out, exist_ok=True)
    names = a.model_names
    if names is None:
        names = sorted(f[:-5] for f in os.listdir(a.models) if f.endswith('.gguf') and not f.endswith('.vocab.gguf'))
    for n in names:
        for suf in ('.gguf', '.vocab.gguf'):
            if not os.path.exists(os.path.join(a.models, n + suf)):
                sys.exit(f'run_bench: {os.path.join(a.models, n + suf)} is missing')
    threads = a.threads or min(os.cpu_count() or 1, 16)
    wver = json.load(open(os.path.join(ROOT, 'node_modules/@wllama/wllama/package.json')))['version'] \
        if os.path.exists(os.path.join(ROOT, 'node_modules/@wllama/wllama/package.json')) else '?'
    config = {'cases': build_cases(a, names), 'common': {
        'pp': a.pp, 'tgShort': a.tg_short, 'tgLong': a.tg_long, 'reps': a.reps, 'nCtx': a.n_ctx,
        'nBatch': 512, 'threads': threads, 'allowFallback': a.allow_fallback,
        'bandwidthBytes': a.bandwidth_mib << 20, 'bandwidthReps': a.bandwidth_reps,
        'caseBudgetS': a.case_budget, 'wllamaVersion': wver}}
    st = State(config, os.path.abspath(a.models))
    srv = ThreadingServer(('127.0.0.1', 0), make_handler(st))
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    sampler = GpuMemSampler()
    sampler.start()
    profile = tempfile.mkdtemp(prefix='wick-gpu-bench-')
    clog = open(os.path.join(a.out, 'chromium.log'), 'w')
    n_cases = len(config['cases'])
    nxt = 0
    print(f'run_bench: {n_cases} cases, models {names}, engines {a.engines}, threads {threads}', flush=True)
    while nxt < n_cases and time.time() - t_start < a.total_timeout:
        url = f'http://127.0.0.1:{port}/tests/bench/gpu/index.html?case={nxt}'
        proc = subprocess.Popen(chromium_cmd(a, profile, url), stdout=clog, stderr=clog, start_new_session=True)
        last_change, seen = time.time(), len(st.results)
        while True:
            with st.cv:
                st.cv.wait(timeout=1.0)
                if len(st.results) != seen:
                    seen, last_change = len(st.results), time.time()
                    k = max(st.results)
                    x = st.results[k].get('result', {})
                    print(f"  case {k} {config['cases'][k].get('engine', config['cases'][k]['kind'])} "
                          f"{config['cases'][k].get('model', '')}: "
                          f"{'error: ' + str(x.get('error'))[:200] if x.get('error') else 'ok'} "
                          f"({time.time() - t_start:.0f} s)", flush=True)
                done = st.done or len(st.results) >= n_cases
            if done or proc.poll() is not None:
                break
            if time.time() - last_change > a.case_timeout or time.time() - t_start > a.total_timeout:
                break
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        if st.done or len(st.results) >= n_cases:
            break
        # the first case without a result timed out (or Chromium died): go on after it
        missing = next(i for i in range(n_cases) if i not in st.results)
        print(f'  case {missing}: no result (timeout or browser exit); restarting Chromium after it', flush=True)
        st.results[missing] = {'case': missing, 'spec': config['cases'][missing],
                               'result': {'error': 'TIMEOUT: no result (browser killed)'}}
        nxt = missing + 1
    sampler.stop = True
    clog.close()
    cl = os.path.join(a.out, 'chromium.log')
    if os.path.getsize(cl) > 8 << 20:  # keep the tail: files coming back are limited
        with open(cl, 'rb') as f:
            f.seek(-(4 << 20), 2)
            tail = f.read()
        with open(cl, 'wb') as f:
            f.write(b'[... cut ...]\n' + tail)
    # GPU memory per engine case: peak between 'load' and 'done' minus the value before 'load'
    for i, r in st.results.items():
        x = r.get('result') or {}
        mk = {m: t for t, c, m in st.marks if c == i}
        if 'load' in mk:
            t1 = mk.get('done') or time.time()
            peak, base = sampler.peak_between(mk['load'], t1), sampler.before(mk['load'])
            if peak is not None and base is not None and not x.get('error'):
                x['gpu_mem_mib'] = peak - base
        if x.get('engine') == 'wllama':
            x['where'] = wllama_where(x)
    results = {'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'config': config,
               'results': [st.results.get(i) for i in range(n_cases)], 'gpu_mem_samples': len(sampler.samples)}
    with open(os.path.join(a.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    table = report(st, a, sampler, time.time() - t_start)
    with open(os.path.join(a.out, 'table.md'), 'w') as f:
        f.write(table + '\n')
    print('\n' + table, flush=True)
    shutil.rmtree(profile, ignore_errors=True)
    srv.shutdown()
    return 0 if all(i in st.results for i in range(n_cases)) else 1


if __name__ == '__main__':
    sys.exit(main())
