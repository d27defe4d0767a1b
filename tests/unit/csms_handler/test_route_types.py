"""mypy refuses a handler that answers with another action's reply, and a misspelt enum value.

The typed routing tables (``V16Routes``, ``V201Routes``, the answer tables) declare each action's
request and response types; these tests run mypy (the project's configuration, ``--strict``) on a
snippet whose every wrong line is marked ``# expect: <error code>``, so each must fail, and only
those. A second check ties each declared type to its action by name, so a table cannot pair an
action with another action's messages.
"""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from csms_handler.answering import AnswerRoute
from csms_handler.context import Route
from csms_handler.handlers.answers.v16 import V16AnswerRoutes
from csms_handler.handlers.answers.v201 import V201AnswerRoutes
from csms_handler.handlers.v16 import V16Routes
from csms_handler.handlers.v201 import V201Routes
from csms_handler.route_table import frozen_table

ROOT = Path(__file__).resolve().parents[3]

SNIPPET = """
from csms_common.ocpp.types.v201 import (
    BootNotificationResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    TransactionEventRequest,
)
from csms_handler.answering import NOTHING_MORE, AnswerContext, AnswerReply, AnswerRoute
from csms_handler.context import CallContext, Reply, Route
from csms_handler.handlers.answers.v201 import V201AnswerRoutes
from csms_handler.handlers.v16 import V16_TYPED_ROUTES, V16Routes
from csms_handler.handlers.v16.start_transaction import start_transaction
from csms_handler.handlers.v16.stop_transaction import stop_transaction
from csms_handler.handlers.v201 import V201_TYPED_ROUTES, V201Routes
from csms_handler.handlers.v201.boot_notification import boot_notification
from csms_handler.handlers.v201.heartbeat import heartbeat


def another_actions_reply(request: HeartbeatRequest, context: CallContext) -> Reply[HeartbeatResponse]:
    return Reply({"status": "Accepted"})  # expect: typeddict-item typeddict-unknown-key


def misspelt_enum(request: HeartbeatRequest, context: CallContext) -> Reply[BootNotificationResponse]:
    return Reply({"currentTime": "t", "interval": 1, "status": "Acepted"})  # expect: typeddict-item


def misspelt_comparison(request: TransactionEventRequest) -> bool:
    return request["eventType"] == "Stared"  # expect: comparison-overlap


def heartbeat_answer(answer: HeartbeatResponse, context: AnswerContext) -> AnswerReply:
    return NOTHING_MORE


WRONG: V201Routes = {**V201_TYPED_ROUTES, "Heartbeat": Route(boot_notification)}  # expect: arg-type
RIGHT: V201Routes = {**V201_TYPED_ROUTES, "Heartbeat": Route(heartbeat)}
WRONG_16: V16Routes = {**V16_TYPED_ROUTES, "StopTransaction": Route(start_transaction)}  # expect: arg-type
RIGHT_16: V16Routes = {**V16_TYPED_ROUTES, "StopTransaction": Route(stop_transaction)}
WRONG_ANSWER: V201AnswerRoutes = {"RequestStartTransaction": AnswerRoute(heartbeat_answer)}  # expect: arg-type
"""

_ERROR = re.compile(r"^.*snippet\.py:(\d+): error: .*\[([a-z-]+)\]$")


def _expected(snippet: str) -> set[tuple[int, str]]:
    expected: set[tuple[int, str]] = set()
    for number, line in enumerate(snippet.splitlines(), start=1):
        if "# expect:" in line:
            expected.update((number, code) for code in line.split("# expect:")[1].split())
    return expected


def test_mypy_refuses_wrong_replies_enum_values_and_routes(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(snippet)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    found = {(int(match[1]), match[2]) for line in run.stdout.splitlines() if (match := _ERROR.match(line))}
    assert found == _expected(SNIPPET), run.stdout
    assert run.returncode == 1


def _message_names(table: type) -> dict[str, tuple[str, ...]]:
    hints = typing.get_type_hints(table)
    return {action: tuple(arg.__name__ for arg in typing.get_args(hint)) for action, hint in hints.items()}


@pytest.mark.parametrize("table", [V16Routes, V201Routes], ids=["1.6", "2.0.1"])
def test_each_call_route_type_names_its_own_action(table: type) -> None:
    for action, names in _message_names(table).items():
        assert names == (f"{action}Request", f"{action}Response"), action


@pytest.mark.parametrize("table", [V16AnswerRoutes, V201AnswerRoutes], ids=["1.6", "2.0.1"])
def test_each_answer_route_type_names_its_own_action(table: type) -> None:
    for action, names in _message_names(table).items():
        assert names == (f"{action}Response",), action


def test_a_table_entry_that_is_no_route_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="Heartbeat"):
        frozen_table({"Heartbeat": AnswerRoute(print)}, Route)


def test_the_tables_are_read_only() -> None:
    table: Any = frozen_table({}, Route)  # Any: what a test patching the table in place would do
    with pytest.raises(TypeError):
        table["Heartbeat"] = Route(print)
