"""Repo and its helpers: batches, refs, streaming reads, checking and
garbage collection, over the ctypes bindings of _lib."""

from __future__ import annotations

import ctypes
import dataclasses
import datetime
import hashlib
import io
import os
import tempfile
import threading
import time
from typing import (Any, BinaryIO, Dict, Iterator, List, MutableMapping,
                    NamedTuple, Optional, Tuple, Union)

from . import _lib
from ._lib import lib
from .errors import (CasMismatch, Closed, Error, Exists, Invalid, NotFound,
                     Usage, from_code)

PathLike = Union[str, "os.PathLike[str]"]
Content = Union[bytes, bytearray, memoryview]

OBJECT_TYPES = {"blob": _lib.OBJ_BLOB, "tree": _lib.OBJ_TREE,
                "commit": _lib.OBJ_COMMIT, "tag": _lib.OBJ_TAG}
_TYPE_NAMES = {v: k for k, v in OBJECT_TYPES.items()}
_ALGOS = {"sha256": _lib.HASH_SHA256, "sha1": _lib.HASH_SHA1}
_ALGO_NAMES = {v: k for k, v in _ALGOS.items()}

# Objects up to this size are spooled in memory by Repo.open, larger
# ones in a temporary file.
SPOOL_MEMORY_MAX = 1 << 20


def _check(err: Any) -> None:
    """Raise the exception for a non-NULL const struct cairn_error *."""
    if err:
        e = err.contents
        msg = e.msg.decode("utf-8", "replace") if e.msg else "unknown error"
        raise from_code(e.code, msg, e.sys_errno)


def _open_handle(path: bytes, read_only: bool,
                 cache_bytes: int) -> ctypes.c_void_p:
    opts = _lib.sized(_lib.OpenOpts)
    opts.flags = _lib.OPEN_READ_ONLY if read_only else 0
    opts.cache_bytes = cache_bytes
    handle = ctypes.c_void_p()
    _check(lib.cairn_repo_open_opts(path, ctypes.byref(opts),
                                    ctypes.byref(handle)))
    return handle


def _cstr(b: bytes, what: str) -> bytes:
    """b for a C string: Invalid if it holds a NUL, which would end it
    early and name something else."""
    if b"\0" in b:
        raise Invalid("%s holds a NUL byte" % what)
    return b


def _fspath(path: PathLike) -> bytes:
    return _cstr(os.fsencode(os.fspath(path)), "a path")


def _type_code(type: str) -> int:
    try:
        return OBJECT_TYPES[type]
    except KeyError:
        raise ValueError("unknown object type %r (blob, tree, commit or "
                         "tag)" % (type,)) from None


def _type_name(code: int) -> str:
    return _TYPE_NAMES.get(code, "unknown")


def _hex(oid: _lib.Oid) -> str:
    buf = ctypes.create_string_buffer(_lib.OID_HEXMAX + 1)
    return lib.cairn_oid_fmt(ctypes.byref(oid), buf).decode("ascii")


def _buffer(data: Content) -> Tuple[Any, int, Any]:
    """(pointer, length, object to keep alive) of bytes-like content,
    without a copy where the buffer allows it."""
    if isinstance(data, bytes):
        return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p), \
            len(data), data
    mv = memoryview(data)
    if not mv.c_contiguous:
        b = mv.tobytes()
        return _buffer(b)
    mv = mv.cast("B")
    n = len(mv)
    if n == 0:
        return None, 0, None
    if mv.readonly:
        b = mv.tobytes()
        return _buffer(b)
    arr = (ctypes.c_char * n).from_buffer(mv)
    return ctypes.cast(arr, ctypes.c_void_p), n, (arr, mv)


# Returned by Python callbacks that fail: the caller raises the Python
# exception the callback caught, never this.
_CALLBACK_ERROR = _lib.Error(9, 0, b"a python callback failed")


class ObjectStat(NamedTuple):
    """What Repo.stat tells of an object."""

    type: str
    size: int


@dataclasses.dataclass(frozen=True)
class Stats:
    """Repository statistics (struct cairn_repo_stats); the last six
    fields count what this handle did since it was opened."""

    object_format: str
    format_version: int
    objects: int
    data_bytes: int
    content_bytes: int
    wal_records: int
    wal_bytes: int
    index_segments: int
    indexed_objects: int
    bloom_bits_per_key: float
    bloom_fpr: float
    refs: int
    reads: int
    writes: int
    cache_hits: int
    cache_misses: int
    bloom_negatives: int
    bloom_false_positives: int


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem fsck found (struct cairn_finding).  Fields that are not
    part of its subject are None."""

    error: bool
    kind: str
    subject: str
    message: str
    file: Optional[str]
    offset: Optional[int]
    id: Optional[str]
    ref: Optional[str]
    key: Optional[str]
    repairable: bool
    repaired: bool
    check: Optional[str]


@dataclasses.dataclass(frozen=True)
class FsckResult:
    """The outcome of Repo.fsck: counts, and the findings reported."""

    records: int
    bytes: int
    objects: int
    errors: int
    warnings: int
    repaired: int
    object_warnings: int
    findings: List[Finding]

    @property
    def ok(self) -> bool:
        """True if no error remains (warnings allowed)."""
        return self.errors == 0


@dataclasses.dataclass(frozen=True)
class RemovedObject:
    """An object gc removed (or, in a dry run, would remove)."""

    id: str
    type: str
    size: int
    time: int


@dataclasses.dataclass(frozen=True)
class GcResult:
    """The outcome of Repo.gc: objects kept and removed, with the bytes of
    their records, and the removed objects themselves."""

    kept: int
    kept_bytes: int
    removed: int
    removed_bytes: int
    removed_objects: List[RemovedObject]


class _Guard:
    """Keeps the C handle alive while calls are in flight.

    Ordinary calls share the handle (libcairn serialises writes itself);
    close() takes effect once the last call in flight returns, so that no
    thread ever uses a freed handle; exclusive() waits for every call to
    return and holds new ones off (for the configuration calls, which are
    not thread-safe).
    """

    def __init__(self, handle: ctypes.c_void_p) -> None:
        self._cond = threading.Condition()
        self._handle = handle
        self._active = 0
        self._exclusive = False
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def enter(self) -> ctypes.c_void_p:
        with self._cond:
            while self._exclusive and not self._closed:
                self._cond.wait()
            if self._closed:
                raise Closed("the repository is closed")
            self._active += 1
            return self._handle

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            if self._active == 0:
                if self._closed:
                    self._free()
                self._cond.notify_all()

    def enter_exclusive(self) -> ctypes.c_void_p:
        # No preference over new calls: a call in flight may be waiting
        # inside the library for a batch another thread will only end
        # through more calls.
        with self._cond:
            while (self._exclusive or self._active) and not self._closed:
                self._cond.wait()
            if self._closed:
                raise Closed("the repository is closed")
            self._exclusive = True
            self._active += 1
            return self._handle

    def leave_exclusive(self) -> None:
        with self._cond:
            self._exclusive = False
        self.leave()

    def swap(self, handle: ctypes.c_void_p) -> None:
        """Put handle in place of the current one, which is closed; the
        caller holds the guard exclusively."""
        old, self._handle = self._handle, handle
        lib.cairn_repo_close(old)

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            if self._active == 0:
                self._free()
            self._cond.notify_all()

    def _free(self) -> None:
        if self._handle:
            lib.cairn_repo_close(self._handle)
            self._handle = ctypes.c_void_p()


class _Call:
    """`with repo._call() as h:` runs a library call on the handle h."""

    def __init__(self, guard: _Guard, exclusive: bool = False) -> None:
        self._guard = guard
        self._exclusive = exclusive

    def __enter__(self) -> ctypes.c_void_p:
        if self._exclusive:
            return self._guard.enter_exclusive()
        return self._guard.enter()

    def __exit__(self, *exc: Any) -> None:
        if self._exclusive:
            self._guard.leave_exclusive()
        else:
            self._guard.leave()


class _Reader:
    """A cairn_read_fn over a Python file object (readinto or read)."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.exc: Optional[BaseException] = None
        self.fn = _lib.ReadFn(self._read)

    def _read(self, arg: Any, buf: int, n: int) -> int:
        try:
            if n == 0:
                return 0
            readinto = getattr(self.f, "readinto", None)
            if readinto is not None:
                raw = memoryview((ctypes.c_char * n).from_address(buf))
                view = raw.cast("B")
                try:
                    got = readinto(view)
                finally:
                    view.release()
                    raw.release()
                if got is None:
                    raise BlockingIOError("readinto() had no data: "
                                          "put() needs a blocking file")
                if not isinstance(got, int) or isinstance(got, bool) \
                        or got < 0 or got > n:
                    raise OSError("readinto() returned an invalid length "
                                  "(%r for %d bytes)" % (got, n))
                return got
            data = self.f.read(n)
            if isinstance(data, str):
                raise TypeError("put() needs a binary file, not a text one")
            data = bytes(data)[:n]
            ctypes.memmove(buf, data, len(data))
            return len(data)
        except BaseException as e:  # raised again by the caller
            self.exc = e
            return -1


class _ClassOrInstance:
    """A method that is one function called on the class and another on an
    instance: Repo.open(path) opens a repository, repo.open(id) an
    object."""

    def __init__(self, on_class: Any, on_instance: Any) -> None:
        self._on_class = on_class
        self._on_instance = on_instance
        self.__doc__ = on_class.__doc__

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self._on_class.__get__(cls, cls)
        return self._on_instance.__get__(obj, cls)


class Repo:
    """A handle on a cairn repository.

    Open one with Repo.open, Repo.init or Repo.memory; use it as a
    context manager, or call close().  Ids are lowercase hex strings,
    object types the strings "blob", "tree", "commit" and "tag".

    A Repo may be shared by threads: reads run in parallel, writes are
    serialised by libcairn.  A batch belongs to the thread that began it.
    Using a closed Repo raises Closed.
    """

    def __init__(self, handle: ctypes.c_void_p, path: Optional[str],
                 read_only: bool, cache_bytes: int = 0) -> None:
        """Wrap an open libcairn handle; use the class methods instead."""
        self._guard = _Guard(handle)
        self._path = path
        self._read_only = read_only
        self._cache_bytes = cache_bytes
        self._algo = lib.cairn_repo_hash_algo(handle)
        self._hexlen = 2 * lib.cairn_hash_len(self._algo)
        # The thread with a batch open on the handle, set and cleared
        # inside the guarded calls that begin and end it.
        self._batch_thread: Optional[int] = None
        self.refs = Refs(self)
        """The repository's refs, a mutable mapping of name to id."""

    # Opening and closing.

    @classmethod
    def _open_path(cls, path: PathLike, *, read_only: bool = False,
             cache_bytes: int = 0) -> "Repo":
        """Open the repository at path (a directory holding one, or an
        http:// URL with read_only).  cache_bytes > 0 puts an LRU of
        decoded objects that large in front.  Raises NotRepo if there is
        none there."""
        handle = _open_handle(_fspath(path), read_only, cache_bytes)
        return cls(handle, os.fspath(path), read_only, cache_bytes)

    @classmethod
    def init(cls, path: PathLike, *, algo: str = "sha256",
             compression: Optional[int] = None,
             alternate: Optional[PathLike] = None) -> "Repo":
        """Create a repository in the directory path (created if missing;
        it must be empty) and open it.  algo is "sha256" (the default)
        or "sha1"; compression a zlib level 0-9 (None: the default);
        alternate a repository to read objects from.  Raises Exists if
        something is already there."""
        opts = _lib.sized(_lib.InitOpts)
        try:
            opts.hash_algo = _ALGOS[algo]
        except KeyError:
            raise ValueError("unknown hash algorithm %r (sha256 or sha1)"
                             % (algo,)) from None
        opts.compression = -1 if compression is None else compression
        opts.alternate = None if alternate is None else _fspath(alternate)
        _check(lib.cairn_repo_init(_fspath(path), ctypes.byref(opts)))
        return cls._open_path(path)

    @classmethod
    def memory(cls, *, algo: str = "sha256") -> "Repo":
        """A fresh repository held in memory, gone when closed."""
        if algo not in _ALGOS:
            raise ValueError("unknown hash algorithm %r (sha256 or sha1)"
                             % (algo,))
        opts = _lib.sized(_lib.OpenOpts)
        opts.flags = _lib.OPEN_MEMORY | (_lib.OPEN_SHA1 if algo == "sha1"
                                         else 0)
        handle = ctypes.c_void_p()
        _check(lib.cairn_repo_open_opts(b"", ctypes.byref(opts),
                                        ctypes.byref(handle)))
        return cls(handle, None, False)

    def close(self) -> None:
        """Close the handle (a no-op if closed already).  Calls other
        threads have in flight finish first; a batch still open is
        aborted."""
        self._guard.close()

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._guard.closed

    def __enter__(self) -> "Repo":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        guard = getattr(self, "_guard", None)
        if guard is not None:
            try:
                guard.close()
            except Exception:  # the interpreter is shutting down
                pass

    def __repr__(self) -> str:
        where = self._path if self._path is not None else "memory"
        state = " closed" if self.closed else ""
        return "<cairn.Repo %s %s%s>" % (where, self.algo, state)

    @property
    def path(self) -> Optional[str]:
        """The path the repository was opened at; None in memory."""
        return self._path

    @property
    def algo(self) -> str:
        """The hash algorithm of its ids: "sha256" or "sha1"."""
        return _ALGO_NAMES.get(self._algo, "unknown")

    @property
    def read_only(self) -> bool:
        """True if opened read-only."""
        return self._read_only

    def _call(self, exclusive: bool = False) -> _Call:
        return _Call(self._guard, exclusive)

    def _oid(self, id: str) -> _lib.Oid:
        """The struct cairn_oid of a hex id; Invalid if malformed."""
        if not isinstance(id, str):
            raise TypeError("an object id is a hex str, not %s"
                            % type(id).__name__)
        raw = id.encode("ascii", "replace")
        oid = _lib.Oid()
        _check(lib.cairn_oid_parse(self._algo, raw, len(raw),
                                   ctypes.byref(oid)))
        return oid

    def _in_my_batch(self) -> bool:
        return self._batch_thread == threading.get_ident()

    # Writing objects.

    def put(self, data: Union[Content, BinaryIO, PathLike], *,
            type: str = "blob") -> str:
        """Store an object durably and return its id.

        data is its content as bytes, bytearray or memoryview; or a
        binary file object (anything with read or readinto), streamed to
        its end without being held whole; or a str or os.PathLike naming
        a file whose content is stored.  Inside a batch this thread
        opened, the object joins the batch (durable at its commit).
        """
        if self._in_my_batch():
            return self._add(data, type)
        t = _type_code(type)
        if isinstance(data, (bytes, bytearray, memoryview)):
            ptr, n, keep = _buffer(data)
            oid = _lib.Oid()
            with self._call() as h:
                _check(lib.cairn_object_put(h, t, ptr, n, ctypes.byref(oid)))
            del keep
            return _hex(oid)
        with self.batch() as b:
            return b.put(data, type=type)

    def _add(self, data: Union[Content, BinaryIO, PathLike],
             type: str) -> str:
        """Add data to the batch this thread holds open."""
        t = _type_code(type)
        oid = _lib.Oid()
        if isinstance(data, (bytes, bytearray, memoryview)):
            ptr, n, keep = _buffer(data)
            with self._call() as h:
                _check(lib.cairn_batch_add(h, t, ptr, n, ctypes.byref(oid)))
            del keep
        elif isinstance(data, (str, os.PathLike)):
            with open(data, "rb") as f:
                fd = ctypes.c_int(f.fileno())
                size = os.fstat(f.fileno()).st_size
                read = ctypes.cast(lib.cairn_fd_read, _lib.ReadFn)
                with self._call() as h:
                    _check(lib.cairn_batch_add_stream(
                        h, t, read, ctypes.cast(ctypes.byref(fd),
                                                ctypes.c_void_p),
                        size, ctypes.byref(oid)))
        elif hasattr(data, "readinto") or hasattr(data, "read"):
            reader = _Reader(data)
            with self._call() as h:
                err = lib.cairn_batch_add_stream(h, t, reader.fn, None, -1,
                                                 ctypes.byref(oid))
            if reader.exc is not None:
                raise reader.exc
            _check(err)
        else:
            raise TypeError("put() takes bytes-like content, a binary file "
                            "or a path, not %s" % data.__class__.__name__)
        return _hex(oid)

    def batch(self) -> "Batch":
        """A batch, as a context manager: objects put through it (or
        through this Repo in this thread) become durable together, in one
        commit, when the with block ends; an exception aborts them."""
        return Batch(self)

    def put_dir(self, path: PathLike) -> str:
        """Store the directory at path as blobs and trees, as git would
        track it, and return the root tree's id (what git write-tree
        gives for the same files).  It is durable on return."""
        oid = _lib.Oid()
        with self._call() as h:
            _check(lib.cairn_tree_put_dir(h, _fspath(path),
                                          ctypes.byref(oid)))
        return _hex(oid)

    # Reading objects.

    def get(self, id: str, *, verify: bool = True) -> bytes:
        """The content of the object id.  Raises NotFound if absent,
        Invalid for a malformed id, Corrupt if the stored bytes fail
        their checks (with verify False, the content is not re-hashed;
        CRCs are still checked)."""
        oid = self._oid(id)
        t = ctypes.c_int()
        data = ctypes.c_void_p()
        n = ctypes.c_size_t()
        flags = 0 if verify else _lib.GET_NO_VERIFY
        with self._call() as h:
            _check(lib.cairn_object_get(h, ctypes.byref(oid), flags,
                                        ctypes.byref(t), ctypes.byref(data),
                                        ctypes.byref(n)))
        try:
            return ctypes.string_at(data, n.value) if n.value else b""
        finally:
            _lib.free(data)

    def _open_object(self, id: str, *,
                     verify: bool = True) -> "ObjectReader":
        """A readable, seekable binary file of the object's content.

        The content is streamed from the library (verified against id
        first unless verify is False) into a spool: memory for objects of
        up to SPOOL_MEMORY_MAX bytes, an anonymous temporary file beyond,
        so that memory stays bounded whatever the size.  The handle is
        not held while the file is read, so other calls, writes included,
        may be made meanwhile.
        """
        st = self.stat(id)
        oid = self._oid(id)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_MAX)
        failed: List[BaseException] = []

        def write(arg: Any, data: int, n: int) -> Optional[int]:
            try:
                spool.write(ctypes.string_at(data, n))
                return None
            except BaseException as e:  # raised again below
                failed.append(e)
                return ctypes.addressof(_CALLBACK_ERROR)

        fn = _lib.WriteFn(write)
        flags = 0 if verify else _lib.GET_NO_VERIFY
        try:
            with self._call() as h:
                err = lib.cairn_object_get_stream(h, ctypes.byref(oid), flags,
                                                  fn, None)
            if failed:
                raise failed[0]
            _check(err)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        return ObjectReader(spool, id, st.type, st.size)

    def stat(self, id: str) -> ObjectStat:
        """(type, size) of the object id without reading its content.
        Raises NotFound if absent."""
        oid = self._oid(id)
        t = ctypes.c_int()
        n = ctypes.c_uint64()
        with self._call() as h:
            _check(lib.cairn_object_stat(h, ctypes.byref(oid),
                                         ctypes.byref(t), ctypes.byref(n)))
        return ObjectStat(_type_name(t.value), n.value)

    def exists(self, id: str) -> bool:
        """True if the object id is in the repository."""
        oid = self._oid(id)
        with self._call() as h:
            err = lib.cairn_object_exists(h, ctypes.byref(oid))
        try:
            _check(err)
        except NotFound:
            return False
        return True

    def __contains__(self, id: object) -> bool:
        return isinstance(id, str) and self.exists(id)

    def resolve(self, rev: str) -> str:
        """The id a revision names: a hex id or unique prefix of at least
        4 digits, a ref name, and git's suffixes (~n, ^n, ^{tree},
        :path...).  Raises Invalid (or NotFound, Ambiguous) otherwise."""
        oid = _lib.Oid()
        with self._call() as h:
            _check(lib.cairn_rev_resolve(h, _cstr(rev.encode(), "a revision"),
                                         ctypes.byref(oid)))
        return _hex(oid)

    def objects(self) -> List[str]:
        """The ids of every object of the repository, in id order."""
        ids: List[str] = []

        def each(arg: Any, oid: Any) -> int:
            ids.append(_hex(oid.contents))
            return 0

        fn = _lib.ObjectFn(each)
        with self._call() as h:
            _check(lib.cairn_object_each(h, fn, None))
        return ids

    def checkout(self, tree: str, dir: PathLike, *,
                 force: bool = False) -> None:
        """Write the files of tree into dir (created if missing; it must
        be empty unless force, which replaces entries that are there)."""
        oid = self._oid(tree)
        flags = _lib.CHECKOUT_FORCE if force else 0
        with self._call() as h:
            _check(lib.cairn_tree_checkout(h, ctypes.byref(oid),
                                           _fspath(dir), flags))

    # Maintenance.

    def flush(self) -> None:
        """Make everything durable and indexed (a new index segment and
        manifest, a fresh WAL)."""
        with self._call() as h:
            _check(lib.cairn_repo_flush(h))

    def stats(self) -> Stats:
        """Statistics of the repository and of this handle."""
        st = _lib.sized(_lib.RepoStats)
        with self._call() as h:
            _check(lib.cairn_repo_stats(h, ctypes.byref(st)))
        values: Dict[str, Any] = {}
        for f in dataclasses.fields(Stats):
            v = getattr(st, f.name)
            values[f.name] = v.decode() if isinstance(v, bytes) else v
        if values["object_format"] is None:
            values["object_format"] = self.algo
        return Stats(**values)

    def _disk_path(self, what: str) -> bytes:
        if self._path is None:
            raise Usage("%s works on repositories on disk only" % what)
        if self.closed:
            raise Closed("the repository is closed")
        return _fspath(self._path)

    def _reopen(self) -> None:
        """Open the repository again in place of this handle, so that it
        reads the generation gc or a repair published (a handle keeps
        reading the files it holds, removed objects included).  Skipped
        while a batch is open, which the old handle holds."""
        with self._call(exclusive=True):
            if self._batch_thread is not None or self._path is None:
                return
            try:
                handle = _open_handle(_fspath(self._path), self._read_only,
                                      self._cache_bytes)
            except Error:
                return  # keep reading through the old handle
            self._guard.swap(handle)

    def fsck(self, *, repair: bool = False, quick: bool = False,
             salvage: bool = False, threads: int = 0) -> FsckResult:
        """Check every file of the repository; the result lists the
        findings (result.ok is True when no error remains).

        quick skips re-hashing content; repair rebuilds derived data
        (index, blooms, manifest) and drops garbage, under the writer
        lock; salvage rebuilds from every intact record.  The check reads
        the files at the repository's path, not through this handle, so
        it runs while the handle stays open; with repair it fails with
        Locked if a batch of this process is open.
        """
        path = self._disk_path("fsck")
        if (repair or salvage) and self._batch_thread is not None:
            raise Usage("fsck cannot repair while a batch is open")
        findings: List[Finding] = []

        def report(arg: Any, fp: Any) -> None:
            f = fp.contents

            def s(b: Optional[bytes]) -> Optional[str]:
                return None if b is None else b.decode("utf-8", "replace")

            kind = lib.cairn_finding_kind_name(f.kind)
            findings.append(Finding(
                error=bool(f.error),
                kind=kind.decode() if kind else "unknown",
                subject=s(f.subject) or "",
                message=s(f.message) or "",
                file=s(f.file),
                offset=(None if f.offset == _lib.FINDING_NO_OFFSET
                        else f.offset),
                id=_hex(f.id.contents) if f.id else None,
                ref=s(f.ref),
                key=s(f.key),
                repairable=bool(f.repairable),
                repaired=bool(f.repaired),
                check=s(f.check)))

        opts = _lib.sized(_lib.FsckOpts)
        opts.flags = ((_lib.FSCK_QUICK if quick else 0) |
                      (_lib.FSCK_REPAIR if repair else 0) |
                      (_lib.FSCK_SALVAGE if salvage else 0))
        opts.report = _lib.FindingFn(report)
        opts.threads = threads
        res = _lib.sized(_lib.FsckResult)
        _check(lib.cairn_repo_fsck(path, ctypes.byref(opts),
                                   ctypes.byref(res)))
        if res.repaired:
            self._reopen()
        return FsckResult(res.records, res.bytes, res.objects, res.errors,
                          res.warnings, res.repaired, res.object_warnings,
                          findings)

    def _prune_default(self) -> str:
        """The repository's gc.pruneExpire, else its default."""
        value = ctypes.c_char_p()
        with self._call(exclusive=True) as h:
            err = lib.cairn_repo_config_get(h, b"gc.pruneExpire",
                                            ctypes.byref(value))
        try:
            _check(err)
        except NotFound:
            default = lib.cairn_config_default(b"gc.pruneExpire")
            return default.decode() if default else "never"
        return value.value.decode() if value.value else "never"

    def gc(self, *, prune: Optional[str] = None,
           keep_since: Union[None, int, float, datetime.datetime] = None,
           dry_run: bool = False) -> GcResult:
        """Collect garbage: remove the objects no ref reaches that were
        last written or touched before the expiry.

        The expiry is keep_since (seconds since the epoch, or a
        datetime), or else the prune spec as git's gc.pruneExpire takes
        it ("now", "never", "2.weeks.ago", "@<seconds>"), or else the
        repository's gc.pruneExpire setting (by default "2.weeks.ago").
        dry_run counts and lists without changing anything.

        gc works on the repository's path and takes the writer lock
        itself; this Repo then opens the repository again (waiting for
        calls other threads have in flight), so that it no longer reads
        removed objects.  It raises
        Usage if this process holds a batch open on this Repo (gc would
        wait for that batch's lock and fail with Locked).
        """
        path = self._disk_path("gc")
        if self._batch_thread is not None:
            raise Usage("gc cannot run while a batch is open")
        if keep_since is not None:
            if prune is not None:
                raise ValueError("give prune or keep_since, not both")
            if isinstance(keep_since, datetime.datetime):
                keep_since = keep_since.timestamp()
            since = int(keep_since)
        else:
            spec = prune if prune is not None else self._prune_default()
            out = ctypes.c_int64()
            _check(lib.cairn_gc_expiry_parse(_cstr(spec.encode(), "an expiry"),
                                             int(time.time()),
                                             ctypes.byref(out)))
            since = out.value
        removed: List[RemovedObject] = []

        def on_removed(arg: Any, oid: Any, t: int, size: int,
                       when: int) -> None:
            removed.append(RemovedObject(_hex(oid.contents), _type_name(t),
                                         size, when))

        opts = _lib.sized(_lib.GcOpts)
        opts.keep_since = since
        opts.dry_run = 1 if dry_run else 0
        opts.removed = _lib.RemovedFn(on_removed)
        res = _lib.sized(_lib.GcResult)
        _check(lib.cairn_repo_gc(path, ctypes.byref(opts), ctypes.byref(res)))
        if not dry_run:
            self._reopen()
        return GcResult(res.kept, res.kept_bytes, res.removed,
                        res.removed_bytes, removed)


Repo.open = _ClassOrInstance(  # type: ignore[assignment,method-assign]
    Repo.__dict__["_open_path"], Repo.__dict__["_open_object"])
Repo.__dict__["open"].__doc__ = (
    "Repo.open(path, *, read_only=False, cache_bytes=0) opens the repository "
    "at path; repo.open(id, *, verify=True) opens an object as a readable "
    "binary file.\n\n" + "Repo.open(path): " +
    (Repo._open_path.__doc__ or "") + "\n\nrepo.open(id): " +
    (Repo._open_object.__doc__ or ""))


class Batch:
    """Objects written together and made durable in one commit.

    Use it as a context manager from Repo.batch(): the commit happens
    when the with block ends without an exception; an exception aborts
    the batch (nothing of it is kept).  While it is open, this Repo's
    writer lock is held: other threads' writes wait.  It belongs to the
    thread that opened it.
    """

    def __init__(self, repo: Repo) -> None:
        """Prepare a batch of repo; it begins when the with block does."""
        self._repo = repo
        self._open = False
        self.ids: List[str] = []
        """The ids put through this batch, in order."""

    def __enter__(self) -> "Batch":
        repo = self._repo
        me = threading.get_ident()
        if repo._batch_thread == me:
            raise Usage("a batch is already open on this repository in "
                        "this thread")
        with repo._call() as h:
            _check(lib.cairn_batch_begin(h))
            repo._batch_thread = me
        self._open = True
        return self

    def put(self, data: Union[Content, BinaryIO, PathLike], *,
            type: str = "blob") -> str:
        """Add an object (bytes-like content, a binary file streamed, or
        a path) to the batch and return its id.  It is readable through
        this Repo at once, durable once the batch commits."""
        if not self._open:
            raise Usage("the batch is not open")
        if not self._repo._in_my_batch():
            raise Usage("a batch belongs to the thread that opened it")
        oid = self._repo._add(data, type)
        self.ids.append(oid)
        return oid

    def _end(self) -> None:
        # Before the library's commit or abort lets another thread's
        # begin return (it then marks the batch its own), never after.
        self._open = False
        self._repo._batch_thread = None

    def commit(self) -> None:
        """Commit now (one durable group commit); the with block's end
        then does nothing."""
        if not self._open:
            raise Usage("the batch is not open")
        self._end()
        with self._repo._call() as h:
            _check(lib.cairn_batch_commit(h))

    def abort(self) -> None:
        """Drop everything added; the with block's end then does
        nothing."""
        if not self._open:
            return
        self._end()
        try:
            with self._repo._call() as h:
                lib.cairn_batch_abort(h)
        except Closed:
            pass  # closing the handle aborted it

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if not self._open:
            return
        if exc_type is not None:
            self.abort()
        elif self._repo.closed:
            self._end()
            raise Closed("the repository was closed inside its batch, "
                         "which was aborted")
        else:
            self.commit()


class Refs(MutableMapping[str, str]):
    """The refs of a repository: a mutable mapping of name to id.

    refs[name] = id sets a ref (no precondition), del refs[name] deletes
    it, iteration lists names in byte order.  Missing refs raise KeyError
    (NotFound, which is one).  compare_and_swap and transaction give the
    conditional updates.

    Refs are read from their files at each access; the object a ref
    names is found even when another process committed it a moment ago.
    """

    def __init__(self, repo: Repo) -> None:
        """The refs of repo (use repo.refs)."""
        self._repo = repo

    def __getitem__(self, name: str) -> str:
        oid = _lib.Oid()
        with self._repo._call() as h:
            _check(lib.cairn_ref_get(h, _name(name), ctypes.byref(oid)))
        return _hex(oid)

    def __setitem__(self, name: str, id: str) -> None:
        self._apply([_update(self._repo, _lib.REF_SET, name, id, None)])

    def __delitem__(self, name: str) -> None:
        self._apply([_update(self._repo, _lib.REF_DELETE, name, None, None)])

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except NotFound:
            return False
        return True

    def items_dict(self, prefix: str = "") -> Dict[str, str]:
        """Every ref whose name starts with prefix, as {name: id}, read
        in one pass, in name order."""
        refs: Dict[str, str] = {}

        def each(arg: Any, name: bytes, oid: Any) -> int:
            refs[name.decode("utf-8", "surrogateescape")] = \
                _hex(oid.contents)
            return 0

        fn = _lib.RefFn(each)
        with self._repo._call() as h:
            _check(lib.cairn_ref_list(h, _name(prefix), fn, None))
        return refs

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.items_dict()))

    def __len__(self) -> int:
        return len(self.items_dict())

    def __repr__(self) -> str:
        return "<cairn.Refs %r>" % (self.items_dict(),)

    def compare_and_swap(self, name: str, old: Optional[str],
                         new: Optional[str]) -> None:
        """Set name to new only if it is at old, atomically.

        old None means the ref must not exist; new None deletes it.
        Raises CasMismatch if the ref is not where old says (including
        an existing ref when old is None), NotFound if new is missing
        from the repository.
        """
        if new is None:
            op = _lib.REF_VERIFY if old is None else _lib.REF_DELETE
        else:
            op = _lib.REF_CREATE if old is None else _lib.REF_SET
        try:
            self._apply([_update(self._repo, op, name, new, old)])
        except Exists as e:
            if old is None and name in self:
                raise CasMismatch("ref '%s' exists but expected none" % name,
                                  errno=e.errno) from e
            raise

    def transaction(self) -> "RefTransaction":
        """Updates applied together as one transaction when the with block
        ends: either all of them or (on any failed check) none."""
        return RefTransaction(self._repo)

    def _apply(self, updates: List[_lib.RefUpdate]) -> None:
        if not updates:
            return
        arr = (_lib.RefUpdate * len(updates))(*updates)
        with self._repo._call() as h:
            _check(lib.cairn_ref_transaction(h, arr, len(updates)))


def _name(name: str) -> bytes:
    if not isinstance(name, str):
        raise TypeError("a ref name is a str, not %s" % type(name).__name__)
    return _cstr(name.encode("utf-8", "surrogateescape"), "a ref name")


def _update(repo: Repo, op: int, name: str, new: Optional[str],
            old: Optional[str]) -> _lib.RefUpdate:
    u = _lib.RefUpdate()
    u.op = op
    u.name = _name(name)
    if new is not None:
        u.new_id = repo._oid(new)
    if old is not None:
        u.has_old = 1
        u.old_id = repo._oid(old)
    return u


class RefTransaction:
    """Ref updates collected in a with block and applied at its end as one
    cairn_ref_transaction (nothing is applied if the block raises).

    Raises at the end as the library does: CasMismatch, Exists, NotFound,
    Invalid (a bad name, a name twice), Locked.
    """

    def __init__(self, repo: Repo) -> None:
        """An empty transaction on repo's refs."""
        self._repo = repo
        self._updates: List[_lib.RefUpdate] = []
        self._done = False

    def set(self, name: str, new: str, old: Optional[str] = None) -> None:
        """Point name at new (if old is given: only if name is at old)."""
        self._add(_lib.REF_SET, name, new, old)

    def create(self, name: str, new: str) -> None:
        """Point name at new, only if name does not exist."""
        self._add(_lib.REF_CREATE, name, new, None)

    def delete(self, name: str, old: Optional[str] = None) -> None:
        """Remove name (if old is given: only if name is at old)."""
        self._add(_lib.REF_DELETE, name, None, old)

    def verify(self, name: str, old: Optional[str]) -> None:
        """Require name to be at old (None: not to exist)."""
        self._add(_lib.REF_VERIFY, name, None, old)

    def _add(self, op: int, name: str, new: Optional[str],
             old: Optional[str]) -> None:
        if self._done:
            raise Usage("the transaction is finished")
        self._updates.append(_update(self._repo, op, name, new, old))

    def commit(self) -> None:
        """Apply the updates now; the with block's end then does
        nothing."""
        if self._done:
            raise Usage("the transaction is finished")
        self._done = True
        self._repo.refs._apply(self._updates)

    def __enter__(self) -> "RefTransaction":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and not self._done:
            self.commit()
        self._done = True


class ObjectReader(io.RawIOBase):
    """A readable, seekable binary file of an object's content (from
    Repo.open), with the object's id, type and size as attributes."""

    def __init__(self, spool: Any, id: str, type: str, size: int) -> None:
        """Wrap spool, which holds the content; use Repo.open."""
        super().__init__()
        self._spool = spool
        self.id = id
        """The object's id."""
        self.type = type
        """The object's type."""
        self.size = size
        """The object's content size in bytes."""

    def readable(self) -> bool:
        """True: the content can be read."""
        return True

    def seekable(self) -> bool:
        """True: the reader can seek anywhere in the content."""
        return True

    def readinto(self, b: Any) -> int:
        """Read into the buffer b; the count read, 0 at the end."""
        self._checkClosed()
        return self._spool.readinto(b)

    def read(self, size: Optional[int] = -1) -> bytes:
        """At most size bytes (all that is left if size is negative or
        None); b"" at the end."""
        self._checkClosed()
        return self._spool.read(-1 if size is None else size)

    def readall(self) -> bytes:
        """All that is left."""
        return self.read()

    def readline(self, size: Optional[int] = -1) -> bytes:
        """The next line, with its newline (at most size bytes)."""
        self._checkClosed()
        return self._spool.readline(-1 if size is None else size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to offset (from the start, the current position or the
        end, as whence says); the new position."""
        self._checkClosed()
        return self._spool.seek(offset, whence)

    def tell(self) -> int:
        """The current position."""
        self._checkClosed()
        return self._spool.tell()

    def close(self) -> None:
        """Close the reader and free its spool."""
        if not self.closed:
            self._spool.close()
        super().close()

    def _checkClosed(self, msg: Optional[str] = None) -> None:
        if self.closed:
            raise ValueError(msg or "I/O operation on closed file")


def library_version() -> str:
    """The version of the libcairn in use, "<major>.<minor>.<patch>"."""
    return lib.cairn_version().decode()


def hash_object(data: Content, *, type: str = "blob",
                algo: str = "sha256") -> str:
    """The id content would have as an object of type, without a
    repository (hashlib, as git hash-object computes it)."""
    if algo not in _ALGOS:
        raise ValueError("unknown hash algorithm %r (sha256 or sha1)"
                         % (algo,))
    _type_code(type)
    mv = memoryview(data).cast("B")
    h = hashlib.new(algo)
    h.update(b"%s %d\0" % (type.encode(), len(mv)))
    h.update(mv)
    return h.hexdigest()


__all__ = ["Repo", "Batch", "Refs", "RefTransaction", "ObjectReader",
           "ObjectStat", "Stats", "Finding", "FsckResult", "GcResult",
           "RemovedObject", "OBJECT_TYPES", "library_version", "hash_object",
           "Error"]
