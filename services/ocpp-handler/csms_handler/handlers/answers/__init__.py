"""Routes for stations' answers to CSMS calls, one file per action per version (docs/handler-routes.md)."""
