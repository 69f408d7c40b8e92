"""The bundled question set, rubric and named judges, registered like any plugin's."""

from ..inputs.resources import card_file, client_dir, question_file, rubric_dir
from ..records.base import JudgeSpec
from .hookspecs import hookimpl


@hookimpl
def register_question_sets(register):
    register("mentalbench-200", question_file("mentalbench-200.jsonl"),
             description="200 help-seeking messages written for mentalbench (CC BY 4.0)",
             format="native")


@hookimpl
def register_rubrics(register):
    register("mentalgpt", rubric_dir("mentalgpt"),
             description="the MentalGPT paper's 7 counseling metrics, 1-10")
    register("session", rubric_dir("session"),
             description="a whole counseling session: the 7 metrics and 4 session metrics, 1-10")


@hookimpl
def register_card_sets(register):
    register("mentalbench-cards-v1", card_file("mentalbench-cards-v1.jsonl"),
             description="role cards written for mentalbench sessions (CC BY 4.0)")


@hookimpl
def register_client_templates(register):
    register("roleplay", client_dir("roleplay"),
             description="keeps a client model in its card's role, style and disclosure plan")


@hookimpl
def register_judges(register):
    register(JudgeSpec("smollm2", "smollm2", {"temperature": "0", "max_new_tokens": "384"},
                       mode="logprobs",
                       description="the embedded model, scoring by rating probabilities "
                                   "(works offline; a weak judge, for smoke tests and demos)"))
