"""Environment files read and written by tests, through libyaml where PyYAML has it (as its
wheels do): the suite parses the kit's fixtures and writes variants of them hundreds of times,
and the pure-Python parser and emitter were a fifth of `make test`."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def read_yaml(path: Path) -> Any:
    """The file's data, a fresh copy each call, for the caller to change."""
    stat = path.stat()
    return copy.deepcopy(_parsed(path.resolve(), stat.st_mtime_ns, stat.st_size))


@functools.cache
def _parsed(path: Path, _mtime_ns: int, _size: int) -> Any:
    # Keyed on the file's modification time and size too: a rewritten file is read again.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe loader


def dump_yaml(data: Any, *, sort_keys: bool = False) -> str:
    """YAML text as `yaml.safe_dump` writes it."""
    text: str = yaml.dump(data, Dumper=_DUMPER, sort_keys=sort_keys)
    return text
