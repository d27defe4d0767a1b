// Compiled (not run) by `npm run typecheck`: the generated types give the shapes the README promises.
import { CsmsClient, OCPPClient, StationError, verifySignature } from "../src/index.js";
import type { CommandResult, EventType, IdTokenStatus, NewWebhook, RemoteTransactionResult, Station } from "../src/index.js";

export async function usage(client: CsmsClient, reference: OCPPClient): Promise<void> {
  const started: RemoteTransactionResult = await reference.startTransaction("CP001", "user-123", 1);
  const remoteStartId: number | undefined = started.remoteStartId;
  const station: Station = await client.getStation("CP001");
  const protocol: string | undefined = station.connection?.protocol;
  const connected: boolean = station.connected;
  const answer: CommandResult = await client.sendCommand("CP001", "Reset", { type: "Immediate" }, { wait: 10 });
  const state: "sent" | "answered" | "error" | "timeout" | "rejected" | "closed" = answer.state;
  const status: IdTokenStatus = "Blocked";
  const reported: Record<string, unknown> = (await client.getShadow("CP001")).state.reported;
  try {
    await client.stopTransaction("CP001", 123456789);
  } catch (error) {
    if (error instanceof StationError) console.log(error.errorCode);
  }
  console.log(remoteStartId, protocol, connected, state, status, reported);
}

export async function events(client: CsmsClient): Promise<void> {
  const wanted: EventType[] = ["transaction.started", "transaction.ended"];
  // @ts-expect-error: not an event type the server knows
  const unknown: EventType = "station.exploded";
  for await (const event of client.streamEvents({ types: wanted, chargePointId: "CP001" })) {
    const type: EventType = event.type;
    const station: string | null = event.chargePointId;
    console.log(type, station, unknown);
  }
  const hook: NewWebhook = await client.createWebhook("https://hooks.example/x", { types: ["command.answered"] });
  console.log(hook.secret, await verifySignature(hook.secret ?? "", "{}", new Headers()));
}

// README's example of the operations added for issue 14, as written.
export async function fleet(client: CsmsClient): Promise<void> {
  await client.putSite("depot-1", { amps: 63, phases: 3 }, { name: "Depot 1" });
  await client.updateStation("CP001", { labels: { site: "depot-1" }, site: "depot-1" });
  await client.patchFleetShadow({ configuration: { HeartbeatInterval: "300" } }, { selector: "site=depot-1" });
  const status = await client.fleetStatus({ selector: "site=depot-1" }); // total, inSync, failing, ...
  const inSync: number = status.inSync;
  const serials: string[] = (await client.listCertificates("CP001")).certificates.map((issued) => issued.serialNumber);
  const csv: string = await client.sessionsCsv({ chargePointId: "CP001" });
  // @ts-expect-error: a site's limit is a number of amps or watts
  await client.putSite("depot-2", { amps: "lots" });
  console.log(inSync, serials, csv);
}
