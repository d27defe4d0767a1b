// The client's logic over a fake fetch (no network): pagination, retry, errors, the reference's URLs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { baseUrlOf, NotConnected, NotRegistered, OCPPClient, CsmsClient, parseRetryAfter, RateLimited, retryDelayMs } from "csms-sdk";

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
