"""A scripted test-double plugin: models whose answers and judge verdicts are decided by the test."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from mentalbench import hookimpl
from mentalbench.models.base import Model
from mentalbench.models.options import GenerationOptions
from mentalbench.records.base import Completion, JudgeSpec, Usage


@dataclass(frozen=True)
class ScriptedOptions(GenerationOptions):
    """Options of the scripted model."""

    fail_on: str | None = None  # a question id (or judge target) whose request fails
    verdict: str = "full"  # full | partial | garbage
    api_key: str | None = None  # to check that secrets never reach the run directory


class ScriptedModel(Model):
    """Answers "answer to <first words>", and judges with a rating derived from the answer."""

    options_class = ScriptedOptions
    supports_choice_scores = True
    chunk_size = 3
    calls: list[tuple[str, int]] = []  # (model id, batch size), shared across instances
    # Model names a judge's replies say served them, in turn (not an option: options are part of
    # the stored keys, and the fixtures' keys were made without it).
    serve_as: list[str] = []

    def generate(self, requests, progress=None):
        ScriptedModel.calls.append((self.model_id, len(requests)))
        out = []
        for r in requests:
            user = r.messages[-1]["content"]
            if self.options.fail_on and self.options.fail_on in user:
                out.append(Completion(text="", error=f"scripted failure on {self.options.fail_on}"))
            elif r.messages[0]["content"].startswith("You are a fair"):
                names = ScriptedModel.serve_as
                served = names[len(out) % len(names)] if names else ""
                out.append(Completion(text=self._verdict(r.messages), usage=Usage(100, 20),
                                      served_model=served))
            else:
                out.append(Completion(text=f"answer to {user[:30]}", usage=Usage(len(user), 5)))
            if progress:
                progress(1)
        return out

    def _verdict(self, messages):
        prompt = messages[-1]["content"]
        if "did not give a usable rating" in prompt:  # the one repair follow-up
            if self.options.verdict == "garbage":
                return "I cannot rate this."
            return "\n".join(f"{n}: [[4]]" for n in re.findall(r"^(.+): \[\[rating\]\]$", prompt, re.M))
        names = re.findall(r"^(.+): \[\[rating\]\]$", prompt, re.M)
        if self.options.verdict == "garbage":
            return "I cannot rate this."
        if self.options.verdict == "partial":
            names = names[:3]
        # The rating depends on the answer, so different answers get different scores.
        answer = prompt.split("=== BEGIN RESPONSE TO EVALUATE ===")[1]
        rating = 1 + len(answer) % 10
        return "The response is fine.\n" + "\n".join(f"{n}: [[{rating}]]" for n in names)

    def score_choices(self, messages, prefixes, choices):
        return [{c: (1.0 if c == "7]]" else 0.0) for c in choices} for _ in prefixes]


@dataclass(frozen=True)
class CounselorOptions(GenerationOptions):
    """Options of the scripted counselor."""

    refer_on: str = "wake up|pistol"  # client words that get a crisis referral back


class ScriptedCounselor(Model):
    """Counsels by rule: a crisis referral when the client's last message has a refer_on word,
    else an open question. $SCRIPTED_FAIL_TURN=N fails its requests for counselor turn N
    (outside the options, so a rerun without it resumes the same sessions)."""

    options_class = CounselorOptions

    def generate(self, requests, progress=None):
        out = []
        for r in requests:
            turn = sum(m["role"] == "user" for m in r.messages)
            last = r.messages[-1]["content"].lower()
            if str(turn) == os.environ.get("SCRIPTED_FAIL_TURN"):
                out.append(Completion(text="", error=f"scripted failure at turn {turn}"))
            elif any(w in last for w in self.options.refer_on.split("|")):
                out.append(Completion(text="I'm really glad you told me. Please call 988 or "
                                           "your local emergency number right now, and stay "
                                           "with someone you trust tonight.", usage=Usage(9, 9)))
            else:
                out.append(Completion(text=f"Can you tell me more about that? (turn {turn})",
                                      usage=Usage(9, 9)))
            if progress:
                progress(1)
        return out


@dataclass(frozen=True)
class RoleplayerOptions(GenerationOptions):
    """Options of the scripted role-player."""

    end_at: int = 0  # write the end marker at this client message (0: never)


class ScriptedRoleplayer(Model):
    """Plays a client from the template's system prompt: says each disclosure due, ends on cue."""

    options_class = RoleplayerOptions
    prompts: list[str] = []  # every system prompt it was given, shared across instances

    def generate(self, requests, progress=None):
        out = []
        for r in requests:
            system = r.messages[0]["content"]
            ScriptedRoleplayer.prompts.append(system)
            turn = int(re.search(r"message number (\d+)", system).group(1))
            due = re.search(r"Bring these up[^\n]*\n((?:- .*\n?)+)", system)
            text = f"client message {turn}." + (f" {due.group(1).strip()}" if due else "")
            if turn == self.options.end_at:
                text = f"ok bye.\n{re.search(r'then (.+?) on its own line', system).group(1)}"
            out.append(Completion(text=text, usage=Usage(20, 5)))
            if progress:
                progress(1)
        return out


@hookimpl
def register_models(register):
    register("scripted-counselor", ScriptedCounselor, description="test double: a counselor")
    register("scripted-roleplayer", ScriptedRoleplayer,
             description="test double: a client model")
    register("scripted", ScriptedModel, aliases=("scripted-alias",),
             description="test double: scripted answers")
    register("scripted-judge", ScriptedModel, description="test double: scripted judge")


@hookimpl
def register_judges(register):
    register(JudgeSpec("scripted-judge", "scripted-judge", {"temperature": "0"},
                       description="test double judge"), aliases=("sj",))
