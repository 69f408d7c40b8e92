"""The Gemini backend: `gemini:<model>` through the google-genai SDK's async client."""

from __future__ import annotations

import json
import re
from typing import Any

from ...judging.paper_judges import paper_judge
from ...plugins.hookspecs import hookimpl
from ...records.base import ChatRequest, Completion, Usage
from .base import APIModel
from .retry import Failure, MalformedResponse, retry_after_seconds, status_failure, token_count

#: A current stable Gemini model (Gemini Pro 1.0, the paper's, is retired); see docs/api-backends.md.
DEFAULT_GEMINI = "gemini-3.8-flash"
#: Finish reasons that mean the provider withheld the reply: asking again will not help.
_BLOCKED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE"}


def to_contents(messages) -> tuple[str | None, list[dict[str, Any]]]:
    """Chat messages as Gemini's system instruction and contents (assistant turns are "model")."""
    system = [m["content"] for m in messages if m["role"] == "system"]
    contents = [{"role": "model" if m["role"] == "assistant" else "user",
                 "parts": [{"text": m["content"]}]}
                for m in messages if m["role"] != "system"]
    return ("\n\n".join(system) if system else None), contents


def _retry_delay(details: Any) -> float | None:
    """The RetryInfo delay ("12s") inside a Gemini error body, if any."""
    try:
        for d in details["error"].get("details", []):
            if d.get("@type", "").endswith("RetryInfo"):
                return float(re.sub(r"s$", "", d["retryDelay"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    return None


class GeminiModel(APIModel):
    """generateContent through `genai.Client(...).aio`."""

    extra = "gemini"
    sdk_module = "google.genai"
    key_variables = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    default_model = DEFAULT_GEMINI

    async def open_client(self) -> Any:
        from google import genai
        from google.genai import types

        o = self.options
        http = types.HttpOptions(base_url=o.base_url, timeout=int(o.timeout * 1000))
        # vertexai=False: the Gemini API with a key, whatever GOOGLE_GENAI_USE_VERTEXAI says.
        return genai.Client(api_key=self.api_key() or "unused", vertexai=False,
                            http_options=http)

    async def close_client(self, client: Any) -> None:
        close = getattr(client.aio, "aclose", None)  # google-genai releases before 1.2x lack it
        if close is not None:
            await close()

    async def attempt(self, client: Any, request: ChatRequest, top_logprobs: int) -> Completion:
        from google.genai import types

        o = self.options
        system, contents = to_contents(request.messages)
        config = types.GenerateContentConfig(
            system_instruction=system, temperature=o.temperature, top_p=o.top_p, top_k=o.top_k,
            max_output_tokens=self.max_tokens, seed=o.seed, candidate_count=1)
        resp = await client.aio.models.generate_content(model=self.api_model, contents=contents,
                                                        config=config)
        try:
            return self._completion(resp)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError, ArithmeticError,
                RecursionError) as exc:
            raise MalformedResponse(f"a reply of an unexpected shape ({type(exc).__name__}: "
                                    f"{str(exc)[:120]})") from None

    def _completion(self, resp: Any) -> Completion:
        feedback = getattr(resp, "prompt_feedback", None)
        if not resp.candidates:
            if feedback is not None and feedback.block_reason:
                return Completion(text="", error=f"{self.model_id}: the prompt was blocked "
                                  f"({_name(feedback.block_reason)})")
            raise MalformedResponse("a reply without candidates")
        cand = resp.candidates[0]
        finish = _name(cand.finish_reason)
        parts = cand.content.parts if cand.content and cand.content.parts else []
        if not all(p.text is None or isinstance(p.text, str) for p in parts):
            raise MalformedResponse("a reply part whose text is not a string")
        text = "".join(p.text for p in parts if p.text and not p.thought)
        if not text:
            if finish in _BLOCKED:
                return Completion(text="", error=f"{self.model_id}: the reply was withheld "
                                  f"(finish reason {finish})")
            if finish == "MAX_TOKENS":
                return Completion(text="", error=f"{self.model_id}: no text within max_tokens="
                                  f"{self.max_tokens} (thinking counts too): raise max_tokens")
            raise MalformedResponse(f"an empty reply (finish reason {finish or 'none'})")
        um = resp.usage_metadata
        usage = Usage(token_count(um.prompt_token_count, "prompt_token_count"),
                      token_count(um.candidates_token_count, "candidates_token_count")
                      + token_count(um.thoughts_token_count, "thoughts_token_count")) \
            if um else Usage()
        return Completion(text=text, usage=usage, finish_reason=finish.lower(),
                          served_model=str(getattr(resp, "model_version", "") or ""))

    def classify(self, exc: BaseException) -> Failure:
        from google.genai import errors

        if isinstance(exc, errors.APIError):
            code = exc.code or 0
            message = f"HTTP {code} {exc.status or ''}: {exc.message or ''}".strip()
            response = getattr(exc, "response", None)
            wait = retry_after_seconds(getattr(response, "headers", None))
            return status_failure(code, message,
                                  wait if wait is not None else _retry_delay(exc.details),
                                  self.api_model)
        import pydantic

        malformed = (getattr(errors, "UnknownApiResponseError", MalformedResponse),
                     json.JSONDecodeError, pydantic.ValidationError, MalformedResponse)
        if isinstance(exc, malformed):
            return Failure(f"a malformed reply ({type(exc).__name__}: {str(exc)[:200]})",
                           retry=True)
        if _is_transport_error(exc):
            return Failure(f"connection failed: {type(exc).__name__} {exc}".strip(), retry=True)
        raise exc


def _name(value: Any) -> str:
    return getattr(value, "name", None) or str(value or "")


def _is_transport_error(exc: BaseException) -> bool:
    """httpx or httpx2 (google-genai uses whichever is installed) network and timeout errors."""
    import importlib

    for module in ("httpx", "httpx2"):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        if isinstance(exc, mod.TransportError):
            return True
    return isinstance(exc, ConnectionError | OSError)


@hookimpl
def register_models(register):
    register("gemini", GeminiModel, prefix=True,
             description="Google Gemini API via google-genai (needs mentalbench[gemini])")


@hookimpl
def register_judges(register):
    # Gemini Pro 1.0, the paper's, is retired: the model and its settings (Gemini 3 models at
    # their default temperature, room for thinking tokens) come from the dated table in
    # mentalbench/judging/paper_judges.toml (docs/api-backends.md).
    register(paper_judge("gemini"))
