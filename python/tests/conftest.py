"""Fixtures of the cairn package's tests.

The package is imported from the source tree (python/) unless it is
installed; the library from CAIRN_LIBRARY, which the test script sets to
the build's libcairn.so.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

PYTHON_DIR = Path(__file__).resolve().parent.parent
if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

import cairn  # noqa: E402


@pytest.fixture
def repo_path(tmp_path: Path) -> Path:
    """A path where a repository may be created."""
    return tmp_path / "repo"


@pytest.fixture
def repo(repo_path: Path) -> Iterator[cairn.Repo]:
    """A fresh sha256 repository on disk, closed after the test."""
    with cairn.Repo.init(repo_path) as r:
        yield r


@pytest.fixture
def worker_env() -> Callable[[], dict]:
    """The environment for child processes that import cairn."""
    def env() -> dict:
        e = dict(os.environ)
        e["PYTHONPATH"] = os.pathsep.join(
            [str(PYTHON_DIR)] + ([e["PYTHONPATH"]] if e.get("PYTHONPATH")
                                 else []))
        return e
    return env


def git(*args: str, cwd: Path, input: bytes = b"") -> str:
    """Run git with a neutral environment; its stdout, stripped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", HOME=str(cwd),
               GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@example.com",
               GIT_COMMITTER_NAME="c", GIT_COMMITTER_EMAIL="c@example.com")
    out = subprocess.run(["git", *args], cwd=cwd, env=env, input=input,
                         stdout=subprocess.PIPE, check=True)
    return out.stdout.decode().strip()


have_git = shutil.which("git") is not None
