"""Write the remote-api's OpenAPI document to sdk/openapi.json, the input of the JavaScript SDK's types."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from csms_api.openapi import openapi_document

TARGET = Path(__file__).resolve().parents[1] / "sdk" / "openapi.json"


def main() -> int:
    TARGET.write_text(json.dumps(openapi_document(), indent=2) + "\n")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
