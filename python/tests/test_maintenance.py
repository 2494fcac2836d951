"""Maintenance: stats, fsck, gc, flush."""

import time
from pathlib import Path

import cairn


def test_stats(repo: cairn.Repo) -> None:
    for i in range(3):
        repo.put(b"stat %d" % i)
    repo.refs["main"] = repo.put(b"x")
    st = repo.stats()
    assert isinstance(st, cairn.Stats)
    assert st.object_format == "sha256"
    assert st.objects == 4
    assert st.content_bytes == 3 * 6 + 1
    assert st.refs == 1
    assert st.writes >= 4


def test_fsck_clean(repo: cairn.Repo) -> None:
    repo.put(b"checked")
    repo.flush()
    res = repo.fsck()
    assert res.ok and res.errors == 0 and res.findings == []
    assert res.objects == 1
    assert repo.fsck(quick=True).ok
    assert repo.fsck(repair=True).ok


def test_fsck_finds_a_bad_ref(repo: cairn.Repo, repo_path: Path) -> None:
    repo.refs["good"] = repo.put(b"x")
    (repo_path / "refs" / "broken").write_bytes(b"not an id\n")
    res = repo.fsck()
    assert not res.ok and res.errors >= 1
    f = res.findings[0]
    assert isinstance(f, cairn.Finding)
    assert f.error and f.kind == "ref" and f.ref == "broken"
    assert f.subject and f.message
    (repo_path / "refs" / "broken").unlink()
    assert repo.fsck().findings == []


def test_gc_removes_unreferenced(repo: cairn.Repo) -> None:
    kept = repo.put(b"referenced")
    repo.refs["main"] = kept
    garbage = repo.put(b"garbage")
    dry = repo.gc(prune="now", dry_run=True)
    assert dry.removed == 1 and repo.exists(garbage)
    assert [r.id for r in dry.removed_objects] == [garbage]
    res = repo.gc(prune="now")
    assert isinstance(res, cairn.GcResult)
    assert res.removed == 1 and res.kept == 1 and res.removed_bytes > 0
    assert res.removed_objects[0].type == "blob"
    assert res.removed_objects[0].size == len(b"garbage")
    assert not repo.exists(garbage)
    assert repo.get(kept) == b"referenced"
    # The handle still writes after gc.
    after = repo.put(b"after gc")
    assert repo.get(after) == b"after gc"
    assert repo.fsck().ok


def test_gc_keeps_recent(repo: cairn.Repo) -> None:
    garbage = repo.put(b"recent garbage")
    assert repo.gc().removed == 0  # gc.pruneExpire: 2 weeks
    assert repo.gc(prune="1.hour.ago").removed == 0
    assert repo.gc(keep_since=time.time() - 3600).removed == 0
    assert repo.exists(garbage)
    assert repo.gc(keep_since=time.time() + 10).removed == 1
    assert not repo.exists(garbage)


def test_gc_bad_prune(repo: cairn.Repo) -> None:
    try:
        repo.gc(prune="whenever")
    except cairn.Invalid as e:
        assert e.code == cairn.ErrorCode.INVALID
    else:
        raise AssertionError("gc took a bad prune spec")


def test_flush(repo: cairn.Repo) -> None:
    oid = repo.put(b"flushed")
    repo.flush()
    st = repo.stats()
    assert st.wal_records == 0 and st.indexed_objects == 1
    assert repo.get(oid) == b"flushed"
