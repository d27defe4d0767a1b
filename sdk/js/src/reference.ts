// The reference's `new OCPPClient(remoteStartUrl, remoteStopUrl)`, kept working as written, plus the whole API.
import { ClientOptions, CsmsClient } from "./client.js";

const START_PATH = "/remote-start-transaction";

/** `https://host/v1/remote-start-transaction` → `https://host/v1`; any other URL → its origin. */
export function baseUrlOf(remoteStartUrl: string): string {
  const url = new URL(remoteStartUrl);
  const path = url.pathname.replace(/\/+$/, "");
  const prefix = path.endsWith(START_PATH) ? path.slice(0, -START_PATH.length) : "";
  return `${url.origin}${prefix}`;
}

/**
 * Start and stop go to the two URLs given, as in the reference (where each was its own function URL);
 * every other endpoint is below `options.baseUrl`, by default the start URL without its path.
 * The token comes from `options.token` or OCPP_API_TOKEN.
 */
export class OCPPClient extends CsmsClient {
  constructor(remoteStartUrl: string, remoteStopUrl: string, options: ClientOptions = {}) {
    super({ ...options, baseUrl: options.baseUrl ?? baseUrlOf(remoteStartUrl) });
    this.remoteStartUrl = remoteStartUrl;
    this.remoteStopUrl = remoteStopUrl;
  }
}
