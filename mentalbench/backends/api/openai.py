"""The OpenAI backend: `openai:<model>` over chat.completions, or any compatible server (base_url)."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit

from ...judging.paper_judges import paper_judge
from ...plugins.hookspecs import hookimpl
from ...records.base import ChatRequest, Completion, TokenLogprobs, Usage
from .base import APIModel
from .retry import (
    Failure,
    MalformedResponse,
    logprob_alternatives,
    retry_after_seconds,
    status_failure,
    token_count,
)

#: The paper's judge model; OpenAI shut it down on 2026-10-23 (mentalbench/judging/paper_judges.toml).
GPT4_TURBO = "gpt-4-turbo"
#: Request fields that, when a server rejects them, every further request would repeat.
_SETTINGS = {"model", "temperature", "top_p", "seed", "max_tokens", "max_completion_tokens",
             "logprobs", "top_logprobs"}


def token_limit_field(base_url: str | None) -> str:
    """The request field for the reply's token limit at this server."""
    # OpenAI's own API wants max_completion_tokens (its reasoning models refuse max_tokens);
    # compatible servers (vLLM, Ollama, LM Studio...) know max_tokens best.
    host = urlsplit(base_url).hostname if base_url else "api.openai.com"
    return "max_completion_tokens" if host == "api.openai.com" else "max_tokens"


def _text(content: Any) -> str | None:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text"
                                         and isinstance(p.get("text"), str) for p in content):
        return "".join(p["text"] for p in content)
    raise MalformedResponse(f"message content of type {type(content).__name__} that holds "
                            "other than text parts")


class OpenAIModel(APIModel):
    """Chat completions through the official SDK's AsyncOpenAI client."""

    extra = "openai"
    sdk_module = "openai"
    key_variables = ("OPENAI_API_KEY",)
    default_model = GPT4_TURBO
    supports_top_logprobs = True  # chat.completions returns the top alternatives per token

    @property
    def endpoint(self) -> str | None:
        return self.options.base_url or os.environ.get("OPENAI_BASE_URL") or None

    async def open_client(self) -> Any:
        from openai import AsyncOpenAI

        o = self.options
        # The SDK's own retries are off: ours count attempts, honour Retry-After across
        # all requests, and turn the last failure into a recorded error.
        return AsyncOpenAI(api_key=self.api_key() or "unused", base_url=self.endpoint,
                           timeout=o.timeout, max_retries=0)

    async def close_client(self, client: Any) -> None:
        await client.close()

    async def attempt(self, client: Any, request: ChatRequest, top_logprobs: int) -> Completion:
        o = self.options
        extra: dict[str, Any] = {token_limit_field(self.endpoint): self.max_tokens}
        if top_logprobs:
            extra.update(logprobs=True, top_logprobs=top_logprobs)
        # top_k is not part of this protocol, so it is not sent.
        resp = await client.chat.completions.create(
            model=self.api_model, messages=list(request.messages), temperature=o.temperature,
            top_p=o.top_p, seed=o.seed, **extra)
        try:
            return self._completion(resp, top_logprobs)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError, ArithmeticError,
                RecursionError) as exc:
            raise MalformedResponse(f"a reply of an unexpected shape ({type(exc).__name__}: "
                                    f"{str(exc)[:120]})") from None

    def _completion(self, resp: Any, top_logprobs: int) -> Completion:
        choices = getattr(resp, "choices", None)
        if not choices:
            raise MalformedResponse("a reply without choices")
        choice = choices[0]
        text = _text(getattr(choice.message, "content", None) if choice.message else None)
        finish = choice.finish_reason or ""
        if not text:
            if finish == "content_filter":
                return Completion(text="", error=f"{self.model_id}: the reply was withheld "
                                  "by the provider's content filter")
            if finish == "length":
                return Completion(text="", error=f"{self.model_id}: no text within max_tokens="
                                  f"{self.max_tokens} (reasoning counts too): raise max_tokens")
            raise MalformedResponse(f"an empty reply (finish_reason={finish or 'none'})")
        usage = resp.usage
        logprobs: tuple[TokenLogprobs, ...] = ()
        if top_logprobs and choice.logprobs and choice.logprobs.content:
            logprobs = tuple(TokenLogprobs(t.token, logprob_alternatives(
                (a.token, a.logprob) for a in (t.top_logprobs or [])))
                for t in choice.logprobs.content)
        return Completion(text=text, finish_reason=finish, logprobs=logprobs,
                          served_model=str(getattr(resp, "model", "") or ""),
                          usage=Usage(token_count(usage.prompt_tokens, "prompt_tokens"),
                                      token_count(usage.completion_tokens, "completion_tokens"))
                          if usage else Usage())

    def classify(self, exc: BaseException) -> Failure:
        import openai
        import pydantic

        if isinstance(exc, openai.APITimeoutError):
            return Failure("the request timed out", retry=True)
        if isinstance(exc, openai.APIConnectionError):
            return Failure(f"connection failed: {exc.__cause__ or exc}", retry=True)
        if isinstance(exc, openai.APIStatusError):
            body = exc.body if isinstance(exc.body, dict) else {}
            status = exc.status_code
            message = f"HTTP {status}: {body.get('message') or exc.message}"
            # What only OpenAI says: a quota error or a refused setting, fatal whatever the status.
            if status == 429 and getattr(exc, "code", None) == "insufficient_quota":
                return Failure(f"the account is out of quota ({message})", retry=False,
                               fatal=True)
            if status == 400 and exc.param in _SETTINGS:
                return Failure(f"the server refused the setting {exc.param!r} ({message}); "
                               "change it with the model or judge options", retry=False,
                               fatal=True)
            return status_failure(status, message, retry_after_seconds(exc.response.headers),
                                  self.api_model)
        if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError |
                      openai.APIResponseValidationError):
            return Failure(f"a malformed reply ({type(exc).__name__}: {exc})", retry=True)
        if isinstance(exc, MalformedResponse):
            return Failure(str(exc), retry=True)
        raise exc


@hookimpl
def register_models(register):
    register("openai", OpenAIModel, prefix=True,
             description="OpenAI chat completions, or any compatible server via base_url "
                         "(needs mentalbench[openai])")


@hookimpl
def register_judges(register):
    # The paper's GPT-4 Turbo is shut down: the model and its settings come from the dated
    # table in mentalbench/judging/paper_judges.toml (docs/api-backends.md).
    register(paper_judge("gpt4"))
