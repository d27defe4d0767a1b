// One error class per way a call to the remote-api can fail, all extending CsmsError (as in the Python SDK).

/** The JSON body of an error answer: at least {"error": "..."}; a command's also messageId, state, ... */
export type ErrorBody = { error?: string; [key: string]: unknown };

/** Anything this SDK throws. */
export class CsmsError extends Error {
  override name = "CsmsError";
}

/** The API could not be reached or did not answer in time. */
export class TransportError extends CsmsError {
  override name = "TransportError";
}

/**
 * The API answered with an error status. The message keeps the reference SDK's
 * "HTTP error! status: N" prefix, then the API's own error text.
 */
export class ApiError extends CsmsError {
  override name = "ApiError";
  readonly status: number;
  readonly body: ErrorBody;
  readonly method: string;
  readonly url: string;

  constructor(status: number, body: ErrorBody, method: string, url: string) {
    super(`HTTP error! status: ${status}: ${body.error ?? "request failed"} (${method} ${url})`);
    this.status = status;
    this.body = body;
    this.method = method;
    this.url = url;
  }

  /** The API's {"error": ...} text. */
  get error(): string {
    return String(this.body.error ?? `HTTP ${this.status}`);
  }
}

/** 400: a missing or invalid parameter, a payload the station's schema refuses, an unknown action. */
export class BadRequest extends ApiError {
  override name = "BadRequest";
}
/** 401: no token, or one the API does not know. */
export class Unauthorized extends ApiError {
  override name = "Unauthorized";
}
/** 403: the token lacks the scope (read < command < admin). */
export class Forbidden extends ApiError {
  override name = "Forbidden";
}
/** 404: no such station, command, id token or route. */
export class NotFound extends ApiError {
  override name = "NotFound";
}
/** 410: events after this id were removed by retention; start again from the oldest kept. */
export class Gone extends ApiError {
  override name = "Gone";
}
/** 404 from an endpoint about a station: the charge point is not registered. */
export class NotRegistered extends NotFound {
  override name = "NotRegistered";
}
/** 405. */
export class MethodNotAllowed extends ApiError {
  override name = "MethodNotAllowed";
}
/** 409. */
export class Conflict extends ApiError {
  override name = "Conflict";
}
/** 409 from registering: the charge point exists already. */
export class AlreadyRegistered extends Conflict {
  override name = "AlreadyRegistered";
}
/** 409 from a command: the charge point is registered but not connected. */
export class NotConnected extends Conflict {
  override name = "NotConnected";
}
/** 413. */
export class PayloadTooLarge extends ApiError {
  override name = "PayloadTooLarge";
}
/** 415. */
export class UnsupportedMediaType extends ApiError {
  override name = "UnsupportedMediaType";
}

/** 429: too many commands for the station; retryAfter is the Retry-After header in seconds. */
export class RateLimited extends ApiError {
  override name = "RateLimited";
  readonly retryAfter: number | undefined;

  constructor(status: number, body: ErrorBody, method: string, url: string, retryAfter?: number) {
    super(status, body, method, url);
    this.retryAfter = retryAfter;
  }
}

/** 500: e.g. "Failed to publish message: ...". */
export class ServerError extends ApiError {
  override name = "ServerError";
}

/** A command that was sent but not answered with a result; messageId names its record. */
export class CommandFailed extends ApiError {
  override name = "CommandFailed";
  get messageId(): string | undefined {
    return typeof this.body.messageId === "string" ? this.body.messageId : undefined;
  }
  get state(): string | undefined {
    return typeof this.body.state === "string" ? this.body.state : undefined;
  }
}

/** 502: the station answered with a CallError (errorCode), or closed its connection first. */
export class StationError extends CommandFailed {
  override name = "StationError";
  get errorCode(): string | undefined {
    return typeof this.body.errorCode === "string" ? this.body.errorCode : undefined;
  }
  get errorDescription(): string | undefined {
    return typeof this.body.errorDescription === "string" ? this.body.errorDescription : undefined;
  }
}

/** 503: the registry did not answer, or the station's call queue is full. */
export class Unavailable extends CommandFailed {
  override name = "Unavailable";
}

/** 504: no answer within `wait` (state "sent") or the gateway's call timeout (state "timeout"). */
export class CommandTimeout extends CommandFailed {
  override name = "CommandTimeout";
}

/** A status the API does not document, or an answer that is not JSON. */
export class UnexpectedResponse extends ApiError {
  override name = "UnexpectedResponse";
}

export type ApiErrorClass = new (status: number, body: ErrorBody, method: string, url: string) => ApiError;

export const STATUS_ERRORS: Readonly<Record<number, ApiErrorClass>> = {
  400: BadRequest,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  405: MethodNotAllowed,
  409: Conflict,
  410: Gone,
  413: PayloadTooLarge,
  415: UnsupportedMediaType,
  429: RateLimited,
  500: ServerError,
  502: StationError,
  503: Unavailable,
  504: CommandTimeout,
};
