#!/usr/bin/env node
// Wick's development web server: static files with the headers the browser
// build needs, HTTP Range support, and fault injection for the loader tests.
// Dependency-free (Node >= 18 built-ins only).
//
//   node tools/web_server.mjs --root DIR [--port N] [--host H] [--alias /url/path=FS_PATH]...
//
// --port 0 picks a free port. The first line on stdout is always the base URL
// ("http://127.0.0.1:PORT/"); request logs (with --log) go to stderr.
// --alias serves one file or directory outside the root under a URL path
// (e.g. --alias /local-model/m.gguf=/data/m.gguf).
//
// Every response carries Cross-Origin-Opener-Policy: same-origin,
// Cross-Origin-Embedder-Policy: require-corp and
// Cross-Origin-Resource-Policy: cross-origin (so pages are crossOriginIsolated
// and SharedArrayBuffer works), plus permissive CORS headers. --no-isolation
// (createServer({isolate: false})) leaves out COOP and COEP: pages are then
// not cross-origin isolated (for testing the single-thread fallback). Responses are
// Cache-Control: no-store, so the browser's HTTP cache never hides a request
// from the counters below.
//
// Test routes and query parameters (all on the same origin):
//   GET /__count            JSON {"/path": n, ...}: requests (GET and HEAD) per path
//   GET /__count?path=/p    JSON {"path": "/p", "count": n}
//   GET /__reset            clears the counters and the fault state; 204
//   ?fail_after=N           the first response whose body covers file offset N
//                           sends the bytes before N, then destroys the socket
//                           (a dropped connection); later requests succeed.
//                           &fail_times=K makes it happen K times (default 1).
//   ?truncate=N             GET bodies end cleanly at file offset N (chunked,
//                           no Content-Length), while HEAD and Content-Range
//                           still announce the full size: a truncated file.
//   ?norange=1              ignore Range (always 200 with the whole body) and
//                           send no Accept-Ranges: a host without range support.
//   ?nolength=1             no Content-Length on GET (chunked) and no HEAD size.
//   ?slow_ms=M              wait M ms before every 64 KiB of body (cancel tests).
//   ?status=S               answer with status S (e.g. 500) and a short text body.
//   ?expose=none            no Access-Control-Expose-Headers, so a cross-origin
//                           page cannot read Content-Range or ETag.
// The fault state is keyed by the full request path and query.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.gguf': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

function parseArgs(argv) {
  const opts = { root: process.cwd(), port: 8080, host: '127.0.0.1', aliases: [], log: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--root') opts.root = next();
    else if (a === '--port') opts.port = Number(next());
    else if (a === '--host') opts.host = next();
    else if (a === '--log') opts.log = true;
    else if (a === '--no-isolation') opts.isolate = false;
    else if (a === '--alias') {
      const v = next();
      const eq = v.indexOf('=');
      if (eq <= 0 || !v.startsWith('/')) throw new Error(`--alias expects /url/path=FS_PATH, got "${v}"`);
      opts.aliases.push({ url: v.slice(0, eq), fs: path.resolve(v.slice(eq + 1)) });
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node tools/web_server.mjs --root DIR [--port N] [--host H] ' +
        '[--alias /url=PATH]... [--log] [--no-isolation]\n');
      process.exit(0);
    } else throw new Error(`unknown argument "${a}" (try --help)`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    throw new Error(`--port must be 0..65535`);
  opts.root = path.resolve(opts.root);
  if (!fs.existsSync(opts.root) || !fs.statSync(opts.root).isDirectory())
    throw new Error(`--root ${opts.root} is not a directory`);
  return opts;
}

// Maps a URL path to a file-system path inside the root or an alias; null if
// the path escapes them.
function resolvePath(opts, urlPath) {
  for (const al of opts.aliases) {
    if (urlPath === al.url) return al.fs;
    const prefix = al.url.endsWith('/') ? al.url : al.url + '/';
    if (urlPath.startsWith(prefix)) {
      const p = path.resolve(al.fs, '.' + urlPath.slice(prefix.length - 1));
      return p === al.fs || p.startsWith(al.fs + path.sep) ? p : null;
    }
  }
  const p = path.resolve(opts.root, '.' + urlPath);
  return p === opts.root || p.startsWith(opts.root + path.sep) ? p : null;
}

// "bytes=a-b" | "bytes=a-" | "bytes=-n" -> {start, end} (inclusive), 'invalid'
// (416), or null (no usable single range: serve the whole file).
function parseRange(header, size) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multi-range or unknown unit: a 200 is allowed
  let start, end;
  if (m[1] === '') {
    if (m[2] === '') return 'invalid';
    const n = Number(m[2]);
    if (n === 0) return 'invalid';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return 'invalid';
  }
  if (start >= size) return 'invalid';
  return { start, end };
}

function commonHeaders(res, isolate = true) {
  if (isolate) {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range');
  res.setHeader('Access-Control-Expose-Headers',
    'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified');
  res.setHeader('Cache-Control', 'no-store');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function createServer(opts) {
  const counts = new Map();     // pathname -> requests
  const faults = new Map();     // path+query -> times a fail_after fault fired

  const server = http.createServer(async (req, res) => {
    commonHeaders(res, opts.isolate !== false);
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request URL\n');
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad percent-encoding\n');
      return;
    }
    if (opts.log) process.stderr.write(`${req.method} ${req.url} ${req.headers.range || ''}\n`);

    if (pathname === '/__count') {
      const p = url.searchParams.get('path');
      const body = p !== null ? { path: p, count: counts.get(p) || 0 } : Object.fromEntries(counts);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (pathname === '/__reset') {
      counts.clear();
      faults.clear();
      res.writeHead(204).end();
      return;
    }
    counts.set(pathname, (counts.get(pathname) || 0) + 1);

    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS', 'Content-Type': 'text/plain' })
        .end('method not allowed\n');
      return;
    }
    const q = url.searchParams;
    if (q.get('expose') === 'none') res.removeHeader('Access-Control-Expose-Headers');
    if (q.has('status')) {
      const s = Number(q.get('status'));
      res.writeHead(s >= 200 && s <= 599 ? s : 500, { 'Content-Type': 'text/plain' })
        .end(`forced status ${s}\n`);
      return;
    }

    let file = resolvePath(opts, pathname);
    let st = null;
    if (file) {
      try {
        st = fs.statSync(file);
        if (st.isDirectory()) {
          if (!pathname.endsWith('/')) {
            res.writeHead(301, { Location: pathname + '/' + url.search }).end();
            return;
          }
          file = path.join(file, 'index.html');
          st = fs.statSync(file);
        }
      } catch {
        st = null;
      }
    }
    if (!st || !st.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${pathname}\n`);
      return;
    }

    const size = st.size;
    const norange = q.get('norange') === '1';
    const nolength = q.get('nolength') === '1';
    const truncate = q.has('truncate') ? Number(q.get('truncate')) : Infinity;
    const slowMs = q.has('slow_ms') ? Number(q.get('slow_ms')) : 0;
    const faultKey = req.url;
    const failAfter = q.has('fail_after') ? Number(q.get('fail_after')) : -1;
    const failTimes = q.has('fail_times') ? Number(q.get('fail_times')) : 1;

    res.setHeader('Content-Type', MIME[path.extname(file).toLowerCase()] || 'application/octet-stream');
    res.setHeader('Last-Modified', st.mtime.toUTCString());
    res.setHeader('ETag', `"${size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`);
    if (!norange) res.setHeader('Accept-Ranges', 'bytes');

    let start = 0, end = size - 1, status = 200;
    if (!norange) {
      const r = parseRange(req.headers.range, size);
      if (r === 'invalid') {
        res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Type': 'text/plain' })
          .end('range not satisfiable\n');
        return;
      }
      if (r) {
        ({ start, end } = r);
        status = 206;
        res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      }
    }
    const length = size === 0 ? 0 : end - start + 1;
    const chunked = nolength || truncate < Infinity;
    if (req.method === 'HEAD') {
      if (!nolength) res.setHeader('Content-Length', String(length));
      res.writeHead(status).end();
      return;
    }
    if (!chunked) res.setHeader('Content-Length', String(length));
    res.writeHead(status);
    if (length === 0) {
      res.end();
      return;
    }

    // Where this body stops: the end of the range, a truncation point, or a
    // one-time connection drop at file offset fail_after.
    let stopAt = end + 1;
    let drop = false;
    if (truncate < stopAt) stopAt = Math.max(start, truncate);
    if (failAfter >= start && failAfter <= end && failAfter < stopAt) {
      const fired = faults.get(faultKey) || 0;
      if (fired < failTimes) {
        faults.set(faultKey, fired + 1);
        stopAt = failAfter;
        drop = true;
      }
    }

    const fd = fs.openSync(file, 'r');
    let closed = false;
    res.on('close', () => { closed = true; });
    try {
      const buf = Buffer.allocUnsafe(64 * 1024);
      let pos = start;
      while (pos < stopAt && !closed) {
        if (slowMs > 0) await sleep(slowMs);
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, stopAt - pos), pos);
        if (n <= 0) break;
        pos += n;
        const ok = res.write(Buffer.from(buf.subarray(0, n)));
        if (!ok && !closed) {
          await new Promise((r) => {
            const done = () => { res.off('drain', done); res.off('close', done); r(); };
            res.on('drain', done);
            res.on('close', done);
          });
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    if (closed) return;
    if (drop) {
      // Let the bytes before the fault reach the client, then cut the socket.
      await new Promise((r) => setTimeout(r, 20));
      req.socket.destroy();
      return;
    }
    res.end();
  });
  server.counts = counts;
  return server;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`web_server: ${e.message}\n`);
    process.exit(2);
  }
  const server = createServer(opts);
  server.on('error', (e) => {
    process.stderr.write(`web_server: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(opts.port, opts.host, () => {
    const { port } = server.address();
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    process.stdout.write(`http://${host}:${port}/\n`);
    process.stderr.write(`web_server: serving ${opts.root} ` +
      `${opts.aliases.map((a) => `(${a.url} -> ${a.fs}) `).join('')}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
