// The JavaScript SDK (ESM build) against the running system.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AlreadyRegistered,
  BadRequest,
  CommandTimeout,
  CsmsClient,
  Forbidden,
  NotConnected,
  NotFound,
  NotRegistered,
  OCPPClient,
  RateLimited,
  StationError,
  TransportError,
  Unauthorized,
} from "csms-sdk";

import { apiUrl, onlineStation, rateLimitedApiUrl, rateLimitSeconds, readToken, runId, silentStation, token } from "./env.mjs";

const client = new CsmsClient({ baseUrl: apiUrl, token });

test("the reference's example, as written (token from OCPP_API_TOKEN)", async () => {
  const ocppClient = new OCPPClient(`${apiUrl}/remote-start-transaction`, `${apiUrl}/remote-stop-transaction`);
  const started = await ocppClient.startTransaction(onlineStation, "user-123", 1);
  console.log("Transaction started:", started);
  assert.equal(started.message, "RequestStartTransaction command sent successfully");
  assert.equal(started.chargePointId, onlineStation);
  assert.equal(typeof started.remoteStartId, "number");
  const stopped = await ocppClient.stopTransaction(onlineStation, 123456789);
  console.log("Transaction stopped:", stopped);
  assert.equal(stopped.message, "RequestStopTransaction command sent successfully");
  assert.equal(stopped.transactionId, 123456789);
});

test("registry: register, show, list, update, delete", async () => {
  const id = `JS-${runId}-crud`;
  const created = await client.registerStation(id);
  assert.equal(created.chargePointId, id);
  assert.equal(created.connected, false);
  await assert.rejects(client.registerStation(id), (error) => error instanceof AlreadyRegistered && error.status === 409);
  assert.equal((await client.getStation(id)).registrationStatus, "Accepted");
  const listed = (await client.listStations()).map((station) => station.chargePointId);
  assert.ok(listed.includes(id));
  const iterated = [];
  for await (const station of client.iterStations()) iterated.push(station.chargePointId);
  assert.deepEqual(iterated, listed);
  assert.equal((await client.updateStation(id, { registrationStatus: "Pending" })).registrationStatus, "Pending");
  assert.deepEqual(await client.deleteStation(id), { chargePointId: id, deleted: true });
  await assert.rejects(client.getStation(id), (error) => error instanceof NotRegistered && error instanceof NotFound && error.status === 404);
});

test("commands with and without wait; the command's record", async () => {
  const answered = await client.sendCommand(onlineStation, "Reset", { type: "Immediate" }, { wait: 10 });
  assert.equal(answered.state, "answered");
  assert.deepEqual(answered.result, { status: "Scheduled" });
  const sent = await client.sendCommand(onlineStation, "Reset", { type: "OnIdle" });
  assert.equal(sent.state, "sent");
  const deadline = Date.now() + 10_000;
  let record = await client.getCommand(sent.messageId);
  while (record.state !== "answered" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    record = await client.getCommand(sent.messageId);
  }
  assert.equal(record.state, "answered");
  assert.deepEqual(record.payload, { status: "Scheduled" });
  const started = await client.startTransaction(onlineStation, "user-456", 1, { wait: 10 });
  assert.deepEqual(started.result, { status: "Accepted" });
});

test("each API error has its class", async () => {
  await assert.rejects(client.sendCommand(`JS-${runId}-unknown`, "Reset", { type: "Immediate" }), NotRegistered);
  const offline = `JS-${runId}-offline`;
  await client.registerStation(offline);
  await assert.rejects(client.startTransaction(offline, "user-123", 1), (error) => error instanceof NotConnected && error.error === `Charge point not connected: ${offline}`);
  await assert.rejects(client.stopTransaction(onlineStation), (error) => error instanceof BadRequest && error.error === "Missing required parameter: transactionId");
  await assert.rejects(client.sendCommand(onlineStation, "ClearCache", {}, { wait: 10 }), (error) => error instanceof StationError && ["NotSupported", "NotImplemented"].includes(error.errorCode) && typeof error.messageId === "string");
  await assert.rejects(new CsmsClient({ baseUrl: apiUrl, token: "not-a-token" }).listStations(), Unauthorized);
  await assert.rejects(new CsmsClient({ baseUrl: apiUrl, token: readToken }).registerStation(`JS-${runId}-forbidden`), Forbidden);
  await assert.rejects(new CsmsClient({ baseUrl: "http://127.0.0.1:9", token, timeoutMs: 2000 }).healthz(), TransportError);
});

test("a silent station: CommandTimeout (504) with the command's message id", async () => {
  const started = Date.now();
  await assert.rejects(client.sendCommand(silentStation, "Reset", { type: "Immediate" }, { wait: 0.5 }), (error) => {
    assert.ok(error instanceof CommandTimeout, String(error));
    assert.equal(error.status, 504);
    assert.equal(error.state, "sent");
    assert.equal(typeof error.messageId, "string");
    return true;
  });
  console.log(`silent station: CommandTimeout after ${Date.now() - started} ms (wait=0.5 s)`);
});

test("429: RateLimited with Retry-After, and the opt-in retry honours it", async () => {
  const id = `JS-${runId}-rate`; // the limit applies before the registry is asked: an unknown id is enough
  const plain = new CsmsClient({ baseUrl: rateLimitedApiUrl, token });
  await assert.rejects(plain.sendCommand(id, "Reset", { type: "Immediate" }), NotRegistered);
  await assert.rejects(plain.sendCommand(id, "Reset", { type: "Immediate" }), (error) => error instanceof RateLimited && error.retryAfter === rateLimitSeconds);
  const slept = [];
  const patient = new CsmsClient({
    baseUrl: rateLimitedApiUrl,
    token,
    retry: { attempts: 3 },
    sleep: (ms) => {
      slept.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
  });
  const started = Date.now();
  await assert.rejects(patient.sendCommand(id, "Reset", { type: "Immediate" }), NotRegistered);
  console.log(`429 retried: slept ${JSON.stringify(slept)} ms, answered after ${Date.now() - started} ms`);
  assert.ok(slept.length >= 1 && slept[0] >= rateLimitSeconds * 1000, JSON.stringify(slept));
});

test("id tokens", async () => {
  const idToken = `js-${runId}`;
  assert.equal((await client.putIdToken(idToken, "Accepted", { expiryDate: "2030-01-01T00:00:00Z" })).status, "Accepted");
  assert.equal((await client.getIdToken(idToken)).status, "Accepted");
  assert.ok((await client.listIdTokens()).some((record) => record.idToken === idToken));
  assert.deepEqual(await client.deleteIdToken(idToken), { idToken, deleted: true });
  await assert.rejects(client.getIdToken(idToken), NotFound);
});

test("events: the online station's log, its stream resumed across stream ends; webhooks CRUD", async () => {
  const logged = [];
  for await (const event of client.iterEvents({ chargePointId: onlineStation })) logged.push(event);
  assert.ok(logged.some((event) => event.type === "station.connected"), JSON.stringify(logged.map((e) => e.type)));
  // From the first logged event: the rest of the log replayed, then (after the test system's 1 s
  // stream has ended at least once) a live command's events.
  const streamed = [];
  let acted = false;
  for await (const event of client.streamEvents({ after: logged[0].id, chargePointId: onlineStation })) {
    streamed.push(event);
    if (!acted && streamed.length >= logged.length - 1) {
      acted = true;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await client.sendCommand(onlineStation, "Reset", { type: "Immediate" }, { wait: 10 });
    }
    if (acted && event.type === "command.answered") break; // after the replay: a new event
  }
  console.log(`js stream: ${streamed.length} events, ${logged.length} logged before`);
  assert.deepEqual(streamed.slice(0, logged.length - 1).map((e) => e.id), logged.slice(1).map((e) => e.id));
  assert.deepEqual(streamed.slice(-2).map((e) => e.type), ["command.sent", "command.answered"]);

  const created = await client.createWebhook("http://127.0.0.1:9/js-hook", { types: ["station.connected"] });
  assert.ok(created.secret && created.secret.length >= 16);
  const shown = await client.getWebhook(created.id);
  assert.equal(shown.secret, undefined);
  assert.ok((await client.listWebhooks()).some((webhook) => webhook.id === created.id));
  assert.deepEqual((await client.webhookDeliveries(created.id)).deadLetters, []);
  assert.deepEqual(await client.redeliver(created.id), { id: created.id, queued: 0, refused: 0 });
  assert.deepEqual(await client.deleteWebhook(created.id), { id: created.id, deleted: true });
  await assert.rejects(client.getWebhook(created.id), NotFound);
  await assert.rejects(client.createWebhook("ftp://example.com/hook"), BadRequest);
});

test("sites, labels and site of a station, fleet desired state and status, certificates, tariffs", async () => {
  const site = `js-${runId}-depot`;
  const created = await client.putSite(site, { amps: 32, phases: 3 }, { name: "Depot" });
  assert.deepEqual([created.id, created.name, created.limit], [site, "Depot", { amps: 32, phases: 3 }]);
  assert.ok((await client.listSites()).some((found) => found.id === site));
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  assert.deepEqual((await client.setExternalLimit(site, { amps: 10 }, expires)).limitNow, { amps: [10, 10, 10] });
  assert.equal((await client.clearExternalLimit(site)).externalLimit, undefined);
  await assert.rejects(client.getSite(`js-${runId}-missing`), NotFound);

  const member = `JS-${runId}-member`;
  await client.registerStation(member);
  const updated = await client.updateStation(member, { labels: { site, model: "X" }, site });
  assert.deepEqual([updated.labels, updated.site], [{ site, model: "X" }, site]);
  assert.ok((await client.getSite(site)).stations.includes(member));
  assert.deepEqual((await client.getAllocation(site)).transactions, []);

  const desired = await client.patchFleetShadow({ configuration: { HeartbeatInterval: "75" } }, { selector: `site=${site}` });
  assert.deepEqual([desired.matched, desired.applied, desired.failed], [1, 1, []]);
  const status = await client.fleetStatus({ selector: `site=${site}` });
  assert.deepEqual([status.total, status.offline, status.inSync], [1, 1, 0]);
  assert.deepEqual((await client.getShadow(member)).state.desired?.configuration, { HeartbeatInterval: "75" });

  assert.deepEqual(await client.listCertificates(member), { chargePointId: member, certificates: [] });
  assert.deepEqual((await client.listChargingProfiles(member)).chargingProfiles, []);
  const tariffId = `js-${runId}-tariff`;
  const tariff = { id: tariffId, currency: "EUR", elements: [{ price_components: [{ type: "ENERGY", price: 0.3, step_size: 1 }] }] };
  assert.equal((await client.createTariff(tariff)).id, tariffId);
  assert.deepEqual((await client.assignSiteTariffs(site, [tariffId])).tariffIds, [tariffId]);
  assert.deepEqual(await client.listSessions({ chargePointId: member }), { sessions: [], nextCursor: null });
  assert.match(await client.sessionsCsv({ chargePointId: member }), /^id,/);
});
