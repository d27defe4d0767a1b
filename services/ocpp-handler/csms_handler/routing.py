"""The routing tables: which function handles which station call, and which station answer, per version.

The processor gets a :class:`Routing` from its constructor (``__main__`` builds the shipped one
with :func:`shipped_routing`); tests build their own instead of patching module tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from csms_common.ocpp.versions import OcppVersion
from csms_handler.answering import AnyAnswerRoute
from csms_handler.context import AnyRoute
from csms_handler.handlers.answers.v16 import V16_ANSWER_ROUTES
from csms_handler.handlers.answers.v201 import V201_ANSWER_ROUTES
from csms_handler.handlers.v16 import V16_ROUTES
from csms_handler.handlers.v201 import V201_ROUTES


def _no_answer_routes() -> Mapping[OcppVersion, Mapping[str, AnyAnswerRoute]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Routing:
    """Routes of station-initiated calls and of station answers to CSMS calls, per version."""

    calls: Mapping[OcppVersion, Mapping[str, AnyRoute]]
    answers: Mapping[OcppVersion, Mapping[str, AnyAnswerRoute]] = field(default_factory=_no_answer_routes)

    def call(self, version: OcppVersion, action: str) -> AnyRoute | None:
        table = self.calls.get(version)
        return None if table is None else table.get(action)

    def answer(self, version: OcppVersion, action: str) -> AnyAnswerRoute | None:
        table = self.answers.get(version)
        return None if table is None else table.get(action)


def shipped_routing() -> Routing:
    """The CSMS's own routes: 1.6's, and 2.0.1's for 2.0, 2.0.1 and 2.1.

    2.0 and 2.1 share 2.0.1's messages for every action handled here; replies are still
    validated against each version's own schema before they are sent.
    """
    calls: dict[OcppVersion, Mapping[str, AnyRoute]] = {OcppVersion.V16: V16_ROUTES}
    answers: dict[OcppVersion, Mapping[str, AnyAnswerRoute]] = {OcppVersion.V16: V16_ANSWER_ROUTES}
    for version in (OcppVersion.V20, OcppVersion.V201, OcppVersion.V21):
        calls[version] = V201_ROUTES
        answers[version] = V201_ANSWER_ROUTES
    return Routing(MappingProxyType(calls), MappingProxyType(answers))
