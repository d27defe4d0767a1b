"""``csms``: the remote-api from a shell; tables for people, ``--json`` for scripts.

The API's address and token come from ``--url``/``--token``, else ``CSMS_URL``/``OCPP_API_TOKEN``,
else the config file (``--config``, ``CSMS_CONFIG``, ``~/.config/csms/config.toml``). Exit codes
are listed in ``csms_sdk.cli.exit_codes`` and ``docs/integrating.md``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem, get_completion_class

from csms_sdk._version import __version__
from csms_sdk.cli.arguments import desired_state, limit_text, site_limit
from csms_sdk.cli.config import CliConfig, ConfigFileError, default_config_path, resolve
from csms_sdk.cli.exit_codes import ExitCode, exit_code_for
from csms_sdk.cli.output import as_json, cell, key_values, table
from csms_sdk.client import Client
from csms_sdk.errors import ApiError, CsmsError
from csms_sdk.operations import MAX_WAIT_SECONDS
from csms_sdk.retry import RetryPolicy

REGISTRATION_STATUSES = ("Accepted", "Pending", "Rejected")
ID_TOKEN_STATUSES = ("Accepted", "Blocked", "Expired", "Invalid")
COMPLETION_VARIABLE = "_CSMS_COMPLETE"
COMPLETION_TIMEOUT = 2.0
"""Seconds a <TAB> may wait for the registry's station ids before completing nothing."""


@dataclass
class Invocation:
    """The group's options, handed to every command."""

    url: str | None
    token: str | None
    timeout: float | None
    config_path: Path
    retry: int
    json: bool

    def config(self) -> CliConfig:
        try:
            return resolve(self.url, self.token, self.timeout, self.config_path)
        except ConfigFileError as error:
            raise click.UsageError(str(error)) from error

    def client(self) -> Client:
        config = self.config()
        retry = RetryPolicy(attempts=self.retry + 1) if self.retry else None
        return Client(config.url, token=config.token, timeout=config.timeout, retry=retry)


def invocation() -> Invocation:
    found = click.get_current_context().find_object(Invocation)
    if found is None:  # every command runs below the group, whose callback sets it
        raise click.UsageError("csms commands run below the csms group")
    return found


def json_flag(function: Any) -> Any:
    """``--json`` on a command too (``csms stations list --json``), same as ``csms --json ...``."""

    def remember(context: click.Context, _parameter: click.Parameter, value: bool) -> bool:
        found = context.find_object(Invocation)  # None while the shell completes a command line
        if value and found is not None:
            found.json = True
        return value

    return click.option(
        "--json", "json_output", is_flag=True, expose_value=False, callback=remember, help="Print JSON."
    )(function)


def emit(value: Any, human: str) -> None:
    click.echo(as_json(value) if invocation().json else human)


def completion_invocation(context: click.Context) -> Invocation:
    """The group's options while the shell completes: completion parses the command line without
    running the group's callback, so they are read from the root context's parameters."""
    params = context.find_root().params
    return Invocation(
        params.get("url"),
        params.get("token"),
        params.get("timeout") or COMPLETION_TIMEOUT,
        params.get("config_path") or default_config_path(),
        retry=0,
        json=False,
    )


def complete_station_ids(context: click.Context, _parameter: click.Parameter, incomplete: str) -> list[Any]:
    """Station ids from the registry, for shell completion; nothing when the API is out of reach."""
    try:
        with completion_invocation(context).client() as client:
            ids = [station["chargePointId"] for station in client.iter_stations()]
    except (CsmsError, click.UsageError):
        return []
    return [CompletionItem(station_id) for station_id in ids if station_id.startswith(incomplete)]


def complete_event_types(context: click.Context, _parameter: click.Parameter, incomplete: str) -> list[Any]:
    """Event types from the API's OpenAPI document (its ``EventType`` enum), for ``--type``; a
    comma-separated list completes its last name. Nothing when the API is out of reach."""
    done, _, partial = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    try:
        with completion_invocation(context).client() as client:
            document = client.openapi()
        names = document["components"]["schemas"]["EventType"]["enum"]
    except (CsmsError, click.UsageError, KeyError, TypeError):
        return []
    return [CompletionItem(prefix + name) for name in names if name.startswith(partial)]


def wait_option(function: Any) -> Any:
    return click.option(
        "--wait",
        type=click.FloatRange(0, MAX_WAIT_SECONDS, min_open=True),
        default=None,
        help=f"Wait up to this many seconds (at most {MAX_WAIT_SECONDS:g}) for the station's answer.",
    )(function)


class CsmsGroup(click.Group):
    """Turns an SDK error into its message on stderr (and the API's body with ``--json``) and exit code."""

    def invoke(self, context: click.Context) -> Any:
        try:
            return super().invoke(context)
        except CsmsError as error:
            click.echo(f"csms: {error}", err=True)
            found = context.find_object(Invocation)
            if isinstance(error, ApiError) and found is not None and found.json:
                click.echo(as_json({"status": error.status, **error.body}))
            raise click.exceptions.Exit(int(exit_code_for(error))) from error


@click.group(cls=CsmsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--url", envvar="CSMS_URL", help="The remote-api's base URL [env CSMS_URL].")
@click.option("--token", envvar="OCPP_API_TOKEN", help="The API bearer token [env OCPP_API_TOKEN].")
@click.option(
    "--config",
    "config_path",
    envvar="CSMS_CONFIG",
    type=click.Path(dir_okay=False, path_type=Path),
    default=default_config_path,
    show_default="~/.config/csms/config.toml",
    help="TOML file with url, token, timeout [env CSMS_CONFIG].",
)
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="HTTP timeout in seconds.")
@click.option(
    "--retry",
    type=click.IntRange(0, 10),
    default=0,
    show_default=True,
    help="Retry a 429 up to this many times, after its Retry-After.",
)
@click.option("--json", "json_output", is_flag=True, help="Print JSON (for scripts).")
@click.version_option(__version__, prog_name="csms")
@click.pass_context
def cli(
    context: click.Context,
    url: str | None,
    token: str | None,
    config_path: Path,
    timeout: float | None,
    retry: int,
    json_output: bool,
) -> None:
    """Manage charge points through the csms remote-api."""
    context.obj = Invocation(url, token, timeout, config_path, retry, json_output)


# -- stations ---------------------------------------------------------------------------------------


@cli.group()
def stations() -> None:
    """The registry of charge points."""


@stations.command("list")
@json_flag
def stations_list() -> None:
    """Every registered charge point and whether it is connected."""
    with invocation().client() as client:
        found = client.list_stations()
    rows = [
        [
            station["chargePointId"],
            station["registrationStatus"],
            station["connected"],
            (station["connection"] or {}).get("protocol"),
            (station["connection"] or {}).get("since") or station.get("lastDisconnectedAt"),
        ]
        for station in found
    ]
    emit(found, table(["ID", "STATUS", "CONNECTED", "PROTOCOL", "SINCE"], rows))


@stations.command("show")
@click.argument("station_id", shell_complete=complete_station_ids)
@json_flag
def stations_show(station_id: str) -> None:
    """One charge point's record, with its live connection."""
    with invocation().client() as client:
        station = client.get_station(station_id)
    emit(station, key_values(station))


@stations.command("register")
@click.argument("station_id")
@click.option("--status", type=click.Choice(REGISTRATION_STATUSES), help="Registration status [Accepted].")
@click.option("--security-profile", type=click.IntRange(0, 3), help="OCPP security profile.")
@json_flag
def stations_register(station_id: str, status: str | None, security_profile: int | None) -> None:
    """Register a charge point so it may connect."""
    with invocation().client() as client:
        station = client.register_station(
            station_id,
            registration_status=status,  # type: ignore[arg-type]  # click.Choice checked it
            security_profile=security_profile,
        )
    emit(station, f"registered {station['chargePointId']} ({station['registrationStatus']})")


@stations.command("delete")
@click.argument("station_id", shell_complete=complete_station_ids)
@json_flag
def stations_delete(station_id: str) -> None:
    """Deregister a charge point; its live connection is closed."""
    with invocation().client() as client:
        answer = client.delete_station(station_id)
    emit(answer, f"deleted {answer['chargePointId']}")


# -- remote start and stop, commands ----------------------------------------------------------------


def with_result(body: dict[str, Any]) -> str:
    """``; result: {...}``: the station's answer, on one line when short."""
    result = body.get("result")
    compact = json.dumps(result)
    return f"; result: {compact if len(compact) <= 60 else as_json(result)}"


@cli.command("start")
@click.argument("station_id", shell_complete=complete_station_ids)
@click.option("--id-tag", help="The id token to start for (a 2.0.1 station without one: NoAuthorization).")
@click.option("--connector", type=click.IntRange(min=1), default=1, show_default=True, help="Connector/EVSE.")
@wait_option
@json_flag
def start(station_id: str, id_tag: str | None, connector: int, wait: float | None) -> None:
    """Start a transaction (RequestStartTransaction / RemoteStartTransaction)."""
    with invocation().client() as client:
        body = client.start_transaction(station_id, id_tag, connector, wait=wait)
    human = f"{body['message']}: {station_id}, message {body['messageId']}"
    if "remoteStartId" in body:
        human += f", remoteStartId {body['remoteStartId']}"
    if wait is not None:
        human += with_result(dict(body))
    emit(body, human)


@cli.command("stop")
@click.argument("station_id", shell_complete=complete_station_ids)
@click.argument("transaction_id")
@wait_option
@json_flag
def stop(station_id: str, transaction_id: str, wait: float | None) -> None:
    """Stop a transaction (RequestStopTransaction / RemoteStopTransaction)."""
    with invocation().client() as client:
        body = client.stop_transaction(station_id, transaction_id, wait=wait)
    human = f"{body['message']}: {station_id}, transaction {transaction_id}, message {body['messageId']}"
    if wait is not None:
        human += with_result(dict(body))
    emit(body, human)


def payload_argument(_context: click.Context, _parameter: click.Parameter, value: str) -> dict[str, Any]:
    try:
        payload = json.loads(value)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}") from error
    if not isinstance(payload, dict):
        raise click.BadParameter("must be a JSON object")
    return payload


@cli.command("command")
@click.argument("station_id", shell_complete=complete_station_ids)
@click.argument("action")
@click.argument("payload", default="{}", callback=payload_argument)
@wait_option
@json_flag
def command(station_id: str, action: str, payload: dict[str, Any], wait: float | None) -> None:
    """Send any CSMS-initiated OCPP ACTION with a JSON PAYLOAD, e.g. Reset '{"type":"Immediate"}'."""
    with invocation().client() as client:
        body = client.send_command(station_id, action, payload, wait=wait)
    human = f"{action} {body['state']}: {station_id}, message {body['messageId']}"
    if body["state"] == "answered":
        human += with_result(dict(body))
    emit(body, human)


@cli.command("shadow")
@click.argument("station_id", shell_complete=complete_station_ids)
@json_flag
def shadow(station_id: str) -> None:
    """What the station reported (its shadow document's reported state)."""
    with invocation().client() as client:
        document = client.get_shadow(station_id)
    emit(document, key_values(document["state"]["reported"]))


@cli.command("transactions")
@click.argument("station_id", shell_complete=complete_station_ids)
@json_flag
def transactions(station_id: str) -> None:
    """The station's transaction records, oldest first."""
    with invocation().client() as client:
        records = client.list_transactions(station_id)
    rows = [
        [record["transactionId"], record.get("status"), record.get("remoteStartMessageId")]
        for record in records
    ]
    emit(records, table(["TRANSACTION", "STATUS", "REMOTE START"], rows))


# -- id tokens --------------------------------------------------------------------------------------


@cli.group()
def tokens() -> None:
    """The id tokens stations may authorize."""


@tokens.command("put")
@click.argument("token")
@click.option("--status", type=click.Choice(ID_TOKEN_STATUSES), default="Accepted", show_default=True)
@click.option("--expiry", "expiry_date", help="ISO 8601 expiry date, e.g. 2027-01-01T00:00:00Z.")
@json_flag
def tokens_put(token: str, status: str, expiry_date: str | None) -> None:
    """Create or replace an id token."""
    with invocation().client() as client:
        record = client.put_id_token(token, status, expiry_date=expiry_date)  # type: ignore[arg-type]
    emit(record, f"{record['idToken']}: {record['status']}")


@tokens.command("list")
@json_flag
def tokens_list() -> None:
    """Every id token."""
    with invocation().client() as client:
        records = client.list_id_tokens()
    rows = [
        [record["idToken"], record["status"], record.get("expiryDate"), record["updatedAt"]]
        for record in records
    ]
    emit(records, table(["TOKEN", "STATUS", "EXPIRY", "UPDATED"], rows))


@tokens.command("show")
@click.argument("token")
@json_flag
def tokens_show(token: str) -> None:
    """One id token."""
    with invocation().client() as client:
        record = client.get_id_token(token)
    emit(record, key_values(record))


@tokens.command("delete")
@click.argument("token")
@json_flag
def tokens_delete(token: str) -> None:
    """Delete an id token."""
    with invocation().client() as client:
        answer = client.delete_id_token(token)
    emit(answer, f"deleted {answer['idToken']}")


# -- events -----------------------------------------------------------------------------------------


def event_line(event: Mapping[str, Any]) -> str:
    """One event on one line: time, type, station, payload."""
    return "  ".join(
        [
            cell(event.get("time")),
            cell(event.get("type")),
            cell(event.get("chargePointId")),
            cell(event.get("payload")),
        ]
    )


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event_options(function: Any) -> Any:
    function = click.option(
        "--station",
        "charge_point_id",
        shell_complete=complete_station_ids,
        help="Only this station's events.",
    )(function)
    return click.option(
        "--type",
        "types",
        multiple=True,
        shell_complete=complete_event_types,
        help="Only events of this type (repeat it, or comma-separate them).",
    )(function)


def type_list(types: tuple[str, ...]) -> list[str] | None:
    names = [name.strip() for value in types for name in value.split(",") if name.strip()]
    return names or None


@cli.group()
def events() -> None:
    """The event log: what happened, in order."""


@events.command("list")
@event_options
@click.option("--after", help="Only events after this id (default: from the oldest kept).")
@click.option("--limit", type=click.IntRange(1), help="At most this many events.")
@json_flag
def events_list(
    types: tuple[str, ...], charge_point_id: str | None, after: str | None, limit: int | None
) -> None:
    """Events up to now, oldest first; one per line (JSON Lines with --json)."""
    with invocation().client() as client:
        found = client.iter_events(after, types=type_list(types), charge_point_id=charge_point_id)
        for count, event in enumerate(found, start=1):
            click.echo(compact_json(event) if invocation().json else event_line(event))
            if limit is not None and count >= limit:
                break


@events.command("tail")
@event_options
@click.option("--after", help="Start after this event id (default: from now).")
@click.option(
    "--count", type=click.IntRange(1), help="Stop after this many events (default: follow until Ctrl-C)."
)
@json_flag
def events_tail(
    types: tuple[str, ...], charge_point_id: str | None, after: str | None, count: int | None
) -> None:
    """Follow the live event stream (SSE), resuming where it left off when the API ends it."""
    try:
        with invocation().client() as client:
            found = client.stream_events(after, types=type_list(types), charge_point_id=charge_point_id)
            for seen, event in enumerate(found, start=1):
                click.echo(compact_json(event) if invocation().json else event_line(event))
                if count is not None and seen >= count:
                    break
    except KeyboardInterrupt:
        return  # Ctrl-C is how a person stops following


# -- sites ------------------------------------------------------------------------------------------


def checked(build: Any, *arguments: Any) -> Any:
    """A body from command-line words; a word the API would refuse is a usage error here."""
    try:
        return build(*arguments)
    except ValueError as error:
        raise click.UsageError(str(error)) from error


@cli.group()
def sites() -> None:
    """Smart-charging sites: their limits and stations."""


@sites.command("list")
@json_flag
def sites_list() -> None:
    """Every site with its limit, parent and stations."""
    with invocation().client() as client:
        found = client.list_sites()
    rows = [
        [
            site["id"],
            site["name"],
            limit_text(dict(site["limit"])),
            site.get("parent"),
            len(site.get("stations", [])),
            limit_text(dict(site["externalLimit"]["limit"])) if "externalLimit" in site else None,
        ]
        for site in found
    ]
    emit(found, table(["ID", "NAME", "LIMIT", "PARENT", "STATIONS", "EXTERNAL LIMIT"], rows))


@sites.command("show")
@click.argument("site_id")
@json_flag
def sites_show(site_id: str) -> None:
    """One site: its limits, its limit now and its stations."""
    with invocation().client() as client:
        site = client.get_site(site_id)
    emit(site, key_values(site))


@sites.command("put")
@click.argument("site_id")
@click.option("--amps", type=click.FloatRange(0, min_open=True), help="The limit per phase, in A.")
@click.option("--watts", type=click.FloatRange(0, min_open=True), help="The limit of all phases, in W.")
@click.option("--phases", type=click.IntRange(1, 3), help="The phases the limit is for.")
@click.option("--name", help="The site's name [its id].")
@click.option("--parent", help="The parent site whose limit this one shares.")
@click.option("--time-zone", help="IANA time zone of its schedule and tariffs, e.g. Europe/Berlin.")
@json_flag
def sites_put(
    site_id: str,
    amps: float | None,
    watts: float | None,
    phases: int | None,
    name: str | None,
    parent: str | None,
    time_zone: str | None,
) -> None:
    """Create or replace a site with its limit (exactly one of --amps or --watts)."""
    limit = checked(site_limit, amps, watts, phases)
    with invocation().client() as client:
        site = client.put_site(site_id, limit, name=name, parent=parent, time_zone=time_zone)
    emit(site, f"{site['id']}: {limit_text(dict(site['limit']))}")


# -- fleet ------------------------------------------------------------------------------------------

SELECTOR_HELP = "Kubernetes label selector, e.g. 'site=depot-1,model in (X,Y)'; empty: every station."


@cli.group()
def fleet() -> None:
    """Desired state and its sync across stations chosen by labels."""


@fleet.command("status")
@click.option("--selector", default="", help=SELECTOR_HELP)
@json_flag
def fleet_status(selector: str) -> None:
    """How many matching stations are in sync, pending, failed or offline, and why some fail."""
    with invocation().client() as client:
        status = client.fleet_status(selector=selector)
    counts = table(
        ["TOTAL", "IN SYNC", "PENDING", "FAILED", "OFFLINE"],
        [[status["total"], status["inSync"], status["pending"], status["failed"], status["offline"]]],
    )
    failing = [
        [station["chargePointId"], station["connected"], station["reasons"]] for station in status["failing"]
    ]
    human = counts if not failing else counts + "\n\n" + table(["FAILING", "CONNECTED", "REASONS"], failing)
    if status["failingOmitted"]:
        human += f"\n(and {status['failingOmitted']} more failing)"
    emit(status, human)


@fleet.command("desire")
@click.option("--selector", required=True, help=SELECTOR_HELP + " Required, so a fleet-wide change is said.")
@click.argument("settings", nargs=-1, metavar="KEY=VALUE...")
@click.option("--unset", multiple=True, metavar="KEY", help="Stop managing this configuration key.")
@click.option("--availability", multiple=True, metavar="EVSE=STATE", help="e.g. 1=Inoperative (0: station).")
@json_flag
def fleet_desire(
    selector: str, settings: tuple[str, ...], unset: tuple[str, ...], availability: tuple[str, ...]
) -> None:
    """Merge configuration keys (KEY=VALUE) and availabilities into every matching station's desired state."""
    desired = checked(desired_state, settings, unset, availability)
    with invocation().client() as client:
        answer = client.patch_fleet_shadow(desired, selector=selector)
    human = f"matched {answer['matched']}, applied {answer['applied']}, failed {len(answer['failed'])}"
    if answer["failed"]:
        rows = [[failed["chargePointId"], failed["status"], failed["error"]] for failed in answer["failed"]]
        human += "\n\n" + table(["STATION", "STATUS", "ERROR"], rows)
    emit(answer, human)


# -- certificates -----------------------------------------------------------------------------------


@cli.group()
def certificates() -> None:
    """Certificates the CA issued to stations."""


@certificates.command("list")
@click.argument("station_id", shell_complete=complete_station_ids)
@json_flag
def certificates_list(station_id: str) -> None:
    """The station's issued certificates, newest state first as the API lists them."""
    with invocation().client() as client:
        answer = client.list_certificates(station_id)
    rows = [
        [
            issued["serialNumber"],
            issued["status"],
            issued.get("certificateType"),
            issued["subject"],
            issued["notAfter"],
        ]
        for issued in answer["certificates"]
    ]
    emit(answer, table(["SERIAL", "STATUS", "TYPE", "SUBJECT", "NOT AFTER"], rows))


# -- shell completion -------------------------------------------------------------------------------


@cli.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script: eval "$(csms completion bash)"."""
    completion_class = get_completion_class(shell)
    if completion_class is None:  # click knows all three; kept for a click without one of them
        raise click.UsageError(f"no completion for {shell}")
    click.echo(completion_class(cli, {}, "csms", COMPLETION_VARIABLE).source())


def main(argv: list[str] | None = None) -> int:
    """The console script: run the command and return its exit code."""
    try:
        result = cli.main(
            args=argv, prog_name="csms", complete_var=COMPLETION_VARIABLE, standalone_mode=False
        )
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        return int(ExitCode.FAILED)
    except click.ClickException as error:
        error.show()
        return int(ExitCode.USAGE) if isinstance(error, click.UsageError) else int(ExitCode.FAILED)
    return result if isinstance(result, int) else int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
