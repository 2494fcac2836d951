"""Errors: exceptions carry the library's code; closed handles refuse."""

from pathlib import Path

import pytest

import cairn
from cairn import ErrorCode


def test_missing_object_is_not_found(repo: cairn.Repo) -> None:
    missing = "0" * 64
    with pytest.raises(cairn.NotFound) as info:
        repo.get(missing)
    assert info.value.code == ErrorCode.NOT_FOUND == 1
    assert info.value.code.name == "NOT_FOUND"
    assert missing in str(info.value)
    assert isinstance(info.value, cairn.Error)
    assert isinstance(info.value, KeyError)
    with pytest.raises(cairn.NotFound):
        repo.stat(missing)
    with pytest.raises(cairn.NotFound):
        repo.open(missing)
    assert not repo.exists(missing)


def test_bad_id_is_invalid(repo: cairn.Repo) -> None:
    for bad in ["", "abc", "g" * 64, "0" * 40]:
        with pytest.raises(cairn.Invalid) as info:
            repo.get(bad)
        assert info.value.code == ErrorCode.INVALID
    with pytest.raises(TypeError):
        repo.get(b"0" * 64)  # type: ignore[arg-type]


def test_not_repo(tmp_path: Path) -> None:
    with pytest.raises(cairn.NotRepo) as info:
        cairn.Repo.open(tmp_path / "nothing")
    assert info.value.code == ErrorCode.NOT_REPO


def test_init_twice_exists(repo_path: Path) -> None:
    cairn.Repo.init(repo_path).close()
    with pytest.raises(cairn.Exists) as info:
        cairn.Repo.init(repo_path)
    assert info.value.code == ErrorCode.EXISTS


def test_read_only(repo: cairn.Repo, repo_path: Path) -> None:
    oid = repo.put(b"x")
    with cairn.Repo.open(repo_path, read_only=True) as ro:
        assert ro.read_only
        assert ro.get(oid) == b"x"
        with pytest.raises(cairn.ReadOnly) as info:
            ro.put(b"y")
        assert info.value.code == ErrorCode.READ_ONLY


def test_closed_handle(repo_path: Path) -> None:
    repo = cairn.Repo.init(repo_path)
    oid = repo.put(b"x")
    repo.close()
    assert repo.closed
    repo.close()  # twice is fine
    for call in [lambda: repo.get(oid), lambda: repo.put(b"y"),
                 lambda: repo.refs["main"], lambda: repo.stats(),
                 lambda: repo.fsck(), lambda: list(repo.refs)]:
        with pytest.raises(cairn.Closed) as info:
            call()
        assert isinstance(info.value, cairn.Usage)
        assert isinstance(info.value, ValueError)
        assert "closed" in str(info.value)


def test_context_manager_closes(repo_path: Path) -> None:
    with cairn.Repo.init(repo_path) as repo:
        oid = repo.put(b"kept")
    assert repo.closed
    with cairn.Repo.open(repo_path) as again:
        assert again.get(oid) == b"kept"
        assert "sha256" in repr(again)
    assert again.closed


def test_every_code_has_a_class() -> None:
    for code in ErrorCode:
        if code == ErrorCode.NONE:
            continue
        e = cairn.errors.from_code(code, "message")
        assert e.code == code
        assert type(e) is not cairn.Error
        assert str(e) == "message"
    assert type(cairn.errors.from_code(99, "new")) is cairn.Error


def test_library_version() -> None:
    assert cairn.library_version().startswith("0.")
