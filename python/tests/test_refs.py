"""Refs: the mapping, compare-and-swap and transactions."""

from pathlib import Path

import pytest

import cairn


def test_mapping(repo: cairn.Repo) -> None:
    a, b = repo.put(b"a"), repo.put(b"b")
    refs = repo.refs
    assert len(refs) == 0 and list(refs) == []
    refs["main"] = a
    refs["heads/topic"] = b
    refs["alpha"] = b
    assert refs["main"] == a
    assert list(refs) == ["alpha", "heads/topic", "main"]
    assert len(refs) == 3
    assert "main" in refs and "nope" not in refs
    assert refs.get("nope") is None
    assert dict(refs) == {"alpha": b, "heads/topic": b, "main": a}
    assert refs.items_dict("heads/") == {"heads/topic": b}
    refs["main"] = b
    assert refs["main"] == b
    del refs["main"]
    assert "main" not in refs
    with pytest.raises(KeyError):
        refs["main"]
    with pytest.raises(KeyError):
        del refs["main"]
    assert refs.pop("alpha") == b


def test_set_to_missing_object(repo: cairn.Repo) -> None:
    with pytest.raises(cairn.NotFound):
        repo.refs["main"] = "1" * 64


def test_bad_name(repo: cairn.Repo) -> None:
    oid = repo.put(b"x")
    with pytest.raises(cairn.Invalid):
        repo.refs["bad..name"] = oid


def test_compare_and_swap(repo: cairn.Repo) -> None:
    a, b, c = repo.put(b"a"), repo.put(b"b"), repo.put(b"c")
    refs = repo.refs
    refs.compare_and_swap("main", None, a)
    assert refs["main"] == a
    with pytest.raises(cairn.CasMismatch) as info:
        refs.compare_and_swap("main", None, b)
    assert info.value.code == cairn.ErrorCode.CAS_MISMATCH
    refs.compare_and_swap("main", a, b)
    with pytest.raises(cairn.CasMismatch) as info:
        refs.compare_and_swap("main", a, c)
    assert info.value.code == cairn.ErrorCode.CAS_MISMATCH
    assert refs["main"] == b
    with pytest.raises(cairn.CasMismatch):
        refs.compare_and_swap("other", a, c)
    refs.compare_and_swap("main", b, None)
    assert "main" not in refs
    refs.compare_and_swap("main", None, None)  # verifies absence


def test_transaction_applies_all(repo: cairn.Repo) -> None:
    a, b = repo.put(b"a"), repo.put(b"b")
    repo.refs["old"] = a
    repo.refs["moving"] = a
    with repo.refs.transaction() as t:
        t.create("new", a)
        t.set("moving", b, old=a)
        t.delete("old", a)
        t.verify("absent", None)
    assert dict(repo.refs) == {"moving": b, "new": a}


def test_transaction_applies_none_on_failure(repo: cairn.Repo) -> None:
    a, b = repo.put(b"a"), repo.put(b"b")
    repo.refs["main"] = a
    with pytest.raises(cairn.CasMismatch):
        with repo.refs.transaction() as t:
            t.create("created", a)
            t.set("main", b, old=b)
    assert dict(repo.refs) == {"main": a}
    with pytest.raises(cairn.Exists):
        with repo.refs.transaction() as t:
            t.set("x", b)
            t.create("main", b)
    assert dict(repo.refs) == {"main": a}


def test_transaction_not_applied_on_exception(repo: cairn.Repo) -> None:
    a = repo.put(b"a")
    with pytest.raises(RuntimeError):
        with repo.refs.transaction() as t:
            t.set("main", a)
            raise RuntimeError("stop")
    assert "main" not in repo.refs


def test_refs_visible_to_another_handle(repo: cairn.Repo,
                                        repo_path: Path) -> None:
    a = repo.put(b"a")
    repo.refs["main"] = a
    with cairn.Repo.open(repo_path, read_only=True) as other:
        assert other.refs["main"] == a
