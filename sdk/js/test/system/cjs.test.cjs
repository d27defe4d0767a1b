// The CommonJS build, required by the package's name, against the running system.
const assert = require("node:assert/strict");
const { test } = require("node:test");

const sdk = require("csms-sdk");

test("require('csms-sdk') gives the CommonJS build with the same API", async () => {
  assert.equal(typeof sdk.OCPPClient, "function");
  assert.ok(require.resolve("csms-sdk").includes(`${require("node:path").sep}cjs${require("node:path").sep}`));
  const client = new sdk.CsmsClient({ baseUrl: process.env.CSMS_API_URL, token: process.env.OCPP_API_TOKEN });
  assert.deepEqual(await client.healthz(), { status: "ok" });
  await assert.rejects(client.getStation(`CJS-${process.env.CSMS_RUN_ID}`), sdk.NotRegistered);
});
