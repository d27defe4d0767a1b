// What the pytest wrapper (tests/sdk/test_js_sdk.py) passes: the running system and its stations.
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/sdk/test_js_sdk.py`);
  return value;
}

export const apiUrl = required("CSMS_API_URL");
export const rateLimitedApiUrl = required("CSMS_RATE_LIMITED_API_URL");
export const token = required("OCPP_API_TOKEN");
export const readToken = required("CSMS_READ_TOKEN");
/** A connected 2.0.1 station (the ocpp library's) that accepts start, stop and Reset. */
export const onlineStation = required("CSMS_ONLINE_STATION");
/** A connected 2.0.1 socket that never answers a call. */
export const silentStation = required("CSMS_SILENT_STATION");
/** Seconds between two commands per station on the rate-limited API. */
export const rateLimitSeconds = Number(required("CSMS_RATE_LIMIT_SECONDS"));
export const runId = required("CSMS_RUN_ID");
