"""Concurrency: threads sharing one Repo, processes racing on a ref.

Run as a script, this file is a process of the race:
    python test_concurrency.py <repo> <count> <start file>
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List

import cairn

def cas_worker(path: str, count: int, start: str) -> int:
    """A process of the compare-and-swap race: increment the counter
    under the ref "counter" count times by read, put, compare-and-swap,
    retrying on a mismatch, once the file start exists.  Prints the
    retries."""
    while not os.path.exists(start):
        time.sleep(0.001)
    retries = 0
    with cairn.Repo.open(path) as repo:
        for _ in range(count):
            while True:
                old = repo.refs["counter"]
                # What a ref names is found at once, even when another
                # process committed it a moment ago.
                value = int(repo.get(old))
                try:
                    new = repo.put(b"%d" % (value + 1))
                    repo.refs.compare_and_swap("counter", old, new)
                    break
                except (cairn.CasMismatch, cairn.Locked):
                    retries += 1
    print(retries)
    return 0


def test_threads_share_a_repo(repo: cairn.Repo) -> None:
    nthreads, per_thread = 8, 40
    results: Dict[int, Dict[str, bytes]] = {}
    errors: List[BaseException] = []
    start = threading.Barrier(nthreads)

    def work(n: int) -> None:
        try:
            start.wait()
            mine: Dict[str, bytes] = {}
            for i in range(per_thread):
                data = b"thread %d object %d " % (n, i) * (i + 1)
                if i % 10 == 0:
                    with repo.batch() as b:
                        oid = b.put(data)
                else:
                    oid = repo.put(data)
                assert repo.get(oid) == data
                mine[oid] = data
                if i % 7 == 0:
                    repo.refs["t%d" % n] = oid
            results[n] = mine
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,))
               for n in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == nthreads
    for mine in results.values():
        assert len(mine) == per_thread
        for oid, data in mine.items():
            assert oid == cairn.hash_object(data)
            assert repo.get(oid) == data
    assert len(repo.refs) == nthreads


def test_close_while_threads_read(repo_path: Path) -> None:
    repo = cairn.Repo.init(repo_path)
    oid = repo.put(b"shared")
    stop = threading.Event()
    outcomes: List[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                repo.get(oid)
            except cairn.Closed:
                outcomes.append("closed")
                return
        outcomes.append("stopped")

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    repo.close()
    stop.set()
    for t in threads:
        t.join()
    assert len(outcomes) == 4


def test_processes_race_compare_and_swap(
        repo: cairn.Repo, repo_path: Path, tmp_path: Path,
        worker_env: Callable[[], dict]) -> None:
    nprocs, per_proc = 4, 25
    repo.refs["counter"] = repo.put(b"0")
    start = tmp_path / "start"
    procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                               str(repo_path), str(per_proc), str(start)],
                              env=worker_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
             for _ in range(nprocs)]
    start.write_bytes(b"")
    retries = 0
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
        retries += int(out)
    assert repo.get(repo.refs["counter"]) == b"%d" % (nprocs * per_proc)
    # Every increment stored its value once.
    for i in range(nprocs * per_proc + 1):
        assert repo.exists(cairn.hash_object(b"%d" % i))
    print("compare-and-swap retries:", retries)


def test_gc_while_threads_read(repo: cairn.Repo) -> None:
    kept = repo.put(b"kept across gc")
    repo.refs["main"] = kept
    stop = threading.Event()
    errors: List[BaseException] = []
    reads = [0]

    def read() -> None:
        try:
            while not stop.is_set():
                assert repo.get(kept) == b"kept across gc"
                reads[0] += 1
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(5):
            garbage = repo.put(b"garbage %d" % i)
            assert repo.gc(prune="now").removed == 1
            assert not repo.exists(garbage)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert reads[0] > 0


if __name__ == "__main__":
    sys.exit(cas_worker(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
