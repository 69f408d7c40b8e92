"""The rating page's web app (Starlette): the page, its items, and one POST per rating."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from .session import Session

PAGE = Path(__file__).with_name("templates") / "rate.html"


def create_app(session: Session):
    """A Starlette app serving one rater's session on its own (no CDN, no build step)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    async def page(request: Request) -> HTMLResponse:
        html = PAGE.read_text(encoding="utf-8").replace(
            "__RATER__", json.dumps(session.rater).replace("<", "\\u003c"))
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def items(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(session.state),
                            headers={"Cache-Control": "no-store"})

    async def rate(request: Request) -> JSONResponse:
        # Only JSON: a page on another site cannot send it without a preflight we never grant.
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "expected Content-Type: application/json"},
                                status_code=415)
        try:
            payload = await request.json()
        except ValueError:
            return JSONResponse({"error": "expected a JSON body"}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        try:
            await run_in_threadpool(session.rate, payload)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"ok": True})

    # Only this machine's names: a web page that re-points its own host name at 127.0.0.1
    # (DNS rebinding) is refused.
    hosts = Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])
    return Starlette(routes=[Route("/", page), Route("/api/items", items),
                             Route("/api/rate", rate, methods=["POST"])], middleware=[hosts])


def serve(session: Session, port: int) -> None:
    """Serve the session on 127.0.0.1:port until interrupted."""
    import uvicorn

    uvicorn.run(create_app(session), host="127.0.0.1", port=port, log_level="warning")
