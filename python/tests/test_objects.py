"""Objects: put, get, open, stat, exists, ids as git names them."""

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest

import cairn
from conftest import git, have_git


def test_put_get_roundtrip(repo: cairn.Repo) -> None:
    data = b"hello from python\n"
    oid = repo.put(data)
    assert oid == hashlib.sha256(b"blob %d\0" % len(data) + data).hexdigest()
    assert oid == cairn.hash_object(data)
    assert repo.get(oid) == data
    assert repo.exists(oid)
    assert oid in repo
    assert repo.stat(oid) == cairn.ObjectStat("blob", len(data))
    assert repo.stat(oid).type == "blob"


def test_put_bytes_like(repo: cairn.Repo) -> None:
    data = b"some bytes\x00\xff"
    expect = cairn.hash_object(data)
    assert repo.put(bytearray(data)) == expect
    assert repo.put(memoryview(data)) == expect
    assert repo.put(memoryview(bytearray(b"xx" + data))[2:]) == expect
    assert repo.put(b"") == cairn.hash_object(b"")
    assert repo.get(cairn.hash_object(b"")) == b""


def test_put_file_object_streams(repo: cairn.Repo) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    oid = repo.put(io.BytesIO(data))
    assert oid == cairn.hash_object(data)
    assert repo.get(oid) == data


def test_put_read_only_file_object(repo: cairn.Repo) -> None:
    class OnlyRead:
        def __init__(self, data: bytes) -> None:
            self.f = io.BytesIO(data)

        def read(self, n: int) -> bytes:
            return self.f.read(min(n, 1000))

    data = bytes(range(256)) * 100
    assert repo.put(OnlyRead(data)) == cairn.hash_object(data)


def test_put_file_object_error_propagates(repo: cairn.Repo) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        repo.put(Broken())


def test_put_path(repo: cairn.Repo, tmp_path: Path) -> None:
    f = tmp_path / "file.bin"
    data = os.urandom(100000)
    f.write_bytes(data)
    assert repo.put(f) == cairn.hash_object(data)
    assert repo.put(str(f)) == cairn.hash_object(data)


def test_put_typed(repo: cairn.Repo) -> None:
    blob = repo.put(b"x\n")
    tree = b"100644 x\0" + bytes.fromhex(blob)
    tid = repo.put(tree, type="tree")
    assert repo.stat(tid) == ("tree", len(tree))
    assert tid == cairn.hash_object(tree, type="tree")
    with pytest.raises(ValueError):
        repo.put(b"x", type="nonsense")
    with pytest.raises(cairn.Invalid):
        repo.put(b"not a tree", type="tree")


def test_open_streams_large_object(repo: cairn.Repo) -> None:
    data = os.urandom(5 * 1024 * 1024 + 3)
    oid = repo.put(data)
    with repo.open(oid) as f:
        assert f.id == oid and f.type == "blob" and f.size == len(data)
        assert f.readable() and f.seekable()
        assert f.read(10) == data[:10]
        chunks = [data[:10]]
        while True:
            chunk = f.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
        assert b"".join(chunks) == data
        f.seek(len(data) - 5)
        assert f.read() == data[-5:]
        # The handle is free while the file is open: writes go through.
        other = repo.put(b"written while reading")
        assert repo.get(other) == b"written while reading"
    assert f.closed
    with pytest.raises(ValueError):
        f.read()


def test_open_lines(repo: cairn.Repo) -> None:
    oid = repo.put(b"one\ntwo\nthree\n")
    with repo.open(oid) as f:
        assert list(io.BufferedReader(f)) == [b"one\n", b"two\n",
                                              b"three\n"]
    with repo.open(oid) as f:
        assert f.readline() == b"one\n"
        assert f.readall() == b"two\nthree\n"


def test_objects_listed(repo: cairn.Repo) -> None:
    ids = {repo.put(b"%d" % i) for i in range(5)}
    assert sorted(ids) == repo.objects()


def test_resolve(repo: cairn.Repo) -> None:
    oid = repo.put(b"resolve me\n")
    repo.refs["main"] = oid
    assert repo.resolve("main") == oid
    assert repo.resolve(oid[:12]) == oid
    with pytest.raises(cairn.Error):
        repo.resolve("no-such-name")


def test_memory_repository() -> None:
    with cairn.Repo.memory() as repo:
        assert repo.path is None and repo.algo == "sha256"
        oid = repo.put(b"in memory")
        assert repo.get(oid) == b"in memory"
        with pytest.raises(cairn.Usage):
            repo.gc(prune="now")
    with cairn.Repo.memory(algo="sha1") as repo:
        assert repo.put(b"x") == cairn.hash_object(b"x", algo="sha1")


def test_sha1_repository(repo_path: Path) -> None:
    with cairn.Repo.init(repo_path, algo="sha1") as repo:
        assert repo.algo == "sha1"
        oid = repo.put(b"hello\n")
        assert oid == "ce013625030ba8dba906f756967f9e9ca394464a"


@pytest.mark.skipif(not have_git, reason="git is not installed")
def test_ids_match_git_hash_object(repo_path: Path, tmp_path: Path) -> None:
    samples = [b"", b"hello\n", os.urandom(70000)]
    with cairn.Repo.init(repo_path, algo="sha1") as repo:
        for data in samples:
            assert repo.put(data) == git("hash-object", "--stdin",
                                         cwd=tmp_path, input=data)


@pytest.mark.skipif(not have_git, reason="git is not installed")
def test_ids_match_git_sha256(repo: cairn.Repo, tmp_path: Path) -> None:
    g = tmp_path / "g"
    g.mkdir()
    try:
        git("init", "-q", "--object-format=sha256", cwd=g)
    except Exception:
        pytest.skip("git cannot make sha256 repositories")
    data = b"sha256 content\n"
    assert repo.put(data) == git("hash-object", "--stdin", cwd=g, input=data)


def make_tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha\n")
    (root / "sub" / "b.txt").write_bytes(b"beta\n")
    (root / "sub" / "deeper" / "c.bin").write_bytes(os.urandom(200000))
    run = root / "run.sh"
    run.write_bytes(b"#!/bin/sh\necho hi\n")
    run.chmod(0o755)
    os.symlink("a.txt", root / "link")


def test_put_dir_checkout_roundtrip(repo: cairn.Repo, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    make_tree(src)
    tree = repo.put_dir(src)
    assert repo.stat(tree).type == "tree"
    out = tmp_path / "out"
    repo.checkout(tree, out)
    for rel in ["a.txt", "sub/b.txt", "sub/deeper/c.bin", "run.sh"]:
        assert (out / rel).read_bytes() == (src / rel).read_bytes()
    assert os.access(out / "run.sh", os.X_OK)
    assert not os.access(out / "a.txt", os.X_OK)
    assert os.readlink(out / "link") == "a.txt"
    assert repo.put_dir(out) == tree
    with pytest.raises(cairn.Error):
        repo.checkout(tree, out)  # not empty
    (out / "a.txt").write_bytes(b"changed\n")
    repo.checkout(tree, out, force=True)
    assert (out / "a.txt").read_bytes() == b"alpha\n"


@pytest.mark.skipif(not have_git, reason="git is not installed")
def test_put_dir_matches_git_write_tree(repo_path: Path,
                                        tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    make_tree(src)
    git("init", "-q", cwd=src)
    git("add", "-A", cwd=src)
    expect = git("write-tree", cwd=src)
    with cairn.Repo.init(repo_path, algo="sha1") as repo:
        assert repo.put_dir(src) == expect


def test_put_raw_io_subclass(repo: cairn.Repo) -> None:
    """A plain io.RawIOBase whose readinto slices the buffer it is given."""
    data = b"hello world " * 10000

    class Raw(io.RawIOBase):
        def __init__(self) -> None:
            self.src = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            chunk = self.src.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

    oid = repo.put(Raw())
    assert repo.get(oid) == data


@pytest.mark.parametrize("bad", [10 ** 8, -5, 1.5, "x"])
def test_put_file_object_bad_count(repo: cairn.Repo, bad: Any) -> None:
    """A readinto that returns a count it was not asked for fails the put,
    never reads or stores memory past the buffer."""

    class Liar:
        def __init__(self) -> None:
            self.calls = 0

        def readinto(self, b: Any) -> Any:
            self.calls += 1
            return bad if self.calls == 1 else 0

    with pytest.raises(OSError):
        repo.put(Liar())
    assert len(list(repo.objects())) == 0


def test_nul_in_names_is_invalid(repo: cairn.Repo, tmp_path: Path) -> None:
    """A NUL would end the C string early and name something else."""
    oid = repo.put(b"x")
    repo.refs["main"] = oid
    other = repo.put(b"y")
    with pytest.raises(cairn.Invalid):
        repo.refs["main\0evil"] = other
    with pytest.raises(cairn.Invalid):
        del repo.refs["main\0zzz"]
    with pytest.raises(cairn.Invalid):
        repo.resolve("main\0x")
    with pytest.raises(cairn.Invalid):
        repo.put_dir(str(tmp_path) + "\0x")
    assert repo.refs["main"] == oid
