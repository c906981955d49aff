/* The postMessage protocol between a page (WebWorkerEngine,
 * ServiceWorkerEngine) and a worker running the engine
 * (WebWorkerEngineHandler, ServiceWorkerEngineHandler).
 *
 * Every message carries `wick: 1` (other traffic on the port is ignored)
 * and the `id` of the call it belongs to. A call gets any number of
 * 'progress' (model load) or 'chunk' (stream) messages, then exactly one
 * 'return' or 'throw'. A stream first gets 'started' once the C engine has
 * accepted the request, so a refused request rejects create() itself, as
 * in-page. Chunks are pushed as they are made (no per-chunk round trip).
 * 'abort' names the call to end: the worker aborts it and answers that
 * call with 'throw' AbortError (or ends the stream, for 'cancel'). */

import type { InitProgressReport, ModelRecord, RequestKind, SerializableEngineConfig }
  from './engine_interface.js';
import { APIError, type OpenAIErrorObject } from './openai_types.js';

export const PROTOCOL_TAG = 1;

export type ClientBody =
  | { kind: 'reload'; models: ModelRecord[]; config: SerializableEngineConfig }
  | { kind: 'unload' }
  | { kind: 'request'; api: RequestKind; request: unknown; stream: boolean }
  /** Ends call `target`: 'signal' (AbortSignal: it throws AbortError) or
   *  'cancel' (the consumer left the stream: it ends quietly). */
  | { kind: 'abort'; target: string; why: 'signal' | 'cancel' }
  | { kind: 'interrupt' }
  | { kind: 'resetChat'; keepStats: boolean; modelId?: string }
  | { kind: 'runtimeStats'; modelId?: string }
  | { kind: 'getMessage'; modelId?: string }
  | { kind: 'listModels' }
  | { kind: 'keepAlive' };
export type ClientMessage = { wick: 1; id: string } & ClientBody;

export type WorkerBody =
  | { kind: 'progress'; report: InitProgressReport }
  | { kind: 'started' }
  | { kind: 'chunk'; chunk: object }
  | { kind: 'return'; value?: unknown }
  | { kind: 'throw'; error: SerializedError }
  | { kind: 'heartbeat' };
export type WorkerMessage = { wick: 1; id: string } & WorkerBody;

/** Errors crossing the boundary keep their kind: APIError (with its OpenAI
 *  object and status), AbortError, or a plain Error. */
export type SerializedError =
  | { name: 'APIError'; error: OpenAIErrorObject; status: number }
  | { name: string; message: string; code?: string };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof APIError) return { name: 'APIError', error: e.error, status: e.status };
  if (e instanceof Error || e instanceof DOMException) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.name === 'APIError' && 'error' in s) return new APIError(s.error, s.status);
  const m = s as { name: string; message: string; code?: string };
  if (m.name === 'AbortError') return new DOMException(m.message, 'AbortError');
  const e = new Error(m.message);
  e.name = m.name;
  if (m.code) (e as Error & { code?: string }).code = m.code;
  return e;
}

export function isWickMessage(data: unknown): data is { wick: 1; id: string; kind: string } {
  return !!data && typeof data === 'object' && (data as { wick?: unknown }).wick === PROTOCOL_TAG &&
    typeof (data as { id?: unknown }).id === 'string' && typeof (data as { kind?: unknown }).kind === 'string';
}

export function newCallId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
