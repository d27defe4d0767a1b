// csms-sdk: a client for the csms remote-api. `OCPPClient` is the reference's; `CsmsClient` the same without its URLs.
export { API_VERSION, CsmsClient, DEFAULT_BASE_URL, errorFor, MAX_STREAM_RECONNECTS, MAX_WAIT_SECONDS, StreamError } from "./client.js";
export type { ClientOptions, CommandOptions, EventFilter, Operation, SessionFilter, StreamOptions } from "./client.js";
export { ENDPOINTS, NOT_IN_THE_SDK } from "./endpoints.js";
export * from "./errors.js";
export type * from "./models.js";
export type { paths } from "./generated/openapi.js";
export { baseUrlOf, OCPPClient } from "./reference.js";
export { parseRetryAfter, retryDelayMs } from "./retry.js";
export { SseParser } from "./sse.js";
export type { ServerSentEvent } from "./sse.js";
export { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "./signature.js";
export type { VerifyOptions } from "./signature.js";
export type { RetryPolicy } from "./retry.js";
export { VERSION } from "./version.js";
