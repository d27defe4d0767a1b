"""The SDK's version: the same as the API's release and the JavaScript SDK's (sdk/js/package.json)."""

__version__ = "0.1.0"
