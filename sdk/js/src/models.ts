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
export type UpdateStationRequest = RequestJson<"/charge-points/{station_id}", "patch">;
export type DesiredPatch = RequestJson<"/charge-points/{station_id}/shadow", "patch">;
/** The managed desired state (configuration, availability); a null value deletes a key. */
export type Desired = NonNullable<DesiredPatch["state"]["desired"]>;
export type PasswordRotated = Json<"/charge-points/{station_id}/password/rotate", "post", 200>;
export type SecurityProfileUpgraded = Json<"/charge-points/{station_id}/security-profile", "post", 200>;
export type FleetDesiredAnswer = Json<"/fleet/shadow", "patch", 200>;
export type FleetStatus = Json<"/fleet/status", "get", 200>;
export type FleetBatch = Json<"/fleet/commands/{target}", "get", 200>;
export type IssuedCertificates = Json<"/charge-points/{station_id}/certificates", "get", 200>;
export type IssuedCertificate = Json<"/charge-points/{station_id}/certificates/{serial}", "delete", 200>;
export type InstalledCertificates = Json<"/charge-points/{station_id}/installed-certificates", "get", 200>;
export type InstallCertificateRequest = RequestJson<"/charge-points/{station_id}/certificates/install", "post">;
export type CertificateHashData = RequestJson<"/charge-points/{station_id}/installed-certificates/delete", "post">["certificateHashData"];
export type SiteList = Json<"/sites", "get", 200>;
export type Site = Json<"/sites/{site_id}", "get", 200>;
export type SiteBody = RequestJson<"/sites/{site_id}", "put">;
export type Limit = SiteBody["limit"];
export type SiteDeleted = Json<"/sites/{site_id}", "delete", 200>;
export type Allocation = Json<"/sites/{site_id}/allocation", "get", 200>;
export type ChargingProfileList = Json<"/charge-points/{station_id}/charging-profiles", "get", 200>;
export type ChargingProfile = Json<"/charge-points/{station_id}/charging-profiles/{profile_id}", "get", 200>;
export type TariffList = Json<"/tariffs", "get", 200>;
export type Tariff = Json<"/tariffs/{tariff_id}", "get", 200>;
export type AssignmentList = Json<"/tariff-assignments", "get", 200>;
export type Assignment = Json<"/tariff-assignments/default", "put", 200>;
export type SessionPage = Json<"/sessions", "get", 200>;
export type BillingSession = Json<"/sessions/{session_id}", "get", 200>;
export type Cdr = Json<"/cdrs/{session_id}", "get", 200>;
