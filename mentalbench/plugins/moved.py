"""Where each module of the layout before packages by stage moved (kept for one release).

`mentalbench/__init__.py` loads an old module path as its new module, and a package whose name
was a module's forwards that module's names, each with a DeprecationWarning. Written by
relayout.py.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from typing import Any

MOVED: dict[str, str] = {
    'mentalbench.hookspecs': 'mentalbench.plugins.hookspecs',
    'mentalbench.plugins': 'mentalbench.plugins.loading',
    'mentalbench.registry': 'mentalbench.plugins.registry',
    'mentalbench.hookcalls': 'mentalbench.plugins.calling',
    'mentalbench.builtin': 'mentalbench.plugins.builtin',
    'mentalbench.questions': 'mentalbench.inputs.questions',
    'mentalbench.answers_io': 'mentalbench.inputs.answers',
    'mentalbench.rubric': 'mentalbench.inputs.rubric',
    'mentalbench.rubric_import': 'mentalbench.inputs.rubric_import',
    'mentalbench.judgment_import': 'mentalbench.inputs.judgment_import',
    'mentalbench.textfiles': 'mentalbench.inputs.textfiles',
    'mentalbench.topics': 'mentalbench.inputs.topics',
    'mentalbench.resources': 'mentalbench.inputs.resources',
    'mentalbench.models': 'mentalbench.models.base',
    'mentalbench.options': 'mentalbench.models.options',
    'mentalbench.adapters': 'mentalbench.models.adapters',
    'mentalbench.secrets': 'mentalbench.models.secrets',
    'mentalbench.progress': 'mentalbench.models.progress',
    'mentalbench.backends.api': 'mentalbench.backends.api.base',
    'mentalbench.backends.api_retry': 'mentalbench.backends.api.retry',
    'mentalbench.backends.openai': 'mentalbench.backends.api.openai',
    'mentalbench.backends.gemini': 'mentalbench.backends.api.gemini',
    'mentalbench.backends.hf': 'mentalbench.backends.hf.model',
    'mentalbench.backends.hf_engine': 'mentalbench.backends.hf.engine',
    'mentalbench.backends.hf_kv': 'mentalbench.backends.hf.kv',
    'mentalbench.backends.hf_scoring': 'mentalbench.backends.hf.choices',
    'mentalbench.backends.hf_static': 'mentalbench.backends.hf.static',
    'mentalbench.backends.hf_releases': 'mentalbench.backends.hf.releases',
    'mentalbench.judge': 'mentalbench.judging.judge',
    'mentalbench.judging': 'mentalbench.judging.stage',
    'mentalbench.judge_models': 'mentalbench.judging.paper_judges',
    'mentalbench.scoring': 'mentalbench.verdicts.parse',
    'mentalbench.slot_format': 'mentalbench.verdicts.slots',
    'mentalbench.verdict_json': 'mentalbench.verdicts.from_json',
    'mentalbench.verdict_lines': 'mentalbench.verdicts.from_lines',
    'mentalbench.verdict_names': 'mentalbench.verdicts.names',
    'mentalbench.verdict_quotes': 'mentalbench.verdicts.quotes',
    'mentalbench.checking': 'mentalbench.checks.stage',
    'mentalbench.store': 'mentalbench.store.database',
    'mentalbench.store_schema': 'mentalbench.store.schema',
    'mentalbench.record_table': 'mentalbench.store.tables',
    'mentalbench.sqlite': 'mentalbench.store.sqlite',
    'mentalbench.rundir': 'mentalbench.store.folder',
    'mentalbench.files': 'mentalbench.store.files',
    'mentalbench.clock': 'mentalbench.store.clock',
    'mentalbench.runner': 'mentalbench.run.execute',
    'mentalbench.plan': 'mentalbench.run.dry_run',
    'mentalbench.generation': 'mentalbench.run.answering',
    'mentalbench.estimates': 'mentalbench.run.estimates',
    'mentalbench.pricing': 'mentalbench.run.cost',
    'mentalbench.resolve': 'mentalbench.run.resolve',
    'mentalbench.exports': 'mentalbench.run.exports',
    'mentalbench.results': 'mentalbench.results.tables',
    'mentalbench.leaderboard': 'mentalbench.results.leaderboard',
    'mentalbench.records': 'mentalbench.records.base',
    'mentalbench.identity': 'mentalbench.records.identity',
    'mentalbench.hashing': 'mentalbench.records.hashing',
    'mentalbench.board_columns': 'mentalbench.results.board_columns',
    'mentalbench.board_table': 'mentalbench.results.board_table',
    'mentalbench.coverage': 'mentalbench.results.coverage',
    'mentalbench.bradley_terry': 'mentalbench.results.bradley_terry',
    'mentalbench.pairwise_stats': 'mentalbench.results.pairwise_stats',
    'mentalbench.pairwise_tables': 'mentalbench.results.pairwise_tables',
    'mentalbench.report.bootstrap': 'mentalbench.results.bootstrap',
    'mentalbench.escaping': 'mentalbench.store.escaping',
    'mentalbench.outputs': 'mentalbench.inputs.output_paths',
    'mentalbench.pairwise_store': 'mentalbench.store.pairwise',
    'mentalbench.judge_text': 'mentalbench.verdicts.judge_text',
    'mentalbench.judgment_import_labelstudio': 'mentalbench.inputs.judgment_import_labelstudio',
    'mentalbench.pairwise_rubric': 'mentalbench.inputs.pairwise_rubric',
    'mentalbench.rubric_import_pairwise': 'mentalbench.inputs.rubric_import_pairwise',
    'mentalbench.suggest': 'mentalbench.inputs.suggest',
    'mentalbench.pairwise_records': 'mentalbench.records.pairwise',
    'mentalbench.pairwise_judging': 'mentalbench.judging.pairwise',
    'mentalbench.startup': 'mentalbench.run.startup',
}


def warn_moved(old: str, new: str) -> None:
    warnings.warn(f"{old} moved to {new}: import it from there (the old path goes in the next "
                  "release)", DeprecationWarning, stacklevel=3)


def old_attribute(package: str, name: str) -> Any:
    """`name` of the module `package` was, from the module it moved to (with a warning)."""
    new = MOVED.get(package)
    if new is None or name.startswith("__") or importlib.util.find_spec(f"{package}.{name}"):
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    module = importlib.import_module(new)
    if not hasattr(module, name):
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    warn_moved(f"{package}.{name}", f"{new}.{name}")
    return getattr(module, name)
