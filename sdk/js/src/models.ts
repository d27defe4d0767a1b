// The API's bodies, named; each is taken from the types generated from the OpenAPI document
// (src/generated/openapi.ts, `npm run generate`), so they change when the document does.
import type { paths } from "./generated/openapi.js";

type Json<Path extends keyof paths, Method extends keyof paths[Path], Status extends number> =
  paths[Path][Method] extends { responses: infer Responses }
    ? Status extends keyof Responses
      ? Responses[Status] extends { content: { "application/json": infer Body } }
        ? Body
        : never
      : never
    : never;

type RequestJson<Path extends keyof paths, Method extends keyof paths[Path]> =
  paths[Path][Method] extends { requestBody?: { content: { "application/json": infer Body } } } ? Body : never;

export type StationList = Json<"/charge-points", "get", 200>;
export type Station = StationList["chargePoints"][number];
export type Connection = NonNullable<Station["connection"]>;
export type RegistrationStatus = Station["registrationStatus"];
export type StationDeleted = Json<"/charge-points/{station_id}", "delete", 200>;
export type PasswordSet = Json<"/charge-points/{station_id}/password", "put", 200>;
export type Shadow = Json<"/charge-points/{station_id}/shadow", "get", 200>;
export type TransactionList = Json<"/charge-points/{station_id}/transactions", "get", 200>;
export type Transaction = TransactionList["transactions"][number];
export type RemoteTransactionResult = Json<"/remote-start-transaction", "post", 200>;
export type RemoteStartRequest = RequestJson<"/remote-start-transaction", "post">;
export type CommandResult = Json<"/charge-points/{station_id}/commands/{action}", "post", 200>;
export type CommandState = CommandResult["state"];
export type CommandRecord = Json<"/commands/{message_id}", "get", 200>;
export type IdTokenList = Json<"/id-tokens", "get", 200>;
export type IdToken = IdTokenList["idTokens"][number];
export type IdTokenStatus = IdToken["status"];
export type IdTokenDeleted = Json<"/id-tokens/{token}", "delete", 200>;
export type IdTokenImport = RequestJson<"/id-tokens", "put">;
export type IdTokenImported = Json<"/id-tokens", "put", 200>;
export type EventPage = Json<"/events", "get", 200>;
export type CsmsEvent = EventPage["events"][number];
/** "station.connected", "transaction.started", ...: the server's own list, from the OpenAPI document. */
export type EventType = CsmsEvent["type"];
export type Webhook = Json<"/webhooks/{webhook_id}", "get", 200>;
export type NewWebhook = Json<"/webhooks", "post", 201>;
export type CreateWebhookRequest = RequestJson<"/webhooks", "post">;
export type WebhookDeleted = Json<"/webhooks/{webhook_id}", "delete", 200>;
export type Deliveries = Json<"/webhooks/{webhook_id}/deliveries", "get", 200>;
export type Redelivered = Json<"/webhooks/{webhook_id}/redeliver", "post", 202>;
