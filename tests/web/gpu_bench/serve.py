#!/usr/bin/env python3
"""Serves the repository for the GPU benchmark page (bench.html) with
COOP/COEP headers and HTTP Range (the page uploads model bytes by ranges),
and takes the page's POSTed results: serve.py ROOT PORT CONFIG.json OUT.json.
Exits after a POST to /done."""
import http.server, json, os, sys, threading

ROOT, PORT, CONFIG, OUT = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ALIASES = {}  # URL path -> file path, from the config's cases
cfg = json.load(open(CONFIG))
for c in cfg['cases']:
    ALIASES['/models/' + os.path.basename(c['model'])] = c['model']
    for f in os.listdir(c['plan_dir']):
        ALIASES['/plans/%s/%s' % (c['name'], f)] = os.path.join(c['plan_dir'], f)
results = []


class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=ROOT, **k)

    def log_message(self, *a):
        pass

    def end_headers(self):
        self.send_header('Cross-Origin-Opener-Policy', 'same-origin')
        self.send_header('Cross-Origin-Embedder-Policy', 'require-corp')
        self.send_header('Cache-Control', 'no-store')
        super().end_headers()

    def guess_type(self, path):
        if str(path).endswith('.mjs') or str(path).endswith('.js'):
            return 'text/javascript'
        if str(path).endswith('.wasm'):
            return 'application/wasm'
        return super().guess_type(path)

    def do_GET(self):
        path = self.path.split('?')[0]
        if path == '/bench/config.json':
            body = json.dumps(cfg).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path in ALIASES:
            fp = ALIASES[path]
            size = os.path.getsize(fp)
            rng = self.headers.get('Range')
            a, b = 0, size - 1
            if rng and rng.startswith('bytes='):
                s, e = rng[6:].split('-')
                a = int(s)
                b = min(int(e), size - 1) if e else size - 1
                self.send_response(206)
                self.send_header('Content-Range', 'bytes %d-%d/%d' % (a, b, size))
            else:
                self.send_response(200)
            self.send_header('Content-Type', 'application/octet-stream')
            self.send_header('Content-Length', str(b - a + 1))
            self.send_header('Accept-Ranges', 'bytes')
            self.end_headers()
            with open(fp, 'rb') as f:
                f.seek(a)
                left = b - a + 1
                while left > 0:
                    chunk = f.read(min(left, 8 << 20))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)
            return
        super().do_GET()

    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0))
        body = json.loads(self.rfile.read(n) or b'null')
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(b'{}')
        if self.path == '/log':
            print('[page]', body, flush=True)
            return
        results.append(body)
        print(json.dumps(body), flush=True)
        json.dump(results, open(OUT, 'w'), indent=1)
        if self.path == '/done':
            threading.Thread(target=self.server.shutdown).start()


http.server.ThreadingHTTPServer(('127.0.0.1', PORT), H).serve_forever()
