/* OpenAI request / response / chunk shapes, as the C request engine
 * (include/wick_api.h) reads and writes them, plus the error type every
 * Wick engine throws.
 *
 * Validation lives in C: these types document the fields, they do not
 * check them. JS checks only what C cannot see: which loaded model a
 * request's `model` names (model_not_found), and that the request is an
 * object at all. */

// ---------------------------------------------------------------- requests

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface ChatCompletionContentPartText {
  type: 'text';
  text: string;
}

export interface ChatCompletionMessageParam {
  role: ChatRole;
  content: string | ChatCompletionContentPartText[] | null;
  name?: string;
  tool_call_id?: string;
}

/** Sampling fields shared by /v1/chat/completions and /v1/completions. */
export interface SamplingParams {
  /** Routes the request to one of the engine's loaded models (by model_id).
   *  May be omitted when exactly one model is loaded. */
  model?: string | null;
  n?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  logit_bias?: Record<string, number> | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  /* Wick (llama.cpp-style) extensions. */
  top_k?: number | null;
  min_p?: number | null;
  repetition_penalty?: number | null;
  ignore_eos?: boolean | null;
}

export interface ChatCompletionRequestBase extends SamplingParams {
  messages: ChatCompletionMessageParam[];
  max_completion_tokens?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
}
export interface ChatCompletionRequestNonStreaming extends ChatCompletionRequestBase {
  stream?: false | null;
}
export interface ChatCompletionRequestStreaming extends ChatCompletionRequestBase {
  stream: true;
}
export type ChatCompletionRequest =
  ChatCompletionRequestNonStreaming | ChatCompletionRequestStreaming;

export interface CompletionCreateParamsBase extends SamplingParams {
  prompt: string;
  /** Legacy API: number of top log-probabilities per token. */
  logprobs?: number | null;
  echo?: false | null;
}
export interface CompletionCreateParamsNonStreaming extends CompletionCreateParamsBase {
  stream?: false | null;
}
export interface CompletionCreateParamsStreaming extends CompletionCreateParamsBase {
  stream: true;
}
export type CompletionCreateParams =
  CompletionCreateParamsNonStreaming | CompletionCreateParamsStreaming;

/** Per-call options (the OpenAI SDK's second argument). */
export interface RequestOptions {
  /** Aborting ends the request: a pending call rejects, a stream throws,
   *  both with an AbortError. The engine stays usable. */
  signal?: AbortSignal | null;
}

// --------------------------------------------------------------- responses

export type FinishReason = 'stop' | 'length' | 'abort' | 'tool_calls' | 'content_filter';

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}
export interface ChatCompletionTokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}
export interface ChoiceLogprobs {
  content: ChatCompletionTokenLogprob[] | null;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Wick's timings (absent from OpenAI's responses). */
  extra?: {
    prefill_tokens_per_s?: number;
    decode_tokens_per_s?: number;
    time_to_first_token_s?: number;
    prompt_tokens_reused?: number;
  };
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    logprobs: ChoiceLogprobs | null;
    finish_reason: FinishReason;
  }>;
  usage?: CompletionUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null };
    logprobs?: ChoiceLogprobs | null;
    finish_reason: FinishReason | null;
  }>;
  /** Only on the last chunk with stream_options.include_usage (then choices is []). */
  usage?: CompletionUsage | null;
}

export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Array<Record<string, number>> | null;
  text_offset: number[];
}

/** A /v1/completions response; streamed chunks have the same shape. */
export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: Array<{
    index: number;
    text: string;
    logprobs: CompletionLogprobs | null;
    finish_reason: FinishReason | null;
  }>;
  usage?: CompletionUsage | null;
}
export type CompletionChunk = Completion;

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}
export interface ModelList {
  object: 'list';
  data: ModelObject[];
}

// ------------------------------------------------------------------ errors

/** OpenAI's error body: {"error": {message, type, param, code}}. */
export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}
export interface OpenAIErrorBody {
  error: OpenAIErrorObject;
}

/** HTTP status OpenAI's server would answer for an error object. */
export function statusOfError(e: OpenAIErrorObject): number {
  if (e.code === 'model_not_found') return 404;
  if (e.type === 'invalid_request_error') return 400;
  if (e.type === 'not_found_error') return 404;
  return 500;
}

/** What every Wick engine throws for a refused or failed request. Shaped
 *  like the `openai` SDK's APIError: `status`, `error` (the OpenAI error
 *  object), and its `code`, `param` and `type` lifted up. */
export class APIError extends Error {
  readonly status: number;
  readonly error: OpenAIErrorObject;
  readonly code: string | null;
  readonly param: string | null;
  readonly type: string;

  constructor(error: OpenAIErrorObject, status = statusOfError(error)) {
    super(`${status} ${error.message}`);
    this.name = 'APIError';
    this.status = status;
    this.error = error;
    this.code = error.code;
    this.param = error.param;
    this.type = error.type;
  }

  /** The JSON body an HTTP server would send. */
  toJSON(): OpenAIErrorBody {
    return { error: this.error };
  }
}

/** Builds an error object, filling OpenAI's defaults. */
export function errorObject(message: string, fields: Partial<OpenAIErrorObject> = {}): OpenAIErrorObject {
  return {
    message,
    type: fields.type ?? 'invalid_request_error',
    param: fields.param ?? null,
    code: fields.code ?? null,
  };
}

/** Reads an {error:{...}} object from C (or anything else) into an OpenAIErrorObject. */
export function toErrorObject(v: unknown): OpenAIErrorObject {
  const inner = (v && typeof v === 'object' && 'error' in v) ? (v as { error: unknown }).error : v;
  if (inner && typeof inner === 'object') {
    const o = inner as Record<string, unknown>;
    return {
      message: typeof o.message === 'string' ? o.message : JSON.stringify(o),
      type: typeof o.type === 'string' ? o.type : 'invalid_request_error',
      param: typeof o.param === 'string' ? o.param : null,
      code: typeof o.code === 'string' ? o.code : null,
    };
  }
  return errorObject(String(inner), { type: 'server_error' });
}

export function modelNotFound(model: string): APIError {
  return new APIError(errorObject(
    `The model \`${model}\` does not exist or is not loaded in this engine.`,
    { param: 'model', code: 'model_not_found' }));
}

/** The error a request ended by an AbortSignal rejects with (a DOMException
 *  named AbortError, like fetch's), or the signal's own reason if it has one. */
export function abortError(signal?: AbortSignal | null): unknown {
  return signal?.reason ?? new DOMException('The request was aborted.', 'AbortError');
}
