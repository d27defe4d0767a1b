"""The WebSocket gateway: holds station sockets and forwards frames to and from MQTT."""
