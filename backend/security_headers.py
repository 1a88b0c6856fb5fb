"""The security headers of every response, set by the app itself: a proxy in front may add
its own, but the app alone must be safe.

- A Content-Security-Policy under which the client runs: its modules from this origin only,
  and the inline scripts of index.html (the import map, the old-browser notices) by their
  hashes, computed at start-up from the file as it is, so that an edit cannot drift from
  the policy. No 'unsafe-inline', no 'unsafe-eval' (Preact and htm need neither).
- No framing (`frame-ancestors 'none'`, and X-Frame-Options for older browsers), no MIME
  sniffing, no referrer outside the origin (links with tokens stay in the house).
- HSTS when PUBLIC_URL is https: browsers then refuse plain http to the site.
- `Cache-Control: no-store` on every API response that may hold personal data: the simple
  rule is every /api/v1 response but the OpenAPI document and the static reference data.

A pure ASGI middleware (like the request-id one), so streamed responses pass untouched."""

import base64
import hashlib
import re
from typing import Any

from fastapi.openapi.docs import get_swagger_ui_html
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]
_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)

API_PREFIX = "/api/v1/"
# Responses without personal data that a browser may keep.
CACHEABLE_API_PATHS = ("/api/v1/openapi.json",)
CACHEABLE_API_PREFIXES = ("/api/v1/reference/",)
HSTS = "max-age=31536000"
# Swagger UI's page loads its script and styles from this CDN (FastAPI's default).
SWAGGER_CDN = "https://cdn.jsdelivr.net"


def inline_script_hashes(html: str) -> list[str]:
    """The CSP source ('sha256-...') of each inline <script> in `html`, in order."""
    hashes = []
    for attributes, body in _INLINE_SCRIPT.findall(html):
        if _SRC.search(attributes):
            continue
        digest = hashlib.sha256(body.encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


def client_policy(index_html: str) -> str:
    """The policy of the client's page (and of every response outside the API)."""
    scripts = " ".join(["'self'", *inline_script_hashes(index_html)])
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )


# An API answer is no page: it may load nothing and be framed by nothing.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def docs_policy(docs_html: str) -> str:
    """The policy of Swagger UI's page: FastAPI's page loads it from a CDN and starts it with
    one inline script."""
    scripts = " ".join([SWAGGER_CDN, *inline_script_hashes(docs_html)])
    return (
        "default-src 'none'; "
        f"script-src {scripts}; "
        # Swagger UI styles some of its elements inline.
        f"style-src {SWAGGER_CDN} 'unsafe-inline'; "
        f"font-src {SWAGGER_CDN} data:; "
        "img-src 'self' data: https://fastapi.tiangolo.com; "
        "connect-src 'self'; "
        "base-uri 'none'; "
        "form-action 'none'; "
        "frame-ancestors 'none'"
    )


def swagger_page(app: Any) -> str:
    """The HTML of FastAPI's docs page, rendered as FastAPI's own route renders it (without a
    root path, which this app does not use)."""
    response = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - Swagger UI",
        oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
        init_oauth=app.swagger_ui_init_oauth,
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    return bytes(response.body).decode()


def _headers(**values: str) -> Headers:
    return [(name.replace("_", "-").encode(), value.encode()) for name, value in values.items()]


def _replacing(added: Headers) -> tuple[Headers, frozenset[bytes]]:
    return added, frozenset(name for name, _ in added)


class SecurityHeadersMiddleware:
    """Sets the headers above on every HTTP response, replacing any of the same name."""

    def __init__(
        self, app: ASGIApp, *, index_html: str, docs_path: str | None, docs_html: str, https: bool
    ) -> None:
        self.app = app
        self.docs_path = docs_path
        common = _headers(
            x_content_type_options="nosniff",
            x_frame_options="DENY",
            referrer_policy="same-origin",
        )
        if https:
            common += _headers(strict_transport_security=HSTS)
        page = common + _headers(content_security_policy=client_policy(index_html))
        self.page = _replacing(page)
        self.docs = _replacing(common + _headers(content_security_policy=docs_policy(docs_html)))
        api = common + _headers(content_security_policy=API_POLICY)
        self.api_cacheable = _replacing(api)
        self.api = _replacing(api + _headers(cache_control="no-store"))

    def _chosen(self, path: str) -> tuple[Headers, frozenset[bytes]]:
        if path.startswith(API_PREFIX):
            if path in CACHEABLE_API_PATHS or path.startswith(CACHEABLE_API_PREFIXES):
                return self.api_cacheable
            return self.api
        return self.docs if path == self.docs_path else self.page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added, names = self._chosen(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in names]
                message = {**message, "headers": kept + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)
