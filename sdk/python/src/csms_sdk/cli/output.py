"""Output for people (aligned tables, ``key  value`` lines) and for scripts (``--json``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; the last column is not padded."""
    texts = [[cell(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[index]) for row in texts)]) for index, header in enumerate(headers)]
    lines = [headers, *texts]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested objects as dotted keys: ``{"evses": {"1": {"status": "Available"}}}`` → ``evses.1.status``."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, value


def key_values(record: Mapping[str, Any]) -> str:
    pairs = list(flatten(record))
    return table(["FIELD", "VALUE"], pairs)
