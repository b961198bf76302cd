"""API errors: always JSON `{"error": {"code", "message"}}` with a fitting HTTP status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from podium import errors as podium_errors
from podium import serialization

log = logging.getLogger("podium.server")

TOO_DEEP = (
    f"the JSON body is nested deeper than {serialization.MAX_DEPTH} levels, podium's limit "
    "for a value; flatten it"
)
"""The 400 message of a body too deep to parse (json.loads ran out of recursion)."""

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "queue_full",
    500: "internal_error",
}


class FieldError(BaseModel):
    """One field of a request that does not fit its declared type."""

    field: str
    problem: str


class ErrorBody(BaseModel):
    """What went wrong: a stable machine code and a sentence for people."""

    code: str
    message: str
    fields: list[FieldError] | None = None
    """For 422 (validation_error): each field that does not fit, and why."""


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody


class ApiError(Exception):
    """Raised by handlers; becomes an error response."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message


def response(status: int, message: str, code: str | None = None, **headers: str) -> JSONResponse:
    """An error response."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message}}
    return JSONResponse(body, status_code=status, headers=headers or None)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses."""
    return {s: {"model": ErrorResponse, "description": CODES.get(s, "error")} for s in statuses}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        message = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":  # FastAPI's text: "1: JSON decode error"
            at = err.get("loc", ("body", 0))[-1]
            where = "body"
            message = f"not valid JSON at character {at} ({(err.get('ctx') or {}).get('error')})"
        elif err.get("type") == "string_pattern_mismatch" and "\\x00" in str(err.get("ctx")):
            message = "must not contain NUL characters"
        parts.append(f"{where}: {message}")
    return "; ".join(parts) or "invalid request"


def _allowed(request: Request) -> list[str]:
    """The methods some route serves on the request's path."""
    return [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    ]


def install(api: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return response(exc.status, exc.message, exc.code, **headers)

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return response(400, _validation_message(exc))

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if isinstance(exc.__cause__, RecursionError):  # FastAPI's "error parsing the body"
            return response(400, TOO_DEEP)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method some route serves on this path
            headers["Allow"] = ", ".join(_allowed(_request)) or headers.get("Allow", "")
        return response(exc.status_code, str(exc.detail), **headers)

    async def bad_input(_request: Request, exc: Exception) -> JSONResponse:
        # A podium check refused a value the request carried (a name, a payload): the
        # caller's mistake, with a message that names it, never a 500.
        return response(400, str(exc))

    async def not_valid(_request: Request, exc: Exception) -> JSONResponse:
        # A workflow's input does not fit its type hints (podium.ValidationError): 422.
        assert isinstance(exc, podium_errors.ValidationError)
        fields = [{"field": f, "problem": p} for f, p in exc.errors]
        body = {"error": {"code": CODES[422], "message": str(exc), "fields": fields}}
        return JSONResponse(body, status_code=422)

    async def too_deep(_request: Request, _exc: Exception) -> JSONResponse:
        # json.loads (or validation) of a body nested thousands deep: the caller's mistake.
        return response(400, TOO_DEEP)

    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return response(500, "internal error; see the server log")

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(RequestValidationError, invalid)
    api.add_exception_handler(HTTPException, http_error)
    api.add_exception_handler(podium_errors.ConfigurationError, bad_input)
    api.add_exception_handler(podium_errors.SerializationError, bad_input)
    api.add_exception_handler(podium_errors.ValidationError, not_valid)
    api.add_exception_handler(RecursionError, too_deep)
    api.add_exception_handler(Exception, crash)
