// CsmsClient: every endpoint of the remote-api as a method, on the platform's fetch (no dependencies).
import {
  AlreadyRegistered,
  ApiError,
  ApiErrorClass,
  CsmsError,
  ErrorBody,
  NotConnected,
  NotRegistered,
  RateLimited,
  STATUS_ERRORS,
  TransportError,
  UnexpectedResponse,
} from "./errors.js";
import type {
  Allocation,
  Assignment,
  AssignmentList,
  BillingSession,
  Cdr,
  CertificateHashData,
  ChargingProfile,
  ChargingProfileList,
  Desired,
  FleetBatch,
  FleetDesiredAnswer,
  FleetStatus,
  InstallCertificateRequest,
  InstalledCertificates,
  IssuedCertificate,
  IssuedCertificates,
  Limit,
  PasswordRotated,
  SecurityProfileUpgraded,
  SessionPage,
  Site,
  SiteBody,
  SiteDeleted,
  SiteList,
  Tariff,
  TariffList,
  UpdateStationRequest,
  CommandRecord,
  CommandResult,
  CsmsEvent,
  Deliveries,
  EventPage,
  EventType,
  NewWebhook,
  Redelivered,
  Webhook,
  WebhookDeleted,
  IdToken,
  IdTokenDeleted,
  IdTokenImport,
  IdTokenImported,
  IdTokenStatus,
  PasswordSet,
  RegistrationStatus,
  RemoteTransactionResult,
  Shadow,
  Station,
  StationDeleted,
  Transaction,
} from "./models.js";
import { parseRetryAfter, retryDelayMs, RetryPolicy } from "./retry.js";
import { lines, SseParser } from "./sse.js";
import { VERSION } from "./version.js";

export const DEFAULT_BASE_URL = "http://127.0.0.1:8080";
/** Sent as API-Version: an API that no longer speaks v1 refuses with 400 instead of misreading. */
export const API_VERSION = "v1";
/** The API's limit for ?wait (seconds). */
export const MAX_WAIT_SECONDS = 60;
const WAIT_MARGIN_MS = 10_000;

export interface ClientOptions {
  /** The API's base URL (default http://127.0.0.1:8080). */
  baseUrl?: string;
  /** The bearer token; default: the OCPP_API_TOKEN environment variable (Node). */
  token?: string;
  /** Per-request timeout in milliseconds (default 30000); a command with `wait` gets wait + 10 s. */
  timeoutMs?: number;
  /** Opt-in retry of 429 answers after their Retry-After (`true` for the defaults). */
  retry?: RetryPolicy | boolean;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** How to wait between retries (tests record it). */
  sleep?: (ms: number) => Promise<void>;
}

/** One HTTP request and how to read its errors (the Python SDK's Operation). */
export interface Operation {
  method: string;
  /** A path below the base URL, or an absolute URL. */
  url: string;
  params?: Record<string, string>;
  body?: unknown;
  /** Seconds the API waits for the station's answer (?wait). */
  wait?: number;
  /** Narrower error classes for this operation (404 → NotRegistered, 409 → NotConnected, ...). */
  errors?: Record<number, ApiErrorClass>;
  /** A 2xx answer is text (/sessions.csv), returned as a string rather than read as JSON. */
  text?: boolean;
}

export interface EventFilter {
  /** Only events of these types. */
  types?: EventType[];
  /** Only this station's events. */
  chargePointId?: string;
}

export interface StreamOptions {
  /** Start after this event id (default: from now). */
  after?: string;
  /** Reconnect with Last-Event-ID when a stream ends or drops (default true). */
  reconnect?: boolean;
  /** Abort to stop following. */
  signal?: AbortSignal;
}

/** The API ends a stream with `end` and resumes on reconnection; this many failures in a row give up. */
export const MAX_STREAM_RECONNECTS = 5;
const DEFAULT_STREAM_RETRY_MS = 1000;

/** The API ended the stream with an `error` message (e.g. the shadow became unavailable). */
export class StreamError extends CsmsError {
  override name = "StreamError";
}

function eventParams(filter: EventFilter): Record<string, string | undefined> {
  return { type: filter.types?.length ? filter.types.join(",") : undefined, chargePointId: filter.chargePointId };
}

export interface SessionFilter {
  /** Only this station's sessions. */
  chargePointId?: string;
  /** Only this token's sessions. */
  idToken?: string;
  /** Started at or after (ISO 8601). */
  from?: string;
  /** Started at or before (ISO 8601). */
  to?: string;
}

function sessionParams(filter: SessionFilter): Record<string, string | undefined> {
  return { chargePointId: filter.chargePointId, idToken: filter.idToken, from: filter.from, to: filter.to };
}

/** ?selector= (a Kubernetes label selector); none or empty: every station. */
function selectorParams(selector: string | undefined): Record<string, string> {
  return selector ? { selector } : {};
}

export interface CommandOptions {
  /** Wait up to this many seconds (0 < wait <= 60) for the station's answer. */
  wait?: number;
}

const STATION_ERRORS = { 404: NotRegistered };
const COMMAND_ERRORS = { 404: NotRegistered, 409: NotConnected };

function tokenFromEnvironment(): string | undefined {
  const processLike = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return processLike?.env?.OCPP_API_TOKEN || undefined;
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

function stationPath(stationId: string, ...rest: string[]): string {
  return ["/charge-points", segment(stationId), ...rest.map(segment)].join("/");
}

function waitParams(wait: number | undefined): Record<string, string> {
  if (wait === undefined) return {};
  if (!(wait > 0 && wait <= MAX_WAIT_SECONDS)) {
    throw new RangeError(`wait must be more than 0 and at most ${MAX_WAIT_SECONDS} seconds`);
  }
  return { wait: String(wait) };
}

function pageParams(after: string | undefined, filters: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) params[key] = value;
  if (after !== undefined) params.after = after;
  return params;
}

/** The error for a non-2xx answer (exported for tests and for extensions). */
export function errorFor(operation: Operation, status: number, headers: Headers, body: unknown, url: string): ApiError {
  const fields: ErrorBody = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as ErrorBody) : {};
  const errorClass = operation.errors?.[status] ?? STATUS_ERRORS[status] ?? UnexpectedResponse;
  if (errorClass === RateLimited) {
    return new RateLimited(status, fields, operation.method, url, parseRetryAfter(headers.get("retry-after")));
  }
  return new errorClass(status, fields, operation.method, url);
}

export class CsmsClient {
  readonly baseUrl: string;
  protected remoteStartUrl = "/remote-start-transaction";
  protected remoteStopUrl = "/remote-stop-transaction";
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    const token = options.token ?? tokenFromEnvironment();
    this.headers = {
      "API-Version": API_VERSION,
      "User-Agent": `csms-sdk-js/${VERSION}`,
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...options.headers,
    };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = options.retry === true ? {} : options.retry || undefined;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private urlOf(operation: Operation): string {
    const absolute = /^https?:\/\//i.test(operation.url);
    const url = new URL(absolute ? operation.url : `${this.baseUrl}${operation.url}`);
    for (const [key, value] of Object.entries(operation.params ?? {})) url.searchParams.set(key, value);
    return url.toString();
  }

  /** Send one operation (retrying 429 with a retry policy); its JSON body. */
  async call<T>(operation: Operation): Promise<T> {
    const url = this.urlOf(operation);
    const timeoutMs = operation.wait === undefined ? this.timeoutMs : Math.max(this.timeoutMs, operation.wait * 1000 + WAIT_MARGIN_MS);
    for (let tries = 1; ; tries += 1) {
      const headers: Record<string, string> = { ...this.headers };
      if (operation.body !== undefined) headers["Content-Type"] = "application/json";
      let response: Response;
      let text: string;
      try {
        response = await this.fetchImpl(url, {
          method: operation.method,
          headers,
          body: operation.body === undefined ? undefined : JSON.stringify(operation.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        throw new TransportError(`${operation.method} ${url}: ${describe(error)}`, { cause: error });
      }
      if (operation.text && response.ok) return text as T;
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        throw new UnexpectedResponse(response.status, { error: `answer is not JSON: ${text.slice(0, 200)}` }, operation.method, url);
      }
      if (response.ok) return body as T;
      const error = errorFor(operation, response.status, response.headers, body, url);
      const delay = error instanceof RateLimited && this.retry ? retryDelayMs(this.retry, tries, error.retryAfter) : undefined;
      if (delay === undefined) throw error;
      await this.sleep(delay);
    }
  }

  /** Every item of a list endpoint, page after page while the API names a `next` cursor. */
  async *pages<T>(build: (after: string | undefined) => Operation, itemsKey: string): AsyncGenerator<T> {
    let after: string | undefined;
    for (;;) {
      const body = await this.call<Record<string, unknown>>(build(after));
      const items = body?.[itemsKey];
      if (!Array.isArray(items)) throw new UnexpectedResponse(200, { error: `expected a ${itemsKey} list` }, "GET", "");
      yield* items as T[];
      if (body.next === undefined || body.next === null || items.length === 0) return;
      after = String(body.next);
    }
  }

  // -- the reference's remote start and stop ----------------------------------------------------

  /** Start a transaction (RequestStartTransaction / RemoteStartTransaction), as in the reference. */
  startTransaction(
    chargePointId: string,
    idTag?: string,
    connectorId = 1,
    options: CommandOptions & { transactionData?: Record<string, unknown> } = {},
  ): Promise<RemoteTransactionResult> {
    const body: Record<string, unknown> = { chargePointId, connectorId };
    if (idTag !== undefined) body.idTag = idTag;
    if (options.transactionData !== undefined) body.transactionData = options.transactionData;
    return this.call({ method: "POST", url: this.remoteStartUrl, params: waitParams(options.wait), body, wait: options.wait, errors: COMMAND_ERRORS });
  }

  /** Stop a transaction (RequestStopTransaction / RemoteStopTransaction), as in the reference. */
  stopTransaction(chargePointId: string, transactionId: string | number, options: CommandOptions = {}): Promise<RemoteTransactionResult> {
    const body = { chargePointId, transactionId };
    return this.call({ method: "POST", url: this.remoteStopUrl, params: waitParams(options.wait), body, wait: options.wait, errors: COMMAND_ERRORS });
  }

  // -- commands -----------------------------------------------------------------------------------

  /** Any CSMS-initiated OCPP call; with `wait` the station's answer is in `result`. */
  sendCommand(chargePointId: string, action: string, payload: Record<string, unknown> = {}, options: CommandOptions = {}): Promise<CommandResult> {
    const url = stationPath(chargePointId, "commands", action);
    return this.call({ method: "POST", url, params: waitParams(options.wait), body: payload, wait: options.wait, errors: COMMAND_ERRORS });
  }

  getCommand(messageId: string): Promise<CommandRecord> {
    return this.call({ method: "GET", url: `/commands/${segment(messageId)}` });
  }

  // -- the registry -------------------------------------------------------------------------------

  async listStations(): Promise<Station[]> {
    return collect(this.iterStations());
  }

  iterStations(): AsyncGenerator<Station> {
    return this.pages((after) => ({ method: "GET", url: "/charge-points", params: pageParams(after) }), "chargePoints");
  }

  getStation(chargePointId: string): Promise<Station> {
    return this.call({ method: "GET", url: stationPath(chargePointId), errors: STATION_ERRORS });
  }

  registerStation(
    chargePointId: string,
    options: { registrationStatus?: RegistrationStatus; securityProfile?: number; password?: string } = {},
  ): Promise<Station> {
    const body = { chargePointId, ...options };
    return this.call({ method: "POST", url: "/charge-points", body, errors: { 409: AlreadyRegistered } });
  }

  /** Change what is given: `labels` merge (a null value removes one), `site`, single `evses`' sites. */
  updateStation(chargePointId: string, changes: UpdateStationRequest): Promise<Station> {
    return this.call({ method: "PATCH", url: stationPath(chargePointId), body: changes, errors: STATION_ERRORS });
  }

  setStationPassword(chargePointId: string, password: string): Promise<PasswordSet> {
    return this.call({ method: "PUT", url: stationPath(chargePointId, "password"), body: { password }, errors: STATION_ERRORS });
  }

  deleteStation(chargePointId: string): Promise<StationDeleted> {
    return this.call({ method: "DELETE", url: stationPath(chargePointId), errors: STATION_ERRORS });
  }

  getShadow(chargePointId: string): Promise<Shadow> {
    return this.call({ method: "GET", url: stationPath(chargePointId, "shadow"), errors: STATION_ERRORS });
  }

  async listTransactions(chargePointId: string): Promise<Transaction[]> {
    return collect(this.iterTransactions(chargePointId));
  }

  iterTransactions(chargePointId: string): AsyncGenerator<Transaction> {
    const url = stationPath(chargePointId, "transactions");
    return this.pages((after) => ({ method: "GET", url, params: pageParams(after), errors: STATION_ERRORS }), "transactions");
  }

  // -- id tokens ----------------------------------------------------------------------------------

  putIdToken(
    token: string,
    status: IdTokenStatus,
    options: { expiryDate?: string; groupIdToken?: string; evseIds?: number[] } = {},
  ): Promise<IdToken> {
    return this.call({ method: "PUT", url: `/id-tokens/${segment(token)}`, body: { status, ...options } });
  }

  /** All or none: a wrong entry rejects with the 400 naming it (`idTokens[index]: reason`). */
  importIdTokens(entries: IdTokenImport): Promise<IdTokenImported> {
    return this.call({ method: "PUT", url: "/id-tokens", body: entries });
  }

  getIdToken(token: string): Promise<IdToken> {
    return this.call({ method: "GET", url: `/id-tokens/${segment(token)}` });
  }

  deleteIdToken(token: string): Promise<IdTokenDeleted> {
    return this.call({ method: "DELETE", url: `/id-tokens/${segment(token)}` });
  }

  async listIdTokens(): Promise<IdToken[]> {
    return collect(this.iterIdTokens());
  }

  iterIdTokens(): AsyncGenerator<IdToken> {
    return this.pages((after) => ({ method: "GET", url: "/id-tokens", params: pageParams(after) }), "idTokens");
  }

  // -- events -------------------------------------------------------------------------------------

  /** One page of the event log after `after` (the oldest kept without it); ask again after `next`. */
  listEvents(options: EventFilter & { after?: string; limit?: number } = {}): Promise<EventPage> {
    const params = pageParams(options.after, { ...eventParams(options), limit: options.limit?.toString() });
    return this.call({ method: "GET", url: "/events", params });
  }

  /** Every event after `after` up to the log's end now, page after page. */
  async *iterEvents(options: EventFilter & { after?: string; pageSize?: number } = {}): AsyncGenerator<CsmsEvent> {
    let cursor = options.after;
    for (;;) {
      const page = await this.listEvents({ ...options, after: cursor, limit: options.pageSize });
      yield* page.events;
      // A filtered page may move `next` without events; the end is a page that moves nothing.
      if (page.events.length === 0 && page.next === cursor) return;
      cursor = page.next;
    }
  }

  /**
   * Live events (after `after`, else from now) as they happen, reconnecting with Last-Event-ID when the
   * API ends a stream or the connection drops. Stop with `break`, or abort `signal`.
   */
  async *streamEvents(options: EventFilter & StreamOptions = {}): AsyncGenerator<CsmsEvent> {
    let lastId = options.after;
    let retryMs = DEFAULT_STREAM_RETRY_MS;
    let failures = 0;
    const url = this.urlOf({ method: "GET", url: "/events/stream", params: pageParams(undefined, eventParams(options)) });
    for (;;) {
      const headers: Record<string, string> = { ...this.headers, Accept: "text/event-stream" };
      if (lastId !== undefined) headers["Last-Event-ID"] = lastId;
      let ended = false;
      try {
        const response = await this.fetchImpl(url, { method: "GET", headers, signal: options.signal });
        if (!response.ok || response.body === null) {
          const text = await response.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = { error: text.slice(0, 200) };
          }
          throw errorFor({ method: "GET", url }, response.status, response.headers, body, url);
        }
        failures = 0;
        const parser = new SseParser();
        for await (const line of lines(response.body)) {
          const message = parser.feed(line);
          if (message === undefined) continue;
          if (message.retryMs !== undefined) retryMs = message.retryMs;
          if (message.event === "end") {
            const next = (JSON.parse(message.data) as { next?: string }).next;
            if (next) lastId = next;
            ended = true;
            break;
          }
          if (message.event === "error") {
            throw new StreamError(String((JSON.parse(message.data) as { error?: string }).error ?? message.data));
          }
          const event = JSON.parse(message.data) as CsmsEvent;
          lastId = message.id ?? event.id;
          yield event;
        }
      } catch (error) {
        if (error instanceof CsmsError || options.signal?.aborted) throw error;
        failures += 1;
        if (options.reconnect === false || failures > MAX_STREAM_RECONNECTS) {
          throw new TransportError(`GET ${url}: ${describe(error)}`, { cause: error });
        }
        await this.sleep(retryMs);
        continue;
      }
      if (options.reconnect === false) return;
      if (!ended) await this.sleep(retryMs); // closed without its end message: wait as told, then resume
    }
  }

  // -- webhooks (admin) -----------------------------------------------------------------------------

  /** A new webhook; without `secret` the API generates one and shows it once (`secret`). */
  createWebhook(url: string, options: { types?: EventType[]; secret?: string } = {}): Promise<NewWebhook> {
    return this.call({ method: "POST", url: "/webhooks", body: { url, ...options } });
  }

  async listWebhooks(): Promise<Webhook[]> {
    return collect(this.pages<Webhook>((after) => ({ method: "GET", url: "/webhooks", params: pageParams(after) }), "webhooks"));
  }

  getWebhook(webhookId: string): Promise<Webhook> {
    return this.call({ method: "GET", url: `/webhooks/${segment(webhookId)}` });
  }

  deleteWebhook(webhookId: string): Promise<WebhookDeleted> {
    return this.call({ method: "DELETE", url: `/webhooks/${segment(webhookId)}` });
  }

  webhookDeliveries(webhookId: string): Promise<Deliveries> {
    return this.call({ method: "GET", url: `/webhooks/${segment(webhookId)}/deliveries` });
  }

  /** Deliver the given events again, or (without ids) every dead letter. */
  redeliver(webhookId: string, eventIds?: string[]): Promise<Redelivered> {
    const body = eventIds === undefined ? {} : { eventIds };
    return this.call({ method: "POST", url: `/webhooks/${segment(webhookId)}/redeliver`, body });
  }

  // -- station settings, fleet and security ----------------------------------------------------------

  /** Merge `desired` into the station's desired state (a null value deletes a key; null clears it all). */
  patchShadow(chargePointId: string, desired: Desired | null): Promise<Shadow> {
    return this.call({ method: "PATCH", url: stationPath(chargePointId, "shadow"), body: { state: { desired } }, errors: STATION_ERRORS });
  }

  /** Give the connected station a new Basic-auth password (it is never shown). */
  rotatePassword(chargePointId: string): Promise<PasswordRotated> {
    return this.call({ method: "POST", url: stationPath(chargePointId, "password", "rotate"), body: {}, errors: COMMAND_ERRORS });
  }

  upgradeSecurityProfile(chargePointId: string, target: number, options: { networkSlot?: number } = {}): Promise<SecurityProfileUpgraded> {
    return this.call({ method: "POST", url: stationPath(chargePointId, "security-profile"), body: { target, ...options }, errors: COMMAND_ERRORS });
  }

  /** Merge `desired` into every station the label selector matches (no selector: every station). */
  patchFleetShadow(desired: Desired | null, options: { selector?: string } = {}): Promise<FleetDesiredAnswer> {
    return this.call({ method: "PATCH", url: "/fleet/shadow", params: selectorParams(options.selector), body: { state: { desired } } });
  }

  fleetStatus(options: { selector?: string } = {}): Promise<FleetStatus> {
    return this.call({ method: "GET", url: "/fleet/status", params: selectorParams(options.selector) });
  }

  /** The same call to every connected station the selector matches; follow it with getFleetCommand. */
  sendFleetCommand(action: string, payload: Record<string, unknown> = {}, options: { selector?: string } = {}): Promise<FleetBatch> {
    return this.call({ method: "POST", url: `/fleet/commands/${segment(action)}`, params: selectorParams(options.selector), body: payload });
  }

  getFleetCommand(batchId: string): Promise<FleetBatch> {
    return this.call({ method: "GET", url: `/fleet/commands/${segment(batchId)}` });
  }

  // -- certificates ----------------------------------------------------------------------------------

  /** Certificates the CA issued to the station. */
  listCertificates(chargePointId: string): Promise<IssuedCertificates> {
    return this.call({ method: "GET", url: stationPath(chargePointId, "certificates"), errors: STATION_ERRORS });
  }

  revokeCertificate(chargePointId: string, serial: string): Promise<IssuedCertificate> {
    return this.call({ method: "DELETE", url: stationPath(chargePointId, "certificates", serial), errors: STATION_ERRORS });
  }

  installCertificate(chargePointId: string, certificateType: InstallCertificateRequest["certificateType"], certificate: string, options: CommandOptions = {}): Promise<CommandResult> {
    const url = stationPath(chargePointId, "certificates", "install");
    return this.call({ method: "POST", url, params: waitParams(options.wait), body: { certificateType, certificate }, wait: options.wait, errors: COMMAND_ERRORS });
  }

  deleteInstalledCertificate(chargePointId: string, certificateHashData: CertificateHashData, options: CommandOptions = {}): Promise<CommandResult> {
    const url = stationPath(chargePointId, "installed-certificates", "delete");
    return this.call({ method: "POST", url, params: waitParams(options.wait), body: { certificateHashData }, wait: options.wait, errors: COMMAND_ERRORS });
  }

  refreshInstalledCertificates(chargePointId: string, certificateTypes?: string[], options: CommandOptions = {}): Promise<CommandResult> {
    const url = stationPath(chargePointId, "installed-certificates", "refresh");
    const body = certificateTypes === undefined ? {} : { certificateType: certificateTypes };
    return this.call({ method: "POST", url, params: waitParams(options.wait), body, wait: options.wait, errors: COMMAND_ERRORS });
  }

  getInstalledCertificates(chargePointId: string): Promise<InstalledCertificates> {
    return this.call({ method: "GET", url: stationPath(chargePointId, "installed-certificates"), errors: STATION_ERRORS });
  }

  // -- sites and charging profiles -----------------------------------------------------------------

  async listSites(): Promise<Site[]> {
    return (await this.call<SiteList>({ method: "GET", url: "/sites" })).sites as Site[];
  }

  getSite(siteId: string): Promise<Site> {
    return this.call({ method: "GET", url: `/sites/${segment(siteId)}` });
  }

  /** Create or replace a site (`limit`: `{ amps: 32 }` or `{ watts: 22000 }`). */
  putSite(siteId: string, limit: Limit, options: Omit<SiteBody, "limit"> = {}): Promise<Site> {
    return this.call({ method: "PUT", url: `/sites/${segment(siteId)}`, body: { limit, ...options } });
  }

  deleteSite(siteId: string): Promise<SiteDeleted> {
    return this.call({ method: "DELETE", url: `/sites/${segment(siteId)}` });
  }

  getAllocation(siteId: string): Promise<Allocation> {
    return this.call({ method: "GET", url: `/sites/${segment(siteId)}/allocation` });
  }

  setExternalLimit(siteId: string, limit: Limit, expires: string): Promise<Site> {
    return this.call({ method: "PUT", url: `/sites/${segment(siteId)}/external-limit`, body: { limit, expires } });
  }

  clearExternalLimit(siteId: string): Promise<Site> {
    return this.call({ method: "DELETE", url: `/sites/${segment(siteId)}/external-limit` });
  }

  /** The profiles set through the API, or with `source: "station"` the ones the station reported (2.x ReportChargingProfiles). */
  listChargingProfiles(chargePointId: string, source?: "api" | "station"): Promise<ChargingProfileList> {
    const params: Record<string, string> = source === undefined ? {} : { source };
    return this.call({ method: "GET", url: stationPath(chargePointId, "charging-profiles"), params, errors: STATION_ERRORS });
  }

  getChargingProfile(chargePointId: string, profileId: number): Promise<ChargingProfile> {
    return this.call({ method: "GET", url: stationPath(chargePointId, "charging-profiles", String(profileId)), errors: STATION_ERRORS });
  }

  putChargingProfile(chargePointId: string, profileId: number, profile: ChargingProfile): Promise<ChargingProfile> {
    return this.call({ method: "PUT", url: stationPath(chargePointId, "charging-profiles", String(profileId)), body: profile, errors: COMMAND_ERRORS });
  }

  deleteChargingProfile(chargePointId: string, profileId: number): Promise<Record<string, unknown>> {
    return this.call({ method: "DELETE", url: stationPath(chargePointId, "charging-profiles", String(profileId)), errors: COMMAND_ERRORS });
  }

  // -- billing ---------------------------------------------------------------------------------------

  async listTariffs(): Promise<Tariff[]> {
    return (await this.call<TariffList>({ method: "GET", url: "/tariffs" })).tariffs as Tariff[];
  }

  createTariff(tariff: Tariff): Promise<Tariff> {
    return this.call({ method: "POST", url: "/tariffs", body: tariff });
  }

  getTariff(tariffId: string): Promise<Tariff> {
    return this.call({ method: "GET", url: `/tariffs/${segment(tariffId)}` });
  }

  putTariff(tariffId: string, tariff: Tariff): Promise<Tariff> {
    return this.call({ method: "PUT", url: `/tariffs/${segment(tariffId)}`, body: tariff });
  }

  deleteTariff(tariffId: string): Promise<Record<string, unknown>> {
    return this.call({ method: "DELETE", url: `/tariffs/${segment(tariffId)}` });
  }

  listTariffAssignments(): Promise<AssignmentList> {
    return this.call({ method: "GET", url: "/tariff-assignments" });
  }

  assignDefaultTariffs(tariffIds: string[]): Promise<Assignment> {
    return this.call({ method: "PUT", url: "/tariff-assignments/default", body: { tariffIds } });
  }

  assignStationTariffs(chargePointId: string, tariffIds: string[]): Promise<Assignment> {
    return this.call({ method: "PUT", url: `/tariff-assignments/stations/${segment(chargePointId)}`, body: { tariffIds } });
  }

  assignSiteTariffs(siteId: string, tariffIds: string[]): Promise<Assignment> {
    return this.call({ method: "PUT", url: `/tariff-assignments/sites/${segment(siteId)}`, body: { tariffIds } });
  }

  assignGroupTariffs(group: string, tariffIds: string[]): Promise<Assignment> {
    return this.call({ method: "PUT", url: `/tariff-assignments/groups/${segment(group)}`, body: { tariffIds } });
  }

  /** One page of billing sessions (oldest start first); ask again with `cursor: page.nextCursor`. */
  listSessions(options: SessionFilter & { cursor?: string; limit?: number } = {}): Promise<SessionPage> {
    const params = pageParams(undefined, { ...sessionParams(options), cursor: options.cursor, limit: options.limit?.toString() });
    return this.call({ method: "GET", url: "/sessions", params });
  }

  /** Every matching session as CSV (for accounting). */
  /** A firmware campaign: { selector, firmware, batchSize, maxFailures, window? }. */
  createCampaign(campaign: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.call({ method: "POST", url: "/campaigns", body: campaign });
  }

  /** The campaign with each station's state. */
  getCampaign(campaignId: string): Promise<Record<string, unknown>> {
    return this.call({ method: "GET", url: `/campaigns/${segment(campaignId)}` });
  }

  /** "pause", "resume" or "cancel" a campaign. */
  controlCampaign(campaignId: string, action: "pause" | "resume" | "cancel"): Promise<Record<string, unknown>> {
    return this.call({ method: "POST", url: `/campaigns/${segment(campaignId)}/${segment(action)}` });
  }

  /** Every id token as CSV (values masked for a read-scope token). */
  idTokensCsv(): Promise<string> {
    return this.call({ method: "GET", url: "/id-tokens.csv", text: true });
  }

  sessionsCsv(options: SessionFilter = {}): Promise<string> {
    return this.call({ method: "GET", url: "/sessions.csv", params: pageParams(undefined, sessionParams(options)), text: true });
  }

  getSession(sessionId: string): Promise<BillingSession> {
    return this.call({ method: "GET", url: `/sessions/${segment(sessionId)}` });
  }

  getCdr(sessionId: string): Promise<Cdr> {
    return this.call({ method: "GET", url: `/cdrs/${segment(sessionId)}` });
  }

  /** The audit log (admin), oldest first, after `after`, up to its end now. */
  async *iterAudit(options: { after?: string } = {}): AsyncGenerator<Record<string, unknown>> {
    let cursor = options.after;
    for (;;) {
      const page = await this.call<{ records: Record<string, unknown>[]; next: string }>({ method: "GET", url: "/audit", params: pageParams(cursor) });
      yield* page.records;
      if (page.records.length === 0 || page.next === cursor) return;
      cursor = page.next;
    }
  }

  // -- probes -------------------------------------------------------------------------------------

  healthz(): Promise<Record<string, unknown>> {
    return this.call({ method: "GET", url: "/healthz" });
  }

  readyz(): Promise<Record<string, unknown>> {
    return this.call({ method: "GET", url: "/readyz", errors: { 503: ApiError } });
  }

  /** The API's OpenAPI document. */
  openapi(): Promise<Record<string, unknown>> {
    return this.call({ method: "GET", url: "/openapi.json" });
  }
}

/** fetch's "fetch failed" with the reason undici keeps in `cause` (ECONNREFUSED, UND_ERR_SOCKET, ...). */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = cause?.code ?? cause?.message;
  return reason ? `${text} (${reason})` : text;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
