"""The API's request and response bodies and parameters as types; ``csms_api.openapi`` documents them."""
