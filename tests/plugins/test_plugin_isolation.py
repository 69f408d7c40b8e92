"""The suite never loads an installed third-party plugin: results depend on this checkout only."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

LIST_PLUGINS = """
import json
from mentalbench.plugins.loading import load_plugins, pm
load_plugins()
print(json.dumps(sorted(pm.get_name(p) for p in pm.get_plugins())))
"""


def test_no_installed_entry_point_is_registered_in_this_process():
    from mentalbench.plugins.loading import load_plugins, pm

    load_plugins()
    assert os.environ["MENTALBENCH_LOAD_PLUGINS"] == ""
    installed = {ep.name for ep in importlib.metadata.entry_points(group="mentalbench")}
    loaded = {pm.get_name(p) for p in pm.get_plugins()}
    assert not installed & loaded


def _install_fake_plugin(folder: Path) -> Path:
    """A distribution on sys.path whose `mentalbench` entry point leaves a mark when imported."""
    marker = folder / "imported"
    info = folder / "mb_fake_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mb-fake-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[mentalbench]\nfake = mb_fake_plugin\n")
    (folder / "mb_fake_plugin.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('yes')\n")
    return marker


def _plugins_seen(folder: Path, load: str) -> list[str]:
    env = {**os.environ, "MENTALBENCH_LOAD_PLUGINS": load,
           "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT),
                                          os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", LIST_PLUGINS], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    return json.loads(done.stdout)


def test_an_installed_plugin_stays_out_under_the_suites_setting(tmp_path):
    marker = _install_fake_plugin(tmp_path)
    assert "fake" not in _plugins_seen(tmp_path, os.environ["MENTALBENCH_LOAD_PLUGINS"])
    assert not marker.exists()  # not even imported
    assert "fake" in _plugins_seen(tmp_path, "fake")  # the same plugin, when asked for, loads
    assert marker.exists()
