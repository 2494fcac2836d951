"""Batches: one durable commit at the end of the with block."""

import io
import os
import threading
import time
from pathlib import Path

import pytest

import cairn


def test_batch_commits_once(repo: cairn.Repo, repo_path: Path) -> None:
    with repo.batch() as b:
        ids = [b.put(b"object %d" % i) for i in range(100)]
        big = b.put(io.BytesIO(b"x" * (2 << 20)))
        # Readable through this handle before the commit.
        assert repo.get(ids[0]) == b"object 0"
        # repo.put in the batch's thread joins the batch.
        joined = repo.put(b"joined")
    assert b.ids == ids + [big]
    repo.close()
    with cairn.Repo.open(repo_path) as again:
        for i, oid in enumerate(ids):
            assert again.get(oid) == b"object %d" % i
        assert again.stat(big).size == 2 << 20
        assert again.get(joined) == b"joined"


def test_batch_not_visible_elsewhere_before_commit(repo: cairn.Repo,
                                                   repo_path: Path) -> None:
    with cairn.Repo.open(repo_path, read_only=True) as reader:
        with repo.batch() as b:
            oid = b.put(b"pending")
            assert not reader.exists(oid)
        # Another handle looks for new commits every few milliseconds.
        deadline = time.monotonic() + 5
        while not reader.exists(oid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert reader.exists(oid)


def test_batch_aborts_on_exception(repo: cairn.Repo, repo_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with repo.batch() as b:
            oid = b.put(b"dropped")
            raise RuntimeError("stop")
    assert not repo.exists(oid)
    repo.close()
    with cairn.Repo.open(repo_path) as again:
        assert not again.exists(oid)


def test_batch_belongs_to_its_thread(repo: cairn.Repo) -> None:
    errors = []
    with repo.batch() as b:
        def other() -> None:
            try:
                b.put(b"from another thread")
            except cairn.Usage as e:
                errors.append(e)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        with pytest.raises(cairn.Usage):
            repo.batch().__enter__()
    assert len(errors) == 1


def test_batch_refuses_gc(repo: cairn.Repo) -> None:
    with repo.batch() as b:
        b.put(b"x")
        with pytest.raises(cairn.Usage):
            repo.gc(prune="now")


def test_close_inside_batch_aborts(repo_path: Path) -> None:
    repo = cairn.Repo.init(repo_path)
    with pytest.raises(cairn.Closed):
        with repo.batch() as b:
            oid = b.put(b"lost")
            repo.close()
    with cairn.Repo.open(repo_path) as again:
        assert not again.exists(oid)


def test_batches_from_several_threads(repo: cairn.Repo) -> None:
    """Each thread's batch is its own, however they follow one another."""
    errors: list = []
    stop = time.monotonic() + 1.0

    def work() -> None:
        try:
            while time.monotonic() < stop:
                with repo.batch() as b:
                    for i in range(5):
                        b.put(os.urandom(50))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
