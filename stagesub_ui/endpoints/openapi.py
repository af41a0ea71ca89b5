"""The REST API's route table machinery: one ``Operation`` per (method, path) both registers the Starlette route
and describes it in the OpenAPI 3.1 document, so the two cannot drift apart.

Also here: the request pipeline every operation shares (API key, dev-only gate, query parameters, JSON body
type checks), JSON rendering (times as ISO 8601 UTC with ``Z``) and the error body
``{"error": {"code", "message", "fields"}}``.

Division of labour for bad input: this module answers **400** when a request cannot be read (not JSON, not an
object, a value of the wrong JSON type, a time that is not ISO 8601, a query parameter that is not a number);
the services answer **422** when it can be read but breaks a rule (required, ranges, enums, references).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services import api_keys, clock, tenancy
from services.errors import BadRequest, NotFound, ServiceError, Unauthorized, ValidationError
from services.settings import get_settings

log = logging.getLogger(__name__)

OPENAPI_VERSION = "3.1.0"
MAX_BODY_BYTES = 1_000_000
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000
NO_STORE = {"Cache-Control": "no-store"}
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


# ----- JSON out ------------------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """``2026-03-02T09:00:00Z`` (milliseconds only when there are any)."""
    moment = clock.as_utc(moment).replace(tzinfo=None)
    millis = moment.microsecond // 1000
    return moment.isoformat(timespec="seconds") + (f".{millis:03d}" if millis else "") + "Z"


def plain(value: Any) -> Any:
    """JSON-ready data: times as ISO 8601 UTC, dataclasses as dicts."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(plain(data), ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type="application/json", headers={**NO_STORE, **(headers or {})})


def error_response(exc: ServiceError) -> Response:
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="stagesub"' + (
            ', error="invalid_token"' if exc.code == "invalid_api_key" else "")
    return json_response(exc.as_dict(), exc.status, headers)


def error(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return json_response(body, status, headers)


# ----- the table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: dict
    description: str = ""


PAGING = (
    Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
          f"page size, 1..{MAX_LIMIT}"),
    Param("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, "items to skip"),
)


@dataclass
class Call:
    """What a handler gets: the orchestra (from the API key), path values, parsed query and JSON body."""

    request: Request
    ref: tenancy.OrchestraRef | None
    key: api_keys.ApiKeyInfo | None
    path: dict[str, str]
    query: dict[str, Any]
    body: Any

    @property
    def actor(self) -> str:
        return f"api:{self.key.prefix}" if self.key else "api"

    async def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a synchronous service call off the event loop."""
        return await asyncio.to_thread(function, *args, **kwargs)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    handler: Handler
    tag: str
    response: dict | None = None
    """JSON Schema of the success body (None: no body)."""
    status: int = 200
    request: dict | None = None
    """JSON Schema of the request body (None: the body is ignored)."""
    query: Sequence[Param] = ()
    auth: bool = True
    dev_only: bool = False
    paged: bool = False
    description: str = ""
    errors: Sequence[int] = field(default=())

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)

    def error_statuses(self) -> list[int]:
        statuses = set(self.errors)
        if self.request is not None or self.query:
            statuses |= {400, 422}
        if self.auth:
            statuses |= {401, 503}
        if self.path_params or self.dev_only:
            statuses.add(404)
        if self.method in ("POST", "PUT", "PATCH", "DELETE") and self.auth:
            statuses |= {409, 422}
        return sorted(statuses)


# ----- the request pipeline ------------------------------------------------------------------------------------


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing_api_key", "Send the orchestra's API key as 'Authorization: Bearer <key>'.")
    return token.strip()


def _query_value(param: Param, raw: str) -> Any:
    schema = param.schema
    if schema.get("type") == "integer":
        try:
            value = int(raw)
        except ValueError:
            raise BadRequest("invalid_parameter", f"{param.name} must be a whole number.",
                             {param.name: "not a whole number"}) from None
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"from {low}" + (f" to {high}" if high is not None else "")
            raise ValidationError("invalid_parameter", f"{param.name} must be {span}.", {param.name: span})
        return value
    if schema.get("anyOf") or schema.get("format"):
        problem = _type_problem(schema, raw)
        if problem:
            raise BadRequest("invalid_parameter", f"{param.name}: {problem}.", {param.name: problem})
    return raw


def _parse_query(op: Operation, request: Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for param in op.query:
        given = request.query_params.getlist(param.name)
        if len(given) > 1:
            raise BadRequest("invalid_parameter", f"{param.name} may be given only once.",
                             {param.name: "given more than once"})
        raw = given[0] if given else None
        if raw is None:
            values[param.name] = param.schema.get("default")
            continue
        _refuse_nul(param.name, raw)
        values[param.name] = _query_value(param, raw)
    return values


def _nul_in(value: Any) -> bool:
    """Whether a NUL character hides anywhere in the value (PostgreSQL text cannot hold one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_nul_in(k) or _nul_in(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_nul_in(v) for v in value)
    return False


def _refuse_nul(where: str, value: Any) -> None:
    if _nul_in(value):
        raise BadRequest("invalid_text", f"The {where} contains a NUL character, which text may not hold.",
                         {where: "contains a NUL character"})


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


async def _read_body(op: Operation, request: Request) -> Any:
    if op.request is None:
        return None
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("body_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        raise BadRequest("malformed_json", "A JSON object is required as the request body.", {"body": "empty"})
    try:
        body = json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("malformed_json", f"The request body is not valid JSON: {exc}.", {"body": "not JSON"}) \
            from None
    if not isinstance(body, dict):
        raise BadRequest("malformed_json", "The request body must be a JSON object.", {"body": "not an object"})
    _refuse_nul("body", body)
    problems: dict[str, str] = {}
    check_types(op.request, body, "", problems)
    if problems:
        raise BadRequest("invalid_type", "Some values have the wrong type: "
                         + "; ".join(f"{k} {v}" for k, v in problems.items()) + ".", problems)
    return body


# ----- type checks (the JSON Schema subset the table uses) -------------------------------------------------------

_COMPONENTS: dict[str, dict] = {}


def resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return resolve(_COMPONENTS[ref.rsplit("/", 1)[-1]])
    return schema


_JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "an object", "null": "null"}


def _format_problem(fmt: str | None, value: str) -> str | None:
    if fmt == "date-time":
        try:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            return "not an ISO 8601 time"
        if moment.tzinfo is None:
            return "an ISO 8601 time needs an offset (Z or +01:00)"
    elif fmt == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "not an ISO 8601 date"
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return "not an ISO 8601 date (YYYY-MM-DD)"
    return None


def _type_problem(schema: dict, value: Any) -> str | None:
    schema = resolve(schema)
    if "anyOf" in schema:
        problems = [_type_problem(option, value) for option in schema["anyOf"]]
        if all(problems):
            return " or ".join(dict.fromkeys(p for p in problems if p))
        return None
    kinds = schema.get("type")
    if kinds is None:
        return None
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if not any(_JSON_TYPES[kind](value) for kind in kinds):
        return "must be " + " or ".join(_TYPE_WORDS[kind] for kind in kinds)
    if isinstance(value, str):
        return _format_problem(schema.get("format"), value)
    return None


def check_types(schema: dict, value: Any, path: str, problems: dict[str, str]) -> None:
    """Record (path → problem) for every value whose JSON type (or time format) does not fit ``schema``."""
    schema = resolve(schema)
    problem = _type_problem(schema, value)
    if problem:
        problems[path or "body"] = problem
        return
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                check_types(sub, value[name], f"{path}.{name}" if path else name, problems)
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check_types(schema["items"], item, f"{path}[{index}]", problems)


# ----- wiring ----------------------------------------------------------------------------------------------------


def endpoint_for(op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            ref = key = None
            if op.auth:
                ref, key = await asyncio.to_thread(api_keys.authenticate, _bearer(request))
            if op.dev_only and not get_settings().is_dev_or_test:
                raise NotFound("not_found", "Development endpoints are available only in dev and test.")
            for name, value in request.path_params.items():
                _refuse_nul(name, value)
            call = Call(request=request, ref=ref, key=key, path=dict(request.path_params),
                        query=_parse_query(op, request), body=await _read_body(op, request))
            result = await op.handler(call)
        except ServiceError as exc:
            return error_response(exc)
        except sa.exc.DataError as exc:  # a value the database cannot store (a safety net behind the checks)
            log.warning("%s %s: value refused by the database: %s", op.method, op.path, exc.orig)
            return error(400, "invalid_value", "A value cannot be stored as given.")
        except sa.exc.OperationalError as exc:
            log.warning("%s %s: database unavailable: %s", op.method, op.path, exc.orig)
            return error(503, "database_unavailable", "The database is not available; try again shortly.",
                         headers={"Retry-After": "5"})
        except Exception:
            log.exception("%s %s failed", op.method, op.path)
            return error(500, "internal_error", "Something went wrong on our side; the error is logged.")
        if isinstance(result, Response):
            return result
        if op.response is None:
            return Response(status_code=op.status, headers=NO_STORE)
        return json_response(result, op.status)

    endpoint.__name__ = op.operation_id
    return endpoint


def page(items: list, total: int, call: Call) -> dict:
    return {"items": items, "total": total, "limit": call.query["limit"], "offset": call.query["offset"]}


def page_of(items: list, call: Call) -> dict:
    """A page of a list the service returned whole."""
    offset, limit = call.query["offset"], call.query["limit"]
    return page(items[offset:offset + limit], len(items), call)


def template_regex(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")


def build_routes(operations: Sequence[Operation], prefix: str) -> list[Route]:
    """One Starlette route per operation, then a catch-all under ``prefix`` that answers JSON 404/405."""
    templates = [(template_regex(op.path), op.method) for op in operations]

    async def fallback(request: Request) -> Response:
        allowed = sorted({method for regex, method in templates if regex.match(request.url.path)})
        if allowed:
            allow = ", ".join(allowed + (["HEAD"] if "GET" in allowed else []))
            return error(405, "method_not_allowed", f"{request.method} is not allowed here; use {allow}.",
                         headers={"Allow": allow})
        return error(404, "not_found", f"There is no {request.url.path} in the API.")

    routes = [Route(op.path, endpoint_for(op), methods=[op.method], name=op.operation_id) for op in operations]
    routes.append(Route(prefix + "/{rest:path}", fallback, methods=list(ALL_METHODS), name="api_v1_fallback"))
    return routes


# ----- the document ----------------------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "snake_case code, stable"},
                "message": {"type": "string", "description": "for people"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "field → what is wrong with it"},
            },
        }
    },
}

STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "No content", 400: "Malformed request (not JSON, wrong types)",
    401: "No or bad API key", 404: "Not found (or another orchestra's)", 405: "Method not allowed",
    409: "Conflict with the current state", 422: "Validation failed", 503: "Database unavailable",
}


def paged_schema(item: dict) -> dict:
    return {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": item},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
        },
    }


def register_components(components: dict[str, dict]) -> None:
    """Make the named schemas known to ``resolve`` (the type checks) and to the document."""
    _COMPONENTS.update(components)


def build_document(operations: Sequence[Operation], *, title: str, version: str, description: str) -> dict:
    paths: dict[str, dict] = {}
    for op in operations:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for name in op.path_params
        ] + [
            {"name": p.name, "in": "query", "required": False, "schema": p.schema, "description": p.description}
            for p in op.query
        ]
        responses: dict[str, Any] = {}
        if op.response is None:
            responses[str(op.status)] = {"description": STATUS_TEXT.get(op.status, "OK")}
        else:
            responses[str(op.status)] = {"description": STATUS_TEXT.get(op.status, "OK"),
                                         "content": {"application/json": {"schema": op.response}}}
        error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for status in op.error_statuses():
            responses[str(status)] = {"description": STATUS_TEXT[status], "content": error_content}
        entry: dict[str, Any] = {
            "operationId": op.operation_id, "summary": op.summary, "tags": [op.tag], "responses": responses,
            "security": [{"apiKey": []}] if op.auth else [],
        }
        if op.description:
            entry["description"] = op.description
        if parameters:
            entry["parameters"] = parameters
        if op.request is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.request}}}
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, **_COMPONENTS},
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "The orchestra's API key (ssk_…)"}},
        },
    }
