"""Every error the API returns is JSON ``{"error": "..."}``; no stack trace ever reaches a client."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with its HTTP status, raised by views and turned into ``{"error": message}``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> tuple[Response, int]:
        response, status = error_response(error.status, error.message)
        response.headers.update(error.headers)
        return response, status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        return error_response(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response, int]:
        # The one broad catch of the API: log the traceback, tell the client nothing internal.
        logger.exception("unhandled error in request")
        return error_response(500, "Internal server error")
