"""The answer to RequestStartTransaction: recorded on its command record, nothing more yet.

The shadow service links the remote start to the transaction it will create when the
command is sent (by remoteStartId); a Rejected answer leaves that link to expire. A feature
that acts on the answer (say, the ``transactionId`` of a transaction the station had already
started) does it here.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import RequestStartTransactionResponse
from csms_handler.answering import NOTHING_MORE, AnswerContext, AnswerReply


def request_start_transaction_answer(
    answer: RequestStartTransactionResponse, context: AnswerContext
) -> AnswerReply:
    return NOTHING_MORE
