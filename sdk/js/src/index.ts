// csms-sdk: a client for the csms remote-api. `OCPPClient` is the reference's; `CsmsClient` the same without its URLs.
export { API_VERSION, CsmsClient, DEFAULT_BASE_URL, errorFor, MAX_WAIT_SECONDS } from "./client.js";
export type { ClientOptions, CommandOptions, Operation } from "./client.js";
export * from "./errors.js";
export type * from "./models.js";
export type { paths } from "./generated/openapi.js";
export { baseUrlOf, OCPPClient } from "./reference.js";
export { parseRetryAfter, retryDelayMs } from "./retry.js";
export type { RetryPolicy } from "./retry.js";
export { VERSION } from "./version.js";
