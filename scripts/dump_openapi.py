"""Write the remote-api's OpenAPI document to sdk/openapi.json, the input of the JavaScript SDK's types."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from csms_api.app import documented_app
from csms_api.blueprints.health import PUBLIC_ENDPOINTS
from csms_api.openapi import openapi_document

TARGET = Path(__file__).resolve().parents[1] / "sdk" / "openapi.json"


def document_text() -> str:
    """The document as sdk/openapi.json holds it (built from the routes alone: no broker needed)."""
    return json.dumps(openapi_document(documented_app(), PUBLIC_ENDPOINTS), indent=2) + "\n"


def main() -> int:
    TARGET.write_text(document_text())
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
