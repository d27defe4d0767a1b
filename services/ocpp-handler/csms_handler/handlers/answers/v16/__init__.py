"""Routes for OCPP 1.6 stations' answers to CSMS calls, and their table (mypy checks each answer type)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from csms_common.ocpp.types.v16 import RemoteStartTransactionResponse
from csms_handler.answering import AnswerRoute, AnyAnswerRoute
from csms_handler.handlers.answers.v16.remote_start_transaction import remote_start_transaction_answer
from csms_handler.route_table import frozen_table


class V16AnswerRoutes(TypedDict, total=False):
    """The answer route type of each CSMS-initiated 1.6 action that has one."""

    RemoteStartTransaction: AnswerRoute[RemoteStartTransactionResponse]


_TYPED: V16AnswerRoutes = {
    "RemoteStartTransaction": AnswerRoute(remote_start_transaction_answer),
}

V16_ANSWER_ROUTES: Mapping[str, AnyAnswerRoute] = frozen_table(_TYPED, AnswerRoute)
