// The client's logic over a fake fetch (no network): pagination, retry, errors, the reference's URLs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { baseUrlOf, CsmsClient, ENDPOINTS, NOT_IN_THE_SDK, NotConnected, NotRegistered, OCPPClient, parseRetryAfter, RateLimited, retryDelayMs } from "csms-sdk";

function fakeFetch(answers, seen) {
  return async (url, init) => {
    seen.push({ url, init });
    const [status, body, headers] = answers.shift();
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  };
}

test("pagination follows next until an empty page", async () => {
  const seen = [];
  const answers = [
    [200, { chargePoints: [{ chargePointId: "A" }], next: "p2" }],
    [200, { chargePoints: [{ chargePointId: "B" }], next: "p3" }],
    [200, { chargePoints: [], next: "p4" }],
  ];
  const client = new CsmsClient({ baseUrl: "http://api", token: "t", fetch: fakeFetch(answers, seen) });
  const ids = (await client.listStations()).map((station) => station.chargePointId);
  assert.deepEqual(ids, ["A", "B"]);
  assert.deepEqual(seen.map(({ url }) => new URL(url).searchParams.get("after")), [null, "p2", "p3"]);
  assert.equal(seen[0].init.headers.Authorization, "Bearer t");
  assert.equal(seen[0].init.headers["API-Version"], "v1");
});

test("retry waits for Retry-After, then gives up after its attempts", async () => {
  const slept = [];
  const sleep = async (ms) => void slept.push(ms);
  const answers = [
    [429, { error: "Too many" }, { "Retry-After": "3" }],
    [429, { error: "Too many" }, { "Retry-After": "1" }],
    [202, { messageId: "m", chargePointId: "C", state: "sent" }],
  ];
  const client = new CsmsClient({ baseUrl: "http://api", fetch: fakeFetch(answers, []), retry: { attempts: 3 }, sleep });
  assert.equal((await client.sendCommand("C", "Reset", { type: "Immediate" })).state, "sent");
  assert.deepEqual(slept, [3000, 1000]);

  const refusals = [[429, { error: "x" }, { "Retry-After": "2" }]];
  const plain = new CsmsClient({ baseUrl: "http://api", fetch: fakeFetch(refusals, []), sleep });
  await assert.rejects(plain.sendCommand("C", "Reset"), (error) => error instanceof RateLimited && error.retryAfter === 2);
  assert.deepEqual(slept, [3000, 1000]);
});

test("errors are narrowed per operation", async () => {
  const answers = [
    [404, { error: "Charge point not found: C" }],
    [409, { error: "Charge point not connected: C" }],
  ];
  const client = new CsmsClient({ baseUrl: "http://api", fetch: fakeFetch(answers, []) });
  await assert.rejects(client.getStation("C"), NotRegistered);
  await assert.rejects(client.startTransaction("C", "user-123", 1), (error) => error instanceof NotConnected && error.status === 409);
  assert.throws(() => client.sendCommand("C", "Reset", {}, { wait: 61 }), RangeError);
});

test("the reference's URLs are used as given; the token comes from OCPP_API_TOKEN", async () => {
  const seen = [];
  const answers = [[200, { message: "m", messageId: "1", chargePointId: "CP001" }], [200, { message: "m", messageId: "2", chargePointId: "CP001" }]];
  const saved = process.env.OCPP_API_TOKEN;
  process.env.OCPP_API_TOKEN = "from-env";
  try {
    const client = new OCPPClient("https://h/fn/start", "https://h/fn/stop", { fetch: fakeFetch(answers, seen) });
    await client.startTransaction("CP001", "user-123", 1);
    await client.stopTransaction("CP001", 123456789);
  } finally {
    if (saved === undefined) delete process.env.OCPP_API_TOKEN;
    else process.env.OCPP_API_TOKEN = saved;
  }
  assert.deepEqual(seen.map(({ url }) => url), ["https://h/fn/start", "https://h/fn/stop"]);
  assert.equal(seen[0].init.headers.Authorization, "Bearer from-env");
  assert.deepEqual(JSON.parse(seen[0].init.body), { chargePointId: "CP001", connectorId: 1, idTag: "user-123" });
  assert.deepEqual(JSON.parse(seen[1].init.body), { chargePointId: "CP001", transactionId: 123456789 });
  assert.equal(baseUrlOf("https://api.example/v1/remote-start-transaction"), "https://api.example/v1");
  assert.equal(baseUrlOf("https://abc.lambda-url.eu-west-1.on.aws/"), "https://abc.lambda-url.eu-west-1.on.aws");
});

test("retry delays and Retry-After", () => {
  assert.equal(retryDelayMs({}, 1, undefined), 500);
  assert.equal(retryDelayMs({}, 1, 2), 2000);
  assert.equal(retryDelayMs({ attempts: 2 }, 2, 1), undefined);
  assert.equal(retryDelayMs({ maxDelayMs: 1000 }, 1, 60), 1000);
  assert.equal(parseRetryAfter("2"), 2);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", Date.parse("2026-01-01T00:00:00Z")), 10);
});

// -- events and webhooks ------------------------------------------------------------------------------

import { createHmac } from "node:crypto";

import { Gone, SseParser, StreamError, TransportError, verifySignature } from "csms-sdk";

function frame(id, type = "station.connected") {
  const event = { id, type, time: "t", chargePointId: "CP", payload: {} };
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(event)}\n\n`;
}

const end = (next) => `event: end\ndata: ${JSON.stringify({ reason: "time limit", next })}\n\n`;

function streamingFetch(bodies, seen) {
  return async (url, init) => {
    seen.push({ url, lastEventId: init.headers["Last-Event-ID"] });
    const body = bodies.shift();
    if (body instanceof Error) throw body;
    return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  };
}

test("the SSE parser reads ids, types, multi-line data and skips comments", () => {
  const parser = new SseParser();
  const text = 'retry: 1000\n\n: keep-alive\n\nid: 1-0\nevent: station.connected\ndata: {"a":\ndata: 1}\n\ndata:x\n\n';
  const messages = text.split("\n").map((line) => parser.feed(line)).filter((message) => message !== undefined);
  assert.deepEqual(messages, [
    { event: "station.connected", data: '{"a":\n1}', id: "1-0", retryMs: 1000 },
    { event: "message", data: "x", id: "1-0", retryMs: 1000 },
  ]);
});

test("the stream resumes with Last-Event-ID after an end message and after a dropped connection", async () => {
  const seen = [];
  const slept = [];
  const bodies = [
    "retry: 10\n\n" + frame("1-0") + frame("2-0") + end("2-0"),
    new TypeError("fetch failed"),
    frame("3-0") + end("5-0"),
    frame("6-0"),
  ];
  const client = new CsmsClient({ baseUrl: "http://api", fetch: streamingFetch(bodies, seen), sleep: async (ms) => void slept.push(ms) });
  const ids = [];
  for await (const event of client.streamEvents({ types: ["station.connected", "command.answered"], chargePointId: "CP" })) {
    ids.push(event.id);
    if (ids.length === 4) break;
  }
  assert.deepEqual(ids, ["1-0", "2-0", "3-0", "6-0"]);
  assert.deepEqual(seen.map(({ lastEventId }) => lastEventId), [undefined, "2-0", "2-0", "5-0"]);
  const params = new URL(seen[0].url).searchParams;
  assert.equal(params.get("type"), "station.connected,command.answered");
  assert.equal(params.get("chargePointId"), "CP");
  assert.deepEqual(slept, [10]);
});

test("the stream gives up after repeated failures, and raises the API's errors", async () => {
  const seen = [];
  const failing = new CsmsClient({
    baseUrl: "http://api",
    fetch: streamingFetch(Array.from({ length: 10 }, () => new TypeError("fetch failed")), seen),
    sleep: async () => {},
  });
  await assert.rejects(failing.streamEvents({ after: "1-0" }).next(), TransportError);
  assert.equal(seen.length, 6);

  const erroring = new CsmsClient({
    baseUrl: "http://api",
    fetch: streamingFetch([frame("1-0") + 'event: error\ndata: {"error": "shadow unavailable"}\n\n'], []),
  });
  const stream = erroring.streamEvents();
  assert.equal((await stream.next()).value.id, "1-0");
  await assert.rejects(stream.next(), (error) => error instanceof StreamError && /shadow unavailable/.test(error.message));

  const gone = new CsmsClient({ baseUrl: "http://api", fetch: fakeFetch([[410, { error: "older than the retention" }]], []) });
  await assert.rejects(gone.streamEvents({ after: "1-0" }).next(), Gone);
});

test("iterEvents pages until a page moves nothing", async () => {
  const seen = [];
  const answers = [
    [200, { events: [{ id: "1-0" }], next: "1-0" }],
    [200, { events: [], next: "9-0" }],
    [200, { events: [{ id: "10-0" }], next: "10-0" }],
    [200, { events: [], next: "10-0" }],
  ];
  const client = new CsmsClient({ baseUrl: "http://api", fetch: fakeFetch(answers, seen) });
  const ids = [];
  for await (const event of client.iterEvents({ types: ["transaction.started"], pageSize: 50 })) ids.push(event.id);
  assert.deepEqual(ids, ["1-0", "10-0"]);
  const first = new URL(seen[0].url).searchParams;
  assert.equal(first.get("type"), "transaction.started");
  assert.equal(first.get("limit"), "50");
  assert.equal(seen.length, 4);
});

test("webhook calls send what the API expects", async () => {
  const seen = [];
  const answers = Array.from({ length: 5 }, () => [200, {}]);
  const client = new CsmsClient({ baseUrl: "http://api", fetch: fakeFetch(answers, seen) });
  await client.createWebhook("https://hooks.example/x", { types: ["transaction.started"] });
  await client.getWebhook("w/1");
  await client.webhookDeliveries("w1");
  await client.redeliver("w1", ["1-0"]);
  await client.deleteWebhook("w1");
  assert.deepEqual(
    seen.map(({ url, init }) => [init.method, new URL(url).pathname]),
    [["POST", "/webhooks"], ["GET", "/webhooks/w%2F1"], ["GET", "/webhooks/w1/deliveries"], ["POST", "/webhooks/w1/redeliver"], ["DELETE", "/webhooks/w1"]],
  );
  assert.deepEqual(JSON.parse(seen[0].init.body), { url: "https://hooks.example/x", types: ["transaction.started"] });
  assert.deepEqual(JSON.parse(seen[3].init.body), { eventIds: ["1-0"] });
});

test("verifySignature: the docs' fixed vector, node:crypto's HMAC, rotation, and refusals", async () => {
  const vector = { "X-CSMS-Timestamp": "1", "X-CSMS-Signature": "v1=1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908" };
  assert.equal(await verifySignature("secret", "{}", vector, { now: 1 }), true);

  const secret = "whsec-0123456789abcdef";
  const body = '{"id":"1-0","type":"station.connected"}';
  const signature = "v1=" + createHmac("sha256", secret).update(`1700000000.${body}`).digest("hex");
  const headers = new Headers({ "x-csms-timestamp": "1700000000", "x-csms-signature": signature });
  assert.equal(await verifySignature(secret, new TextEncoder().encode(body), headers, { now: 1700000100 }), true);
  const rotated = { "x-csms-timestamp": "1700000000", "x-csms-signature": `v1=${"0".repeat(64)}, ${signature}` };
  assert.equal(await verifySignature(secret, body, rotated, { now: 1700000000 }), true);

  assert.equal(await verifySignature("another-secret-00", body, headers, { now: 1700000000 }), false);
  assert.equal(await verifySignature(secret, body + " ", headers, { now: 1700000000 }), false);
  assert.equal(await verifySignature(secret, body, headers, { now: 1700000301 }), false);
  assert.equal(await verifySignature(secret, body, { "X-CSMS-Signature": signature }, { now: 1700000000 }), false);
  assert.equal(await verifySignature(secret, body, { "X-CSMS-Timestamp": "soon", "X-CSMS-Signature": signature }), false);
});

test("every operation of the OpenAPI document has a CsmsClient method", async () => {
  const { readFile } = await import("node:fs/promises");
  const document = JSON.parse(await readFile(new URL("../../openapi.json", import.meta.url), "utf8"));
  const operations = new Set();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item)) if (["get", "post", "put", "patch", "delete"].includes(method)) operations.add(`${method.toUpperCase()} ${path}`);
  }
  const missing = [...operations].filter((operation) => !(operation in ENDPOINTS) && !(operation in NOT_IN_THE_SDK));
  assert.deepEqual(missing, [], "operations without a method: add them to src/endpoints.ts and CsmsClient");
  const stale = [...Object.keys(ENDPOINTS), ...Object.keys(NOT_IN_THE_SDK)].filter((operation) => !operations.has(operation));
  assert.deepEqual(stale, [], "src/endpoints.ts names operations the API no longer has");
  const absent = Object.values(ENDPOINTS).filter((name) => typeof CsmsClient.prototype[name] !== "function");
  assert.deepEqual(absent, [], "methods named in src/endpoints.ts that CsmsClient lacks");
});

test("the new operations send their method, path, query and body", async () => {
  const seen = [];
  const answers = Array.from({ length: 12 }, () => [200, { sites: [{ id: "S1" }], tariffs: [] }]);
  const client = new CsmsClient({ baseUrl: "http://api", fetch: fakeFetch(answers, seen) });
  assert.deepEqual(await client.listSites(), [{ id: "S1" }]);
  await client.putSite("depot 1", { amps: 63 }, { name: "Depot" });
  await client.setExternalLimit("S1", { watts: 11000 }, "2030-01-01T00:00:00Z");
  await client.fleetStatus({ selector: "site=depot-1,model in (X,Y)" });
  await client.patchFleetShadow({ configuration: { HeartbeatInterval: "60" } }, { selector: "site=a" });
  await client.patchShadow("CP/1", { availability: null });
  await client.listCertificates("CP1");
  await client.installCertificate("CP1", "CSMSRootCertificate", "PEM", { wait: 5 });
  await client.updateStation("CP1", { labels: { site: "a", old: null }, site: null });
  await client.listSessions({ chargePointId: "CP1", cursor: "c2", limit: 10 });
  const requests = seen.map(({ url, init }) => [init.method, decodeURIComponent(new URL(url).pathname) + new URL(url).search, init.body && JSON.parse(init.body)]);
  assert.deepEqual(requests, [
    ["GET", "/sites", undefined],
    ["PUT", "/sites/depot 1", { limit: { amps: 63 }, name: "Depot" }],
    ["PUT", "/sites/S1/external-limit", { limit: { watts: 11000 }, expires: "2030-01-01T00:00:00Z" }],
    ["GET", "/fleet/status?selector=site%3Ddepot-1%2Cmodel+in+%28X%2CY%29", undefined],
    ["PATCH", "/fleet/shadow?selector=site%3Da", { state: { desired: { configuration: { HeartbeatInterval: "60" } } } }],
    ["PATCH", "/charge-points/CP/1/shadow", { state: { desired: { availability: null } } }],
    ["GET", "/charge-points/CP1/certificates", undefined],
    ["POST", "/charge-points/CP1/certificates/install?wait=5", { certificateType: "CSMSRootCertificate", certificate: "PEM" }],
    ["PATCH", "/charge-points/CP1", { labels: { site: "a", old: null }, site: null }],
    ["GET", "/sessions?chargePointId=CP1&cursor=c2&limit=10", undefined],
  ]);
});

test("sessionsCsv answers the CSV text", async () => {
  const client = new CsmsClient({ baseUrl: "http://api", fetch: async () => new Response("id,energyWh\nCP1:1,100\n", { status: 200, headers: { "Content-Type": "text/csv" } }) });
  assert.equal(await client.sessionsCsv({ chargePointId: "CP1" }), "id,energyWh\nCP1:1,100\n");
});

// Arguments for each method's required parameters (the Python SDK's test_coverage.SAMPLES, in order).
const SAMPLE_ARGUMENTS = {
  listStations: [],
  registerStation: ["CP1"],
  getStation: ["CP1"],
  updateStation: ["CP1"],
  deleteStation: ["CP1"],
  setStationPassword: ["CP1", "pppppppppppppppp"],
  rotatePassword: ["CP1"],
  upgradeSecurityProfile: ["CP1", 2],
  listTransactions: ["CP1"],
  getShadow: ["CP1"],
  patchShadow: ["CP1", {"configuration": {"HeartbeatInterval": "60"}}],
  startTransaction: ["CP1"],
  stopTransaction: ["CP1", 7],
  sendCommand: ["CP1", "Reset"],
  getCommand: ["m1"],
  listIdTokens: [],
  getIdToken: ["t1"],
  putIdToken: ["t1", "Accepted"],
  deleteIdToken: ["t1"],
  listEvents: [],
  iterAudit: [],
  createWebhook: ["https://hook.example/x"],
  listWebhooks: [],
  getWebhook: ["w1"],
  deleteWebhook: ["w1"],
  webhookDeliveries: ["w1"],
  redeliver: ["w1"],
  listTariffs: [],
  createTariff: [{"id": "T1", "currency": "EUR", "elements": []}],
  getTariff: ["T1"],
  putTariff: ["T1", {"id": "T1", "currency": "EUR", "elements": []}],
  deleteTariff: ["T1"],
  listTariffAssignments: [],
  assignDefaultTariffs: [["T1"]],
  assignStationTariffs: ["CP1", ["T1"]],
  assignSiteTariffs: ["S1", ["T1"]],
  assignGroupTariffs: ["g1", ["T1"]],
  listSessions: [],
  sessionsCsv: [],
  idTokensCsv: [],
  createCampaign: [{ selector: "site=a", firmware: { version: "2", location: "https://x/f.bin" }, batchSize: 1, maxFailures: 1 }],
  getCampaign: ["c1"],
  controlCampaign: ["c1", "pause"],
  importIdTokens: [[{ idToken: "T1", status: "Accepted" }]],
  getSession: ["CP1:1"],
  getCdr: ["CP1:1"],
  listCertificates: ["CP1"],
  revokeCertificate: ["CP1", "0A"],
  installCertificate: ["CP1", "CSMSRootCertificate", "-----BEGIN CERTIFICATE-----"],
  deleteInstalledCertificate: ["CP1", {"hashAlgorithm": "SHA256"}],
  refreshInstalledCertificates: ["CP1"],
  getInstalledCertificates: ["CP1"],
  patchFleetShadow: [{"configuration": {"HeartbeatInterval": "60"}}],
  fleetStatus: [],
  sendFleetCommand: ["Reset"],
  getFleetCommand: ["b1"],
  listSites: [],
  getSite: ["S1"],
  putSite: ["S1", {"amps": 32}],
  deleteSite: ["S1"],
  getAllocation: ["S1"],
  setExternalLimit: ["S1", {"amps": 32}, "2030-01-01T00:00:00Z"],
  clearExternalLimit: ["S1"],
  listChargingProfiles: ["CP1"],
  getChargingProfile: ["CP1", 5],
  putChargingProfile: ["CP1", 5, {"purpose": "TxDefaultProfile", "schedule": {}}],
  deleteChargingProfile: ["CP1", 5],
  healthz: [],
  readyz: [],
  openapi: [],
};

test("each method sends the operation src/endpoints.ts names it for", async () => {
  const seen = [];
  const lists = ["chargePoints", "idTokens", "transactions", "webhooks", "sites", "tariffs", "records", "events"];
  const answer = Object.fromEntries([...lists.map((key) => [key, []]), ["next", null]]);
  const fetch = async (url, init) => {
    seen.push({ url, init });
    return new Response(JSON.stringify(answer), { status: 200, headers: { "Content-Type": "application/json" } });
  };
  const client = new CsmsClient({ baseUrl: "http://api", fetch });
  const unchecked = Object.values(ENDPOINTS).filter((name) => name !== "streamEvents" && !(name in SAMPLE_ARGUMENTS));
  assert.deepEqual(unchecked, [], "add their arguments to SAMPLE_ARGUMENTS");
  for (const [operation, name] of Object.entries(ENDPOINTS)) {
    if (name === "streamEvents") continue; // the SSE stream has its own tests
    seen.length = 0;
    const result = client[name](...SAMPLE_ARGUMENTS[name]);
    if (typeof result?.[Symbol.asyncIterator] === "function") for await (const _ of result);
    else await result;
    const [method, template] = operation.split(" ");
    const pattern = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`);
    assert.equal(seen.length, 1, `${name}: ${seen.length} requests`);
    assert.equal(seen[0].init.method, method, name);
    assert.match(new URL(seen[0].url).pathname, pattern, name);
  }
});
