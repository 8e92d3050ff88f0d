"""Request-body guard: size, text and JSON-shape limits, enforced before anything parses a body.

Every route's body is read here first (the gateway's proxy routes excepted: they forward bytes
to a provider that judges them, under their own size limit). A body over the limit is a 413; a
JSON body that is not valid Unicode text (lone surrogates, `\\ud800` escapes included), holds a
NUL (raw or `\\u0000`), nests deeper than the bound or carries an integer over Python's digit
limit is a 400, as is a form body with NUL or invalid UTF-8. Such bodies would otherwise be
stored and then fail every read that renders them, or blow the parser's recursion limit.

The original bytes are passed on unchanged: whatever passes here the app's own JSON decoder
reads exactly as the client sent it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calgate.web.envelope import error_body

log = logging.getLogger("calgate.web")

# Clients authenticate in the body here, and answer errors in RFC 6749's shape.
OAUTH_CLIENT_PATHS = frozenset({"/v2/auth/oauth2/token", "/v2/auth/oauth2/revoke"})
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"

# The body of a JSON string from just after its opening quote, through its closing quote.
# Anchored (match, never search) and unrolled, so it is linear however the body is crafted.
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
# Escapes worth a precise look: NUL and the surrogate range (a false hit is re-checked).
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


class Refusal(Exception):
    """Why a body is refused; status 400 unless it is too large (413)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _big_integer(digits: int) -> re.Pattern[str] | None:
    if digits <= 0:
        return None
    # An integer token: not part of a fraction, an exponent or a longer word.
    return re.compile(r"(?<![\w.+-])-?\d{" + str(digits + 1) + r",}(?![\w.])")


_BIG_INTEGER = _big_integer(sys.get_int_max_str_digits())


def _escape_problem(content: str) -> str | None:
    """NUL or a lone surrogate among the escapes of one JSON string's content."""
    pending_high = -1  # end offset of a high-surrogate escape still waiting for its pair
    for match in _ESCAPE.finditer(content):
        hexdigits = match.group(1)
        code = int(hexdigits, 16) if hexdigits else -1
        if pending_high >= 0:
            if match.start() != pending_high or not 0xDC00 <= code <= 0xDFFF:
                return "The request body contains a lone UTF-16 surrogate"
            pending_high = -1
            continue
        if code == 0:
            return "The request body must not contain NUL characters"
        if 0xD800 <= code <= 0xDBFF:
            pending_high = match.end()
        elif 0xDC00 <= code <= 0xDFFF:
            return "The request body contains a lone UTF-16 surrogate"
    if pending_high >= 0:
        return "The request body contains a lone UTF-16 surrogate"
    return None


def _outside_strings(text: str, check_escapes: bool) -> str:
    """The text with every string's content removed (quotes kept), checking escapes on the way.

    Iterative and linear: a crafted body can neither recurse nor backtrack its way to a stall.
    """
    pieces: list[str] = []
    pos = 0
    while (quote := text.find('"', pos)) >= 0:
        rest = _STRING_REST.match(text, quote + 1)
        if rest is None:  # unterminated: the JSON decoder will refuse it
            break
        pieces.append(text[pos : quote + 1])
        content = text[quote + 1 : rest.end() - 1]
        if check_escapes and "\\" in content and (problem := _escape_problem(content)):
            raise Refusal(problem)
        pieces.append('"')
        pos = rest.end()
    pieces.append(text[pos:])
    return "".join(pieces)


def _depth_exceeds(structure: str, max_depth: int) -> bool:
    depth = 0
    for match in _BRACKETS.finditer(structure):
        if match.group() in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def check_json(body: bytes, max_depth: int) -> None:
    """Raise Refusal unless ``body`` is Unicode text fit for the app's JSON decoder."""
    if not body:
        return
    # The encoding json.loads(bytes) itself detects (BOM, or RFC 8259/4627's zero-byte pattern).
    encoding = json.detect_encoding(body)
    try:
        text = body.decode(encoding)  # strict: lone surrogates fail in every UTF
    except UnicodeDecodeError as exc:
        raise Refusal("The request body is not valid UTF-8, UTF-16 or UTF-32 text") from exc
    if "\x00" in text:
        raise Refusal("The request body must not contain NUL characters")
    # Cheap scans first; the precise (string-aware) pass only when one of them hits.
    suspect_escape = _SUSPECT_ESCAPE.search(text) is not None
    deep = text.count("[") + text.count("{") > max_depth
    big = _BIG_INTEGER is not None and _BIG_INTEGER.search(text) is not None
    if not (suspect_escape or deep or big):
        return
    structure = _outside_strings(text, check_escapes=suspect_escape)
    if deep and _depth_exceeds(structure, max_depth):
        raise Refusal(f"The request body nests deeper than {max_depth} levels")
    if big and _BIG_INTEGER is not None and _BIG_INTEGER.search(structure) is not None:
        raise Refusal(
            f"The request body holds an integer longer than {sys.get_int_max_str_digits()} digits"
        )


def check_form(body: bytes) -> None:
    """Raise Refusal unless a urlencoded body is UTF-8 without NUL, also once percent-decoded."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refusal("The form body is not valid UTF-8") from exc
    if "\x00" in text or any("\x00" in key or "\x00" in value for key, value in pairs):
        raise Refusal("The form body must not contain NUL characters")


def media_type(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return ""


def check_body(content_type: str, body: bytes, max_depth: int) -> None:
    if content_type == FORM:
        check_form(body)
    elif content_type != MULTIPART:
        # Anything else may reach a JSON decoder: FastAPI reads bodies without a content type
        # as JSON, the token endpoint reads a body starting with "{" as JSON whatever it says.
        check_json(body, max_depth)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _refusal_response(scope: Scope, refusal: Refusal) -> JSONResponse:
    path = scope.get("path", "")
    if path in OAUTH_CLIENT_PATHS:
        return JSONResponse(
            {"error": "invalid_request", "error_description": refusal.message},
            refusal.status,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
    request = Request(scope)
    where = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    code = "PayloadTooLargeException" if refusal.status == 413 else "BadRequestException"
    return JSONResponse(error_body(where, code, refusal.message), refusal.status)


class BodyGuard:
    """ASGI middleware: read the whole body (bounded), judge it, replay the original bytes."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_depth: int,
        exempt: Callable[[Scope], bool] = lambda scope: False,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt(scope):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
            if body is None:
                return  # the client went away mid-body: nobody to answer
            if body:
                check_body(media_type(scope), body, self.max_depth)
        except Refusal as refusal:
            log.warning(
                "refused request body on %s %s: %s",
                scope.get("method"),
                scope.get("path"),
                refusal.message,
            )
            await _refusal_response(scope, refusal)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            raise Refusal(f"Request body exceeds {self.max_bytes} bytes", 413)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise Refusal(f"Request body exceeds {self.max_bytes} bytes", 413)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect as usual

    return replay


def install(app: Starlette, max_bytes: int, max_depth: int, proxied: Iterable[str] = ()) -> None:
    """Guard every route of ``app`` except the gateway's proxy routes, ``/{app}/...`` for each
    provider name in ``proxied``."""
    names = frozenset(proxied)

    def exempt(scope: Scope) -> bool:
        first = scope.get("path", "").split("/", 2)[1:2]
        return bool(first) and first[0] in names

    app.add_middleware(BodyGuard, max_bytes=max_bytes, max_depth=max_depth, exempt=exempt)
