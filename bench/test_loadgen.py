"""Fast unit tests of the load generator's frames and statistics (``.venv/bin/pytest bench -q``)."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from typing import Any

import pytest

from bench import frames, net, procstats
from bench.frames import Mix, StationScript
from bench.loadgen import (
    ACTIONS,
    LoadConfig,
    ProbeRecord,
    WorkerResult,
    build_report,
    merge,
    probe_summary,
    retry_backoff,
)
from bench.run import summarize_collapsed
from bench.stats import (
    CallSamples,
    Distribution,
    Window,
    calls_in_window,
    completed_in_window,
    percentile,
    rate,
    ratio,
    steady_window,
)
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion

VERSION = {frames.V201: OcppVersion.V201, frames.V16: OcppVersion.V16}


@pytest.fixture(scope="module")
def schemas() -> SchemaRegistry:
    return SchemaRegistry((OcppVersion.V201, OcppVersion.V16))


def _decode_call(text: str) -> tuple[str, str, dict[str, object]]:
    decoded = json.loads(text)
    assert isinstance(decoded, list) and len(decoded) == 4 and decoded[0] == frames.CALL
    assert isinstance(decoded[1], str) and 0 < len(decoded[1]) <= 36
    return decoded[1], decoded[2], decoded[3]


# --------------------------------------------------------------- frames


@pytest.mark.parametrize("version", frames.VERSIONS)
@pytest.mark.parametrize("mix", list(Mix))
def test_every_frame_of_several_cycles_is_schema_valid(
    schemas: SchemaRegistry, version: str, mix: Mix
) -> None:
    script = StationScript("bench-00042", version, mix)
    seen: set[str] = set()
    calls = [script.boot()] + [script.next_call() for _ in range(45)]
    for index, (action, payload) in enumerate(calls):
        if action == "StartTransaction":
            script.on_result(action, {"transactionId": 1000 + index, "idTagInfo": {"status": "Accepted"}})
        text = frames.call_frame(str(index + 1), action, payload)
        _, decoded_action, decoded_payload = _decode_call(text)
        schemas.validate_request(VERSION[version], decoded_action, decoded_payload)
        seen.add(action)
    expected = {"BootNotification", "Heartbeat"}
    if mix is not Mix.HEARTBEAT:
        expected |= {"StatusNotification", "MeterValues"}
        expected |= (
            {"TransactionEvent"} if version == frames.V201 else {"StartTransaction", "StopTransaction"}
        )
    assert expected <= seen
    assert seen <= set(ACTIONS)


def test_realistic_mix_proportions_and_sampled_values() -> None:
    script = StationScript("bench-00042", frames.V201, Mix.REALISTIC)
    calls = [script.next_call() for _ in range(40)]
    actions = Counter(action for action, _ in calls)
    assert actions == {"TransactionEvent": 24, "MeterValues": 8, "StatusNotification": 4, "Heartbeat": 4}
    events = [payload["eventType"] for action, payload in calls if action == "TransactionEvent"]
    assert events[:12] == ["Started", *["Updated"] * 10, "Ended"]
    for action, payload in calls:
        if action in ("TransactionEvent", "MeterValues"):
            measurands = [value["measurand"] for value in payload["meterValue"][0]["sampledValue"]]
            assert len(measurands) == 7
            assert measurands.count("Current.Import") == 3


def test_transaction_events_cycle_started_updated_ended_with_increasing_seq_no() -> None:
    script = StationScript("bench-00001", frames.V201)
    events = []
    for _ in range(20):
        action, payload = script.next_call()
        if action == "TransactionEvent":
            events.append(
                (payload["eventType"], payload["seqNo"], payload["transactionInfo"]["transactionId"])
            )
    assert [event[0] for event in events[:4]] == ["Started", "Updated", "Updated", "Ended"]
    assert [event[1] for event in events[:4]] == [0, 1, 2, 3]
    assert len({event[2] for event in events[:4]}) == 1
    assert events[4][0] == "Started" and events[4][2] != events[0][2]


def test_1_6_transaction_id_comes_from_the_start_transaction_answer() -> None:
    script = StationScript("bench-00001", frames.V16)
    calls = []
    for _ in range(10):
        action, payload = script.next_call()
        if action == "StartTransaction":
            script.on_result(action, {"transactionId": 77, "idTagInfo": {"status": "Accepted"}})
        calls.append((action, payload))
    meter = [payload for action, payload in calls if action == "MeterValues" and "transactionId" in payload]
    stop = [payload for action, payload in calls if action == "StopTransaction"]
    assert meter and all(payload["transactionId"] == 77 for payload in meter)
    assert stop == [stop[0]] and stop[0]["transactionId"] == 77


@pytest.mark.parametrize("version", frames.VERSIONS)
def test_other_builders_are_schema_valid(schemas: SchemaRegistry, version: str) -> None:
    action, payload = frames.authorize(version, "TAG1")
    schemas.validate_request(VERSION[version], action, payload)


@pytest.mark.parametrize(
    ("version", "action", "request_payload"),
    [
        (
            frames.V201,
            "RequestStartTransaction",
            {"idToken": {"idToken": "PROBE000001", "type": "ISO14443"}, "remoteStartId": 1, "evseId": 1},
        ),
        (frames.V201, "RequestStopTransaction", {"transactionId": "tx"}),
        (frames.V16, "RemoteStartTransaction", {"idTag": "PROBE000001", "connectorId": 1}),
        (frames.V16, "RemoteStopTransaction", {"transactionId": 5}),
    ],
)
def test_answers_to_remote_start_and_stop_are_accepted_and_valid(
    schemas: SchemaRegistry, version: str, action: str, request_payload: dict[str, object]
) -> None:
    schemas.validate_request(VERSION[version], action, request_payload)
    answer = json.loads(frames.answer_csms_call("m1", action))
    assert answer[:2] == [frames.CALL_RESULT, "m1"]
    schemas.validate_response(VERSION[version], action, answer[2])
    expected = "PROBE000001" if "Start" in action else None
    assert frames.remote_start_token(action, request_payload) == expected


def test_other_csms_calls_get_call_error_not_implemented() -> None:
    answer = json.loads(frames.answer_csms_call("m2", "Reset"))
    assert answer[0] == frames.CALL_ERROR and answer[1] == "m2" and answer[2] == "NotImplemented"
    assert isinstance(answer[3], str) and answer[4] == {}


def test_iso_clock_formats_utc_seconds() -> None:
    text = frames.IsoClock().now()
    assert len(text) == 20 and text.endswith("Z") and text[10] == "T"


# ---------------------------------------------------------------- statistics


def test_percentile_interpolates_like_numpy_linear() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 25) == pytest.approx(1.75)
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_distribution_is_in_milliseconds_and_json_safe() -> None:
    summary = Distribution.of([0.001, 0.002, 0.003, 0.010])
    assert summary.count == 4
    assert summary.p50_ms == pytest.approx(2.5)
    assert summary.max_ms == pytest.approx(10.0)
    assert summary.mean_ms == pytest.approx(4.0)
    empty = Distribution.of([]).as_dict()
    assert empty["count"] == 0 and empty["p99_ms"] is None
    json.dumps(empty, allow_nan=False)


def test_steady_window_excludes_ramp_and_tail() -> None:
    window = steady_window(10.0, 30.0, warmup=1.0, cooldown=0.5)
    assert (window.start, window.end, window.seconds) == (11.0, 29.5, 18.5)
    assert window.contains(11.0) and not window.contains(29.5)
    assert steady_window(40.0, 30.0, warmup=1.0, cooldown=0.5).seconds == 0.0


def test_window_counts_and_rate() -> None:
    samples = CallSamples(
        sent_at=[0.5, 1.0, 2.0, 2.9, 3.5], round_trip=[0.1, 0.1, 0.5, 0.2, 0.1], action=[1] * 5
    )
    window = Window(1.0, 3.0)
    assert calls_in_window(samples, window) == [1, 2, 3]
    # answers at 0.6, 1.1, 2.5, 3.1, 3.6: two inside [1, 3)
    assert completed_in_window(samples, window) == 2
    assert rate(2, window) == 1.0
    assert rate(5, Window(1.0, 1.0)) == 0.0


def test_ratio_handles_missing_and_zero() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 1.0) is None
    assert ratio(math.nan, 1.0) is None


def test_merge_and_report() -> None:
    first, second = WorkerResult(), WorkerResult()
    first.connected_at.extend([100.0, 100.5])
    first.connect_times.extend([0.01, 0.02])
    first.held = 2
    for index in range(20):
        first.sent_at.append(101.0 + index * 0.5)
        first.round_trip.append(0.004)
        first.action.append(ACTIONS.index("Heartbeat"))
    second.connected_at.append(101.0)
    second.connect_times.append(0.03)
    second.held = 1
    second.error_codes["InternalError"] += 2
    second.error_sent_at.extend([102.0, 200.0])
    second.timeouts = 1
    merged = merge([first, second])
    assert merged.held == 3 and len(merged.connected_at) == 3
    from bench.loadgen import LoadConfig

    config = LoadConfig(url="ws://127.0.0.1:1", stations=3, duration=12.0, warmup=1.0, cooldown=0.5)
    report = build_report(config, merged, start_at=100.0)
    assert report["window"] == {"start_s": 2.0, "end_s": 11.5, "seconds": 9.5}
    assert report["errors"] == 2 and report["errors_in_window"] == 1 and report["timeouts"] == 1
    assert report["round_trip_ms"]["p50_ms"] == pytest.approx(4.0)
    assert report["per_action_ms"]["Heartbeat"]["count"] == report["round_trip_ms"]["count"]
    json.dumps(report, allow_nan=False)


def test_probe_summary_matches_arrivals_by_token() -> None:
    records = [
        ProbeRecord("PROBE000000", "bench-00000", 10.0, 10.010, 200),
        ProbeRecord("PROBE000001", "bench-00001", 11.0, 11.020, 200),
        ProbeRecord("PROBE000002", "bench-00002", 12.0, 12.030, 409),
    ]
    summary = probe_summary(records, {"PROBE000000": 10.005, "PROBE000001": 11.007})
    assert summary["arrived"] == 2 and summary["missing"] == 1
    by_id = ProbeRecord("PROBE000009", "bench-00003", 13.0, 13.010, 200, message_id="m-9")
    assert probe_summary([by_id], {}, {"m-9": 13.004})["to_station_ms"]["p50_ms"] == pytest.approx(4.0)
    assert summary["statuses"] == {"200": 2, "409": 1}
    assert summary["to_station_ms"]["max_ms"] == pytest.approx(7.0)
    assert summary["http_answer_ms"]["p50_ms"] == pytest.approx(20.0)


# ------------------------------------------------------------ /proc and net


def test_parse_stat_handles_spaces_and_parentheses_in_the_name() -> None:
    fields = " ".join(["S", "42"] + ["0"] * 9 + ["150", "50"] + ["0"] * 30)
    parent, cpu = procstats.parse_stat(f"1234 (we (ird) name) {fields}")
    assert parent == 42
    assert cpu == pytest.approx(200 / procstats.CLOCK_TICKS)


def test_parse_status_kb() -> None:
    text = "Name:\tpython\nVmHWM:\t  51200 kB\nVmRSS:\t  40960 kB\n"
    assert procstats.parse_status_kb(text, "VmRSS") == 40960
    assert procstats.parse_status_kb(text, "VmHWM") == 51200
    assert procstats.parse_status_kb(text, "VmSwap") is None


def test_only_loopback_is_accepted() -> None:
    assert net.require_loopback_url("ws://127.0.0.1:9000") == ("ws", "127.0.0.1", 9000)
    assert net.require_loopback_url("http://localhost:8080")[1] == "127.0.0.1"
    assert net.require_loopback_host("127.0.0.7") == "127.0.0.7"
    for url in ("ws://10.0.0.1:9000", "ws://example.com:9000", "wss://127.0.0.1:9000", "http://[::1]:80"):
        with pytest.raises(net.NotLoopback):
            net.require_loopback_url(url)
    assert net.source_addresses(3) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]


def test_collapsed_profile_summary() -> None:
    text = "main (a.py:1);loop (a.py:2);work (b.py:3) 30\nmain (a.py:1);idle (c.py:4) 10\n"
    summary = summarize_collapsed(text, top=2)
    assert summary["samples"] == 40
    assert summary["own"][0] == {"frame": "work (b.py:3)", "percent": 75.0}
    assert summary["inclusive"][0] == {"frame": "main (a.py:1)", "percent": 100.0}


# ------------------------------------------------------------- bench-mix


def test_energy_of_takes_the_last_energy_register_of_snake_case_meter_values() -> None:
    from bench.baseline_records import energy_of

    meter_value: list[dict[str, Any]] = [
        {"sampled_value": [{"value": 100, "measurand": "Power.Active.Import"}, {"value": 1650}]},
        {"sampled_value": [{"value": 1800, "measurand": "Energy.Active.Import.Register"}]},
    ]
    assert energy_of(meter_value) == "1800"
    assert energy_of([{"sampled_value": [{"value": 5, "measurand": "SoC"}]}]) is None


def _mix_run(repeat: int, load: str, server: str, rate: float, ms: float) -> dict[str, Any]:
    return {
        "repeat": repeat,
        "load": load,
        "server": server,
        "load_average_before": [5.0 + repeat, 4.0, 3.0],
        "figures": {
            "calls_per_second": rate,
            "p50_ms": 1.0,
            "p99_ms": 10.0 * repeat,
            "max_ms": 20.0,
            "server_ms_per_call": ms,
            "errors": 1,
            "timeouts": 0,
            "ms_per_call": {"gateway": ms / 2} if server == "csms" else {"baseline": ms},
            "other_cpu_seconds": 2.0,
        },
    }


def test_mix_summary_is_the_median_of_the_repeats_and_judges_the_targets() -> None:
    from bench import mix

    runs = [
        _mix_run(repeat, "flat_out", server, rate, ms)
        for repeat, factor in ((1, 1.0), (2, 1.2), (3, 0.9))
        for server, rate, ms in (("baseline", 1000.0 * factor, 1.0), ("baseline-redis", 800.0 * factor, 1.4))
    ] + [_mix_run(repeat, "flat_out", "csms", 500.0 * repeat, 0.3) for repeat in (1, 2, 3)]
    summary = mix.aggregate(runs)
    assert summary["flat_out"]["baseline"]["calls_per_second"] == {
        "median": 1000.0,
        "min": 900.0,
        "max": 1200.0,
    }
    assert summary["flat_out"]["csms"]["p99_ms"]["median"] == 20.0
    assert summary["flat_out"]["csms"]["errors"] == 3
    assert summary["flat_out"]["csms"]["ms_per_call"]["gateway"]["median"] == 0.15
    text = mix.markdown(
        {
            "summary": summary,
            "date": "d",
            "cpu_count": 2,
            "code": {"commit": "c"},
            "mix": "realistic",
            "mix_note": "n",
            "seconds": 15.0,
            "repeats": 3,
            "csms_configuration": "x",
        }
    )
    # csms 1,000 against 1,000 (met, >= 1.0x) and against 800 (1.25x: missed, < 1.5x); 0.3 ms met.
    assert "| 1.00x | met |" in text
    assert "| 1.25x | MISSED |" in text
    assert "| 0.300 ms | met |" in text


def test_retry_backoff_doubles_up_to_the_repeat_times_with_a_bounded_random_part() -> None:
    rng = random.Random(7)
    for attempt, base in [(0, 3), (1, 6), (2, 12), (3, 24), (4, 24), (9, 24)]:
        waits = [retry_backoff(attempt, 3.0, 10.0, 3, rng) for _ in range(200)]
        assert base <= min(waits) and max(waits) <= base + 10
        assert max(waits) - min(waits) > 5  # randomised: stations do not come back in step


def test_reconnects_are_merged_and_summarised() -> None:
    one, two = WorkerResult(), WorkerResult()
    one.lost_at, one.back_at, one.reconnect_seconds = [10.0, 10.5], [14.0, 20.0], [0.002, 0.010]
    two.lost_at, two.back_at, two.reconnect_seconds = [10.2], [31.0], [0.004]
    two.reconnect_errors.update({"http_503": 2})
    one.reconnect_attempts, two.reconnect_attempts = 2, 3
    config = LoadConfig(url="ws://127.0.0.1:1", stations=3, reconnect=True)
    summary = build_report(config, merge([one, two]), start_at=0.0)["reconnects"]
    assert (summary["lost"], summary["back"], summary["attempts"]) == (3, 3, 5)
    assert (summary["first_lost_at"], summary["last_back_at"]) == (10.0, 31.0)
    assert summary["refusals"] == {"http_503": 2}
    assert summary["handshake_ms"]["max_ms"] == pytest.approx(10.0)
