"""Print how this environment's versions differ from a constraints file (make test-latest)."""

import sys
from importlib.metadata import distributions

from packaging.requirements import Requirement


def pinned(path: str) -> dict[str, str]:
    """Package name -> pinned version of each `name==version` line."""
    pins = {}
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[req.name.lower().replace("_", "-")] = str(req.specifier).removeprefix("==")
    return pins


def main(path: str) -> None:
    pins = pinned(path)
    drift = []
    for dist in distributions():
        name = dist.metadata["Name"].lower().replace("_", "-")
        if name in pins and pins[name].split("+")[0] != dist.version.split("+")[0]:
            drift.append(f"  {name}: {pins[name]} locked, {dist.version} here")
    print(f"{len(drift)} packages newer (or older) than {path}" + (":" if drift else ""))
    print("\n".join(sorted(drift)))


if __name__ == "__main__":
    main(sys.argv[1])
