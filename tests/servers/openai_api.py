"""A fake OpenAI chat.completions server: POST /v1/chat/completions, Bearer keys, logprobs."""

from __future__ import annotations

import time

from .base import FakeServer
from .replies import count_tokens, top_logprobs

_ERRORS = {
    400: ("invalid_request_error", "The request is not valid."),
    401: ("invalid_request_error", "Incorrect API key provided."),
    403: ("permission_denied", "You are not allowed to use this model."),
    404: ("invalid_request_error", "The model does not exist or you do not have access to it."),
    429: ("requests", "Rate limit reached for requests."),
    500: ("server_error", "The server had an error while processing your request."),
    503: ("server_error", "The engine is currently overloaded, please try again later."),
}


class FakeOpenAI(FakeServer):
    """Speaks enough of the OpenAI chat.completions protocol for the openai SDK."""

    auth_header = "authorization"

    def matches(self, path: str) -> bool:
        return path.rstrip("/").endswith("/chat/completions")

    def messages(self, body: dict) -> list[dict]:
        return [{"role": m["role"], "content": m["content"]} for m in body["messages"]]

    def success(self, body: dict, text: str) -> dict:
        prompt = sum(count_tokens(m["content"]) for m in body["messages"])
        logprobs = None
        if body.get("logprobs"):
            logprobs = {"content": top_logprobs(text, int(body.get("top_logprobs") or 1)),
                        "refusal": None}
        return {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": self.served or body.get("model", self.model),
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": logprobs,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": count_tokens(text),
                      "total_tokens": prompt + count_tokens(text)},
        }

    def __init__(self, *args, error_param: str | None = None, served: str | None = None,
                 echo: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.error_param = error_param  # the request field a 400 blames, if any
        self.served = served  # the model the replies say served them (default: the one asked)
        self.echo = echo  # text a careless server puts into its error messages (e.g. the key)

    def empty(self, body: dict, cut: bool = False) -> dict:
        reply = self.success(body, "")
        reply["choices"][0].update(finish_reason="length" if cut else "content_filter",
                                   message={"role": "assistant", "content": None})
        return reply

    def odd(self, body: dict) -> dict:
        reply = self.success(body, "")
        reply["choices"][0]["message"]["content"] = [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]
        return reply

    def error(self, status: int) -> tuple[dict, dict]:
        kind, message = _ERRORS.get(status, ("server_error", f"HTTP {status}"))
        message = f"{message} {self.echo}".strip()
        headers = {"retry-after": self.retry_after} if status == 429 else {}
        param = self.error_param if status == 400 else None
        return {"error": {"message": message, "type": kind, "param": param, "code": None}}, headers
