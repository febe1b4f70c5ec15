"""Run the benchmarks and print one JSON object per figure.

    python bench/run.py [--quick] [NAME...]

NAME is a benchmark name (``cli_version_startup``) or a module name (``bench_startup``, or just
``startup``); without NAME every benchmark runs. Each benchmark module ``bench/bench_*.py``
defines ``BENCHMARKS: dict[str, Callable[[bool], Iterable[dict]]]``; the bool asks for a quick
run. Every yielded dict is printed as one line, e.g.
``{"bench": "cli_version_startup", "value": 61.3, "unit": "ms", "n": 5}``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
UNITS = ("ms", "s", "MB")
Benchmark = Callable[[bool], Iterable[dict[str, Any]]]


def load_modules() -> dict[str, ModuleType]:
    """Import every ``bench_*.py`` next to this file, by module name."""
    modules = {}
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(f"bench.{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[path.stem] = module
    return modules


def select(modules: dict[str, ModuleType], names: list[str]) -> dict[str, Benchmark]:
    """Return the benchmarks named (all of them when ``names`` is empty), in file order.

    Raises:
        KeyError: a name matches no benchmark and no module; the message lists the choices.
    """
    every: dict[str, Benchmark] = {}
    by_module: dict[str, list[str]] = {}
    for mod_name, module in modules.items():
        for bench_name, func in module.BENCHMARKS.items():
            if bench_name in every:
                raise KeyError(f"benchmark {bench_name!r} is defined twice")
            every[bench_name] = func
            by_module.setdefault(mod_name, []).append(bench_name)
            by_module.setdefault(mod_name.removeprefix("bench_"), []).append(bench_name)
    if not names:
        return every
    chosen: dict[str, Benchmark] = {}
    for name in names:
        if name in every:
            chosen[name] = every[name]
        elif name in by_module:
            chosen.update((b, every[b]) for b in by_module[name])
        else:
            choices = ", ".join([*every, *(m for m in modules)])
            raise KeyError(f"unknown benchmark {name!r}; choose from: {choices}")
    return chosen


def check_record(name: str, record: dict[str, Any]) -> dict[str, Any]:
    """Fill in ``bench`` and validate one yielded figure."""
    record = {"bench": name, **record}
    value, n = record.get("value"), record.get("n")
    if not isinstance(record["bench"], str):
        raise ValueError(f"{name}: 'bench' must be a string: {record!r}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: 'value' must be a finite number: {record!r}")
    if record.get("unit") not in UNITS:
        raise ValueError(f"{name}: 'unit' must be one of {UNITS}: {record!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{name}: 'n' must be a whole number of items: {record!r}")
    return record


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks; return 0, 1 if one failed, 2 for bad arguments."""
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (for smoke tests)")
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks or modules to run")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))  # benchmarks import backpack_desktop from this checkout
    try:
        chosen = select(load_modules(), args.names)
    except KeyError as exc:
        print(f"bench/run.py: {exc.args[0]}", file=sys.stderr)
        return 2
    failed = []
    for name, func in chosen.items():
        started = time.perf_counter()
        try:
            for record in func(args.quick):
                print(json.dumps(check_record(name, record)), flush=True)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"# {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    if failed:
        print(f"bench/run.py: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
