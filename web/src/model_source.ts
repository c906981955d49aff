/* Model sources: what a user may pass as a model, turned into one URL.
 *
 *   https://huggingface.co/owner/repo/resolve/main/file.gguf   any http(s) URL
 *   hf:owner/repo/file.gguf             -> https://huggingface.co/owner/repo/resolve/main/file.gguf
 *   hf:owner/repo@rev/path/file.gguf    -> .../resolve/rev/path/file.gguf
 *   /models/m.gguf, ./m.gguf            relative to the page (location.href)
 *   https://huggingface.co/owner/repo/blob/main/file.gguf  (a hub web page)
 *                                       -> the same file's resolve/ URL
 *
 * Split GGUF files (llama.cpp's `name-00001-of-00003.gguf`): the source is the
 * first part's URL (or hf: path); splitGgufUrls lists every part's URL, and
 * the loader fetches each into its own buffer (the core opens them together,
 * wick_model_open_shards_bytes). Naming another part is an error. */

export const HF_HOST = 'https://huggingface.co';

/** Thrown for a model source that cannot be used; names the source. */
export class ModelSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSourceError';
  }
}

const SPLIT_RE = /-(\d{5})-of-(\d{5})\.gguf$/i;

/** {part, count} when `url`'s file name is a llama.cpp split part, else null. */
export function splitGgufPart(url: string): { part: number; count: number } | null {
  let name = url;
  try {
    name = new URL(url, 'http://x/').pathname;
  } catch {
    /* use the raw string */
  }
  const m = SPLIT_RE.exec(name);
  return m ? { part: Number(m[1]), count: Number(m[2]) } : null;
}

function baseHref(): string | undefined {
  const loc = (globalThis as { location?: { href?: string } }).location;
  return loc?.href;
}

/** Resolves a model source string to an absolute http(s) URL, or throws
 *  ModelSourceError saying what is wrong with it. */
export function resolveModelUrl(source: string): string {
  if (typeof source !== 'string' || source.trim() === '')
    throw new ModelSourceError('Wick: the model source is empty (expected a GGUF URL or hf:owner/repo/file.gguf)');
  const s = source.trim();
  let url: string;
  if (/^hf:/i.test(s)) {
    // hf:owner/repo[@revision]/path/to/file.gguf
    const rest = s.slice(3).replace(/^\/+/, '');
    const parts = rest.split('/');
    if (parts.length < 3 || parts.some((p) => p === ''))
      throw new ModelSourceError(
        `Wick: bad model source "${source}": expected hf:owner/repo/file.gguf`);
    const owner = parts[0];
    let repo = parts[1];
    let rev = 'main';
    const at = repo.indexOf('@');
    if (at >= 0) {
      rev = repo.slice(at + 1);
      repo = repo.slice(0, at);
      if (!repo || !rev)
        throw new ModelSourceError(`Wick: bad model source "${source}": expected hf:owner/repo@revision/file.gguf`);
    }
    const file = parts.slice(2).map(encodeURIComponent).join('/');
    url = `${HF_HOST}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(rev)}/${file}`;
  } else {
    let u: URL;
    try {
      u = new URL(s, baseHref());
    } catch {
      throw new ModelSourceError(
        `Wick: bad model URL "${source}": not an absolute URL (expected https://..., a path on this site, or hf:owner/repo/file.gguf)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'blob:')
      throw new ModelSourceError(
        `Wick: bad model URL "${source}": protocol ${u.protocol} is not supported (use http(s) or hf:)`);
    // A hub web page URL (.../blob/main/f.gguf) serves HTML; the file is at resolve/.
    if (u.origin === HF_HOST) {
      const m = /^(\/[^/]+\/[^/]+)\/blob\/(.+)$/.exec(u.pathname);
      if (m) u.pathname = `${m[1]}/resolve/${m[2]}`;
    }
    url = u.href;
  }
  const split = splitGgufPart(url);
  if (split && (split.part !== 1 || split.count < 1))
    throw new ModelSourceError(
      `Wick: ${url} is part ${split.part} of ${split.count} of a split GGUF; load the first part ` +
      `(...-00001-of-${String(split.count).padStart(5, '0')}.gguf), which names the others`);
  return url;
}

/** Every part's URL when `url` (resolved) is the first part of a split GGUF
 *  (`name-00001-of-0000N.gguf`, N > 1), in order; else null. The parts share
 *  the first one's directory, name and query string. */
export function splitGgufUrls(url: string): string[] | null {
  const split = splitGgufPart(url);
  if (!split || split.count < 2) return null;
  const u = new URL(url);
  const n = String(split.count).padStart(5, '0');
  const urls: string[] = [];
  for (let i = 1; i <= split.count; i++) {
    const p = new URL(u.href);
    p.pathname = u.pathname.replace(SPLIT_RE, `-${String(i).padStart(5, '0')}-of-${n}.gguf`);
    urls.push(p.href);
  }
  return urls;
}

/** A short display name for a source ("file.gguf"). */
export function modelSourceName(source: string | Blob): string {
  if (typeof source !== 'string') {
    const name = (source as { name?: string }).name;
    return name ? name : `a ${source.size}-byte Blob`;
  }
  try {
    const u = new URL(resolveModelUrl(source));
    return decodeURIComponent(u.pathname.split('/').pop() || u.href);
  } catch {
    return source;
  }
}
