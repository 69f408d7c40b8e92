"""Test doubles for the data pipelines: a scripted model plugin, a local OpenAI-protocol
server that answers the same way, and a bag-of-words embedder."""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mentalbench import hookimpl
from mentalbench.models.base import Model
from mentalbench.models.options import GenerationOptions
from mentalbench.records.base import Completion, Usage

WORDS = (
    "morning evening work sister brother mother father partner friend school office kitchen "
    "garden money rent debt sleep dream night weekend holiday doctor nurse hospital medicine "
    "church music guitar painting running swimming football dog cat bird car train bus city "
    "village country island winter summer spring autumn rain snow letter phone message email "
    "dinner lunch breakfast coffee tea wine bread cake birthday wedding funeral baby child "
    "teenager student teacher manager colleague neighbour landlord lawyer judge court police "
    "army navy soldier farmer baker painter writer reader singer dancer player coach team "
    "game match exam test grade class lesson homework book page story film show series "
    "computer screen keyboard window door roof wall floor stairs garage shed fence gate road "
    "bridge river lake sea beach mountain forest field park street market shop bank library "
    "museum theatre cinema station airport hotel restaurant cafe pub club gym pool court"
).split()

SUBJECTS = ("my sister", "my father", "my partner", "my boss", "my son", "my neighbour")


def words(seed: str, n: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def message_text(seed: str, n: int = 120) -> str:
    """A first-person 'patient message' of about n words, unique to its seed."""
    rng = random.Random(seed)
    return (f"I keep thinking about {rng.choice(SUBJECTS)} and I feel lost. "
            f"{words(seed, n)}. What should I do, and would therapy help me?")


def answer_text(seed: str, n: int = 120) -> str:
    return f"Thank you for telling me this; what you feel makes sense. {words('a' + seed, n)}."


def near_duplicate(text: str) -> str:
    """The same message with two words swapped for others: what a dedup must catch."""
    parts = text.split()
    parts[10], parts[20] = "garden", "winter"
    return " ".join(parts)


def _topics(prompt: str) -> list[str]:
    block = prompt.split("Topics:\n", 1)[1].split("\n\n", 1)[0]
    return [re.sub(r"^\d+\.\s*", "", line) for line in block.splitlines()]


def _set_number(prompt: str) -> int:
    return int(re.search(r"set number (\d+)", prompt).group(1))


class Script:
    """What the doubles answer. Tests change these fields; `reset()` restores the defaults."""

    def reset(self) -> None:
        self.batches: dict[int, str] = {}  # set number -> good|dup|garbage|refusal|short|
        #                                    partial|error|truncated (default good)
        self.answers: dict[str, str] = {}  # text in the message -> refusal|short|error
        self.singles: dict[str, str] = {}  # topic of a one-message request -> garbage|short|
        #                                    numbered|truncated (default good)
        self.requests: list[tuple[dict[str, str], ...]] = []
        self.generate_calls = 0
        self.interrupt_on_call: int | None = None  # raise KeyboardInterrupt on this call

    def __init__(self) -> None:
        self.reset()

    def reply(self, messages) -> Completion:
        """The reply to one conversation, as the scripted model and the fake server give it."""
        self.requests.append(tuple(messages))
        prompt = messages[-1]["content"]
        if "Topics:\n" in prompt:
            return self._batch(prompt)
        if prompt.startswith("Write a message from a "):
            return self._single(prompt)
        if "<page>" in prompt:
            return self._round(prompt)
        if prompt.startswith("Transcript page ("):
            return self._turn(prompt)
        return self._answer(prompt)

    def _single(self, prompt: str) -> Completion:
        topic = re.search(r" to a counselor about (.+?)\. Written in", prompt).group(1)
        text = message_text(hashlib.sha256(prompt.encode()).hexdigest())
        mode = self.singles.get(topic, "good")
        if mode == "garbage":
            return _done("Life is a journey and every day is a new start, said the old man.")
        if mode == "short":
            return _done("I am sad.")
        if mode == "numbered":  # a label line and a number the prompt did not ask for
            return _done(f"Sure! Here is the message:\n\n1. {text}")
        return _done(text, finish="length" if mode == "truncated" else "stop")

    def _batch(self, prompt: str) -> Completion:
        number, topics = _set_number(prompt), _topics(prompt)
        mode = self.batches.get(number, "good")
        texts = [message_text(f"{number}-{i}") for i in range(1, len(topics) + 1)]
        if mode == "error":
            return Completion(text="", error="scripted failure")
        if mode == "garbage":
            return _done("Sure! Life is a journey and every day is a new start.")
        if mode == "refusal":
            return _done("I'm sorry, but I can't help with writing these messages.")
        if mode == "short":
            texts = ["I am sad." for _ in topics]
        if mode == "dup":  # near-copies of set 1's messages
            texts = [near_duplicate(message_text(f"1-{i}")) for i in range(1, len(topics) + 1)]
        if mode == "partial":
            texts = texts[:-1]
        body = "\n\n".join(f"{i}. **Topic: {topics[i - 1]}**\n{t}"
                           for i, t in enumerate(texts, 1))
        return _done(body, finish="length" if mode == "truncated" else "stop")

    def _answer(self, message: str) -> Completion:
        for marker, mode in self.answers.items():
            if marker in message:
                if mode == "error":
                    return Completion(text="", error="scripted failure")
                if mode == "refusal":
                    return _done("I'm sorry, but I cannot help with this request.")
                if mode == "short":
                    return _done("Please see a therapist.")
        return _done(answer_text(hashlib.sha256(message.encode()).hexdigest()))

    def _round(self, prompt: str) -> Completion:
        page = prompt.split("<page>", 1)[1].split("</page>", 1)[0]
        seed = hashlib.sha256(page.encode()).hexdigest()
        if "[[error]]" in page:
            return Completion(text="", error="scripted failure")
        if "[[garbage]]" in page:
            return _done("The page is about a family. It is a good page.")
        if "[[short]]" in page:
            return _done("Patient: I am tired.\nCounselor: Rest more.")
        if "[[refusal]]" in page:
            return _done("I'm sorry, but I can't help with that request.")
        return _done(f"**Patient:** I care for my mother and {words(seed, 60)}.\n\n"
                     f"**Counselor:** It sounds exhausting, and {words('c' + seed, 60)}.")

    def _turn(self, prompt: str) -> Completion:
        """One turn a request: the caregiver's (from the page) or the counselor's."""
        page = prompt.split("\n", 1)[1].split("\n\n", 1)[0]
        seed = hashlib.sha256(page.encode()).hexdigest()
        if "The caregiver says:" in prompt:
            if "[[counselor-error]]" in page:
                return Completion(text="", error="scripted failure")
            if "[[counselor-short]]" in page:
                return _done("Rest more.")
            return _done(f"It sounds exhausting, and {words('c' + seed, 60)}.")
        if "[[error]]" in page:
            return Completion(text="", error="scripted failure")
        if "[[garbage]]" in page:
            return _done(f"The page is about a family: {words('g' + seed, 50)}.")
        if "[[short]]" in page:
            return _done("I am tired.")
        if "[[refusal]]" in page:
            return _done("I'm sorry, but I can't help with that request.")
        if "[[voice]]" in page:
            return _done(f"Therapist: It sounds exhausting, and {words('v' + seed, 60)}.")
        if "[[example]]" in page:
            from mentalbench_train.data.prompts import EXAMPLE_PATIENT

            return _done(EXAMPLE_PATIENT)
        return _done(f"**Caregiver:** I care for my mother and {words(seed, 60)}.")


def _done(text: str, finish: str = "stop") -> Completion:
    return Completion(text=text, finish_reason=finish,
                      usage=Usage(100, len(text.split())))


SCRIPT = Script()


@dataclass(frozen=True)
class DoubleOptions(GenerationOptions):
    """Options of the scripted model; base_url lets tests exercise the privacy guard."""

    base_url: str | None = None


class ScriptedDataModel(Model):
    """Replies from SCRIPT; a fixed chunk size so tests see chunking and interruption."""

    options_class = DoubleOptions
    chunk_size = 4

    def generate(self, requests, progress=None):
        SCRIPT.generate_calls += 1
        if SCRIPT.interrupt_on_call == SCRIPT.generate_calls:
            raise KeyboardInterrupt
        out = [SCRIPT.reply(r.messages) for r in requests]
        if progress:
            progress(len(out))
        return out


@hookimpl
def register_models(register):
    register("scripted-data", ScriptedDataModel, description="test double: data pipelines")


class FakeOpenAIServer:
    """POST /v1/chat/completions on 127.0.0.1, answered by SCRIPT; counts calls and overlap."""

    def __init__(self, latency: float = 0.05):
        self.latency = latency
        self.calls = 0
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.calls += 1
                    server.in_flight += 1
                    server.peak = max(server.peak, server.in_flight)
                time.sleep(server.latency)
                reply = SCRIPT.reply(body["messages"])
                with server._lock:
                    server.in_flight -= 1
                if reply.error:
                    data, status = {"error": {"message": reply.error, "type": "server_error"}}, 400
                else:
                    data, status = {
                        "id": "x", "object": "chat.completion", "created": 0,
                        "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                                     "message": {"role": "assistant", "content": reply.text}}],
                        "usage": {"prompt_tokens": reply.usage.prompt_tokens,
                                  "completion_tokens": reply.usage.completion_tokens,
                                  "total_tokens": sum((reply.usage.prompt_tokens,
                                                       reply.usage.completion_tokens))}}, 200
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def bag_of_words(texts):
    """A cheap embedder: hashed word counts, normalised (near-copies score close to 1)."""
    import numpy as np

    out = np.zeros((len(texts), 1024), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 1024] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def data_cli():
    """The mentalbench command line with the `data` group (added by the installed plugin)."""
    from mentalbench.cli import cli

    if "data" not in cli.commands:  # plugin not installed as a distribution: add it by hand
        from mentalbench_train.data import plugin

        plugin.register_commands(cli=cli)
    return cli
