"""`mentalbench cache info|clear`: where the converted models are, and removing them."""

from __future__ import annotations

from click.testing import CliRunner

from mentalbench.cli import cli


def test_info_and_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTALBENCH_HOME", str(tmp_path / "home"))
    empty = CliRunner().invoke(cli, ["cache", "info"])
    assert empty.exit_code == 0 and f"cache: {tmp_path / 'home'} (0 B" in empty.output
    assert "(empty" in empty.output
    model = tmp_path / "home" / "models" / "smollm2-135m-instruct"
    model.mkdir(parents=True)
    (model / "model.safetensors").write_bytes(b"x" * 2_500_000)
    full = CliRunner().invoke(cli, ["cache", "info"])
    assert "(2.5 MB;" in full.output and "smollm2-135m-instruct: 2.5 MB" in full.output
    refused = CliRunner().invoke(cli, ["cache", "clear"], input="n\n")
    assert refused.exit_code != 0 and model.exists()
    cleared = CliRunner().invoke(cli, ["cache", "clear", "--yes"])
    assert cleared.exit_code == 0 and "removed" in cleared.output and "2.5 MB" in cleared.output
    assert not (tmp_path / "home" / "models").exists()
    again = CliRunner().invoke(cli, ["cache", "clear", "--yes"])
    assert again.exit_code == 0 and "holds nothing to remove" in again.output
