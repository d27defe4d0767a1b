"""Routes for OCPP 2.0.1 stations' answers to CSMS calls (also 2.0 and 2.1), and their table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from csms_common.ocpp.types.v201 import RequestStartTransactionResponse
from csms_handler.answering import AnswerRoute, AnyAnswerRoute
from csms_handler.handlers.answers.v201.request_start_transaction import request_start_transaction_answer
from csms_handler.route_table import frozen_table


class V201AnswerRoutes(TypedDict, total=False):
    """The answer route type of each CSMS-initiated 2.0.1 action that has one."""

    RequestStartTransaction: AnswerRoute[RequestStartTransactionResponse]


_TYPED: V201AnswerRoutes = {
    "RequestStartTransaction": AnswerRoute(request_start_transaction_answer),
}

V201_ANSWER_ROUTES: Mapping[str, AnyAnswerRoute] = frozen_table(_TYPED, AnswerRoute)
