"""The answer to RemoteStartTransaction: recorded on its command record, nothing more yet.

The shadow service links the remote start to the transaction it will create when the
command is sent (by idTag); a Rejected answer leaves that link to expire. A feature that
acts on the answer (say, dropping the link at once on Rejected) does it here.
"""

from __future__ import annotations

from csms_common.ocpp.types.v16 import RemoteStartTransactionResponse
from csms_handler.answering import NOTHING_MORE, AnswerContext, AnswerReply


def remote_start_transaction_answer(
    answer: RemoteStartTransactionResponse, context: AnswerContext
) -> AnswerReply:
    return NOTHING_MORE
