/* engine.fetch: a fetch()-compatible function that answers OpenAI's HTTP
 * API from a Wick engine, in the page, with no network:
 *
 *   POST .../v1/chat/completions   JSON, or SSE ("data: {chunk}\n\n" ... "data: [DONE]\n\n")
 *   POST .../v1/completions        the same for the legacy completions API
 *   GET  .../v1/models[/{id}]      the loaded models
 *
 * Errors come back as OpenAI's server sends them: an HTTP status (400, 404,
 * 405, 500) and {"error": {...}}. An init.signal that aborts rejects the
 * fetch (before the response) or errors the body stream (while streaming),
 * with an AbortError, and ends the generation in the engine. So
 *
 *   new OpenAI({baseURL: 'http://wick.local/v1', apiKey: 'none',
 *               fetch: engine.fetch, dangerouslyAllowBrowser: true})
 *
 * works unchanged, streaming or not. Only the path is looked at: any host
 * and any prefix before "/chat/completions" etc. are accepted. */

import { APIError, abortError, errorObject, type ModelList, type OpenAIErrorObject, type RequestOptions }
  from './openai_types.js';

/** What the fetch needs from an engine (every Wick engine has it). */
export interface FetchableEngine {
  request(kind: 'chat' | 'completion', req: unknown, opts?: RequestOptions):
    Promise<object | AsyncIterator<object>>;
  listModels(): Promise<ModelList>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function errorResponse(error: OpenAIErrorObject, status: number): Response {
  // x-should-retry: the SDK would otherwise retry 5xx answers, re-running a generation.
  return new Response(JSON.stringify({ error }), {
    status, headers: { ...JSON_HEADERS, 'x-should-retry': 'false' },
  });
}

function jsonResponse(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: JSON_HEADERS });
}

/** Server-sent events from a chunk iterator. Cancelling the body ends the
 *  generation; the request's signal reaches the engine, which then makes
 *  the iterator throw an AbortError that errors the body. */
function sseResponse(it: AsyncIterator<object>): Response {
  const enc = new TextEncoder();
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await it.next();
        if (closed) return;
        if (r.done) {
          controller.enqueue(enc.encode('data: [DONE]\n\n'));
          controller.close();
          closed = true;
        } else {
          controller.enqueue(enc.encode(`data: ${JSON.stringify(r.value)}\n\n`));
        }
      } catch (e) {
        if (closed) return;
        closed = true;
        if (e instanceof APIError) {
          // A failure mid-stream: OpenAI sends an error event, then ends the stream.
          controller.enqueue(enc.encode(`data: ${JSON.stringify({ error: e.error })}\n\n`));
          controller.close();
        } else {
          controller.error(e);
        }
      }
    },
    async cancel() {
      closed = true;
      await it.return?.();
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
  });
}

/** Route of a request path: the endpoint after any prefix. */
function route(pathname: string): { endpoint: string; id?: string } | null {
  const p = pathname.replace(/\/+$/, '');
  if (/(^|\/)chat\/completions$/.test(p)) return { endpoint: 'chat' };
  if (/(^|\/)completions$/.test(p)) return { endpoint: 'completion' };
  if (/(^|\/)models$/.test(p)) return { endpoint: 'models' };
  const m = /(^|\/)models\/([^/]+)$/.exec(p);
  if (m) return { endpoint: 'model', id: decodeURIComponent(m[2]) };
  return null;
}

async function serve(engine: FetchableEngine, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  const r = route(url.pathname);
  if (!r) {
    return errorResponse(errorObject(`Invalid URL (${method} ${url.pathname})`,
      { type: 'invalid_request_error' }), 404);
  }
  if (r.endpoint === 'models' || r.endpoint === 'model') {
    if (method !== 'GET') {
      return errorResponse(errorObject(`Method ${method} is not allowed on ${url.pathname}; use GET.`), 405);
    }
    const list = await engine.listModels();
    if (r.endpoint === 'models') return jsonResponse(list);
    const m = list.data.find((x) => x.id === r.id);
    if (!m) {
      return errorResponse(errorObject(`The model \`${r.id}\` does not exist or is not loaded in this engine.`,
        { code: 'model_not_found', param: 'model' }), 404);
    }
    return jsonResponse(m);
  }
  if (method !== 'POST') {
    return errorResponse(errorObject(`Method ${method} is not allowed on ${url.pathname}; use POST.`), 405);
  }
  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return errorResponse(errorObject(
      `We could not parse the JSON body of your request: ${(e as Error).message}. ` +
      'The body must be a JSON object (with Content-Type: application/json).'), 400);
  }
  const signal = request.signal ?? null;
  let result: object | AsyncIterator<object>;
  try {
    result = await engine.request(r.endpoint as 'chat' | 'completion', body, { signal });
  } catch (e) {
    if (e instanceof APIError) return errorResponse(e.error, e.status);
    throw e; // AbortError and the like reject the fetch, as a network fetch would
  }
  const stream = (body as { stream?: unknown }).stream === true;
  if (stream) return sseResponse(result as AsyncIterator<object>);
  return jsonResponse(result);
}

/** A fetch serving OpenAI's API from `engine`. */
export function createOpenAIFetch(engine: FetchableEngine):
    (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = (input instanceof Request && init === undefined) ? input : new Request(input, init);
    if (request.signal?.aborted) throw abortError(request.signal);
    return serve(engine, request);
  };
}
