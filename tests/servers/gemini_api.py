"""A fake Gemini API server: POST /<version>/models/<model>:generateContent, x-goog-api-key."""

from __future__ import annotations

import re

from .base import FakeServer
from .replies import count_tokens

_ROUTE = re.compile(r"^/v1(beta|alpha)?/models/[^/:]+:generateContent$")
#: Thinking tokens the fake reports with every reply (billed as output).
THOUGHTS = 7
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


class FakeGemini(FakeServer):
    """Speaks enough of the Gemini generateContent protocol for the google-genai SDK."""

    auth_header = "x-goog-api-key"

    def matches(self, path: str) -> bool:
        return bool(_ROUTE.match(path.split("?")[0]))

    def messages(self, body: dict) -> list[dict]:
        out = []
        system = body.get("systemInstruction") or body.get("system_instruction")
        if system:
            out.append({"role": "system", "content": "".join(p.get("text", "")
                                                             for p in system["parts"])})
        for c in body.get("contents", []):
            role = "assistant" if c.get("role") == "model" else "user"
            out.append({"role": role, "content": "".join(p.get("text", "") for p in c["parts"])})
        return out

    def success(self, body: dict, text: str) -> dict:
        prompt = sum(count_tokens(m["content"]) for m in self.messages(body))
        return {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": prompt,
                              "candidatesTokenCount": count_tokens(text),
                              "thoughtsTokenCount": THOUGHTS,
                              "totalTokenCount": prompt + count_tokens(text) + THOUGHTS},
            "modelVersion": self.model,
        }

    def empty(self, body: dict, cut: bool = False) -> dict:
        return {"candidates": [{"finishReason": "MAX_TOKENS" if cut else "SAFETY", "index": 0}],
                "usageMetadata": {"promptTokenCount": 10, "totalTokenCount": 10}}

    def odd(self, body: dict) -> dict:
        reply = self.success(body, "")
        reply["candidates"][0]["content"]["parts"] = [{"text": 5}, {"inlineData": "???"}]
        return reply

    def error(self, status: int) -> tuple[dict, dict]:
        error = {"code": status, "message": f"fake error {status}",
                 "status": _STATUS.get(status, "UNKNOWN")}
        headers = {}
        if status == 429:
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                 "retryDelay": f"{self.retry_after}s"}]
            headers = {"retry-after": self.retry_after}
        return {"error": error}, headers
