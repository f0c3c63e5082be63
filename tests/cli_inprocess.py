"""The ``claimlab`` command line run inside the test process (:func:`run_cli`:
``claimlab.cli.main`` with the given environment and working folder, its exit status, stdout and
stderr captured), or as a process of its own (:func:`run_process`), with the same answer.

A ``python -m claimlab.cli`` process costs about 0.3 s of CPU (an interpreter, imports, a Node
worker of its own); in-process, a command reuses the session's imports and Node worker. Tests
about the process itself (exit status at interpreter exit, a closed pipe, stdin, signals, no
terminal to ask at) still start a real one.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from claimlab.cli import main


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` made equal to ``env`` for the block, then put back as it was."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _stdin(replacement: io.StringIO) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = replacement
    try:
        yield
    finally:
        sys.stdin = saved


def run_cli(
    *args: str | Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """What ``subprocess.run([python, "-m", "claimlab.cli", *args], stdin=subprocess.DEVNULL,
    capture_output=True, text=True)`` would return: stdin is empty and no terminal. An exception
    that escapes ``main`` fails the test."""
    argv = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    with (
        _environment(os.environ if env is None else env),
        contextlib.chdir(cwd or Path.cwd()),
        _stdin(io.StringIO("")),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: a usage error (2) or --help (0)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                err.write(f"{exc.code}\n")
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def run_process(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -m claimlab.cli *args`` as a process, stdin empty and no terminal."""
    return subprocess.run(
        [sys.executable, "-m", "claimlab.cli", *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=None if env is None else dict(env),
        cwd=cwd,
        timeout=timeout,
    )
