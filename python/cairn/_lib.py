"""The ctypes declarations of libcairn.so (store/cairn.h) and its loading.

The library is looked for, in order, at the path in the environment
variable CAIRN_LIBRARY, through ctypes.util.find_library("cairn"), and
as libcairn.so.<major> on the dynamic loader's search path.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any, Optional

# The header version these bindings follow; libcairn's soname carries
# the major number.
VERSION_MAJOR = 0
VERSION_MINOR = 2

OID_MAX = 32
OID_HEXMAX = 64

HASH_SHA256 = 1
HASH_SHA1 = 2

OBJ_NONE = 0
OBJ_BLOB = 1
OBJ_TREE = 2
OBJ_COMMIT = 3
OBJ_TAG = 4

OPEN_READ_ONLY = 0x1
OPEN_MEMORY = 0x2
OPEN_SHA1 = 0x4

GET_NO_VERIFY = 0x1

REF_SET = 1
REF_CREATE = 2
REF_DELETE = 3
REF_VERIFY = 4

FSCK_QUICK = 0x1
FSCK_REPAIR = 0x2
FSCK_SALVAGE = 0x4
FINDING_NO_OFFSET = 2**64 - 1

CHECKOUT_FORCE = 0x1

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

c_ssize_t = ctypes.c_ssize_t
P = ctypes.c_void_p


class Error(ctypes.Structure):
    """struct cairn_error."""

    _fields_ = [("code", ctypes.c_int),
                ("sys_errno", ctypes.c_int),
                ("msg", ctypes.c_char_p)]


ErrorP = ctypes.POINTER(Error)


class Oid(ctypes.Structure):
    """struct cairn_oid."""

    _fields_ = [("hash", ctypes.c_ubyte * OID_MAX),
                ("len", ctypes.c_ubyte)]


OidP = ctypes.POINTER(Oid)


class InitOpts(ctypes.Structure):
    """struct cairn_init_opts."""

    _fields_ = [("size", ctypes.c_size_t),
                ("hash_algo", ctypes.c_int),
                ("compression", ctypes.c_int),
                ("alternate", ctypes.c_char_p)]


class OpenOpts(ctypes.Structure):
    """struct cairn_open_opts."""

    _fields_ = [("size", ctypes.c_size_t),
                ("flags", ctypes.c_uint),
                ("cache_bytes", ctypes.c_size_t)]


class RepoStats(ctypes.Structure):
    """struct cairn_repo_stats."""

    _fields_ = [("size", ctypes.c_size_t),
                ("object_format", ctypes.c_char_p),
                ("format_version", ctypes.c_int),
                ("objects", ctypes.c_uint64),
                ("data_bytes", ctypes.c_uint64),
                ("content_bytes", ctypes.c_uint64),
                ("wal_records", ctypes.c_uint64),
                ("wal_bytes", ctypes.c_uint64),
                ("index_segments", ctypes.c_uint64),
                ("indexed_objects", ctypes.c_uint64),
                ("bloom_bits_per_key", ctypes.c_double),
                ("bloom_fpr", ctypes.c_double),
                ("refs", ctypes.c_uint64),
                ("reads", ctypes.c_uint64),
                ("writes", ctypes.c_uint64),
                ("cache_hits", ctypes.c_uint64),
                ("cache_misses", ctypes.c_uint64),
                ("bloom_negatives", ctypes.c_uint64),
                ("bloom_false_positives", ctypes.c_uint64)]


class RefUpdate(ctypes.Structure):
    """struct cairn_ref_update."""

    _fields_ = [("op", ctypes.c_int),
                ("name", ctypes.c_char_p),
                ("new_id", Oid),
                ("has_old", ctypes.c_int),
                ("old_id", Oid)]


class Finding(ctypes.Structure):
    """struct cairn_finding."""

    _fields_ = [("error", ctypes.c_int),
                ("kind", ctypes.c_int),
                ("file", ctypes.c_char_p),
                ("offset", ctypes.c_uint64),
                ("id", OidP),
                ("ref", ctypes.c_char_p),
                ("key", ctypes.c_char_p),
                ("subject", ctypes.c_char_p),
                ("message", ctypes.c_char_p),
                ("repairable", ctypes.c_int),
                ("repaired", ctypes.c_int),
                ("check", ctypes.c_char_p)]


# Callback types.  Those that return a const struct cairn_error * are
# declared to return a plain address (ctypes callbacks return simple
# types only).
ProgressFn = ctypes.CFUNCTYPE(None, P, ctypes.c_char_p, ctypes.c_uint64,
                              ctypes.c_uint64)
ReadFn = ctypes.CFUNCTYPE(c_ssize_t, P, P, ctypes.c_size_t)
WriteFn = ctypes.CFUNCTYPE(P, P, P, ctypes.c_size_t)
ObjectFn = ctypes.CFUNCTYPE(ctypes.c_int, P, OidP)
RefFn = ctypes.CFUNCTYPE(ctypes.c_int, P, ctypes.c_char_p, OidP)
FindingFn = ctypes.CFUNCTYPE(None, P, ctypes.POINTER(Finding))
RemovedFn = ctypes.CFUNCTYPE(None, P, OidP, ctypes.c_int, ctypes.c_uint64,
                             ctypes.c_int64)


class FsckOpts(ctypes.Structure):
    """struct cairn_fsck_opts."""

    _fields_ = [("size", ctypes.c_size_t),
                ("flags", ctypes.c_uint),
                ("report", FindingFn),
                ("progress", ProgressFn),
                ("arg", P),
                ("threads", ctypes.c_uint)]


class FsckResult(ctypes.Structure):
    """struct cairn_fsck_result."""

    _fields_ = [("size", ctypes.c_size_t),
                ("records", ctypes.c_uint64),
                ("bytes", ctypes.c_uint64),
                ("objects", ctypes.c_uint64),
                ("errors", ctypes.c_uint64),
                ("warnings", ctypes.c_uint64),
                ("repaired", ctypes.c_uint64),
                ("object_warnings", ctypes.c_uint64)]


class GcOpts(ctypes.Structure):
    """struct cairn_gc_opts."""

    _fields_ = [("size", ctypes.c_size_t),
                ("keep_since", ctypes.c_int64),
                ("dry_run", ctypes.c_int),
                ("progress", ProgressFn),
                ("arg", P),
                ("removed", RemovedFn)]


class GcResult(ctypes.Structure):
    """struct cairn_gc_result."""

    _fields_ = [("size", ctypes.c_size_t),
                ("kept", ctypes.c_uint64),
                ("kept_bytes", ctypes.c_uint64),
                ("removed", ctypes.c_uint64),
                ("removed_bytes", ctypes.c_uint64)]


def sized(struct: type) -> Any:
    """A new instance of an option/result struct with its size field set,
    as the header's _INIT macros do."""
    obj = struct()
    obj.size = ctypes.sizeof(struct)
    return obj


_SIGNATURES: dict = {
    "cairn_version": (ctypes.c_char_p, []),
    "cairn_version_number": (ctypes.c_int, []),
    "cairn_hash_len": (ctypes.c_size_t, [ctypes.c_int]),
    "cairn_otype_name": (ctypes.c_char_p, [ctypes.c_int]),
    "cairn_otype_parse": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t]),
    "cairn_oid_fmt": (ctypes.c_char_p, [OidP, ctypes.c_char_p]),
    "cairn_oid_parse": (ErrorP, [ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_size_t, OidP]),
    "cairn_repo_init": (ErrorP, [ctypes.c_char_p,
                                 ctypes.POINTER(InitOpts)]),
    "cairn_repo_open_opts": (ErrorP, [ctypes.c_char_p,
                                      ctypes.POINTER(OpenOpts),
                                      ctypes.POINTER(P)]),
    "cairn_repo_close": (None, [P]),
    "cairn_repo_hash_algo": (ctypes.c_int, [P]),
    "cairn_fd_read": (c_ssize_t, [P, P, ctypes.c_size_t]),
    "cairn_object_put": (ErrorP, [P, ctypes.c_int, P, ctypes.c_size_t,
                                  OidP]),
    "cairn_batch_begin": (ErrorP, [P]),
    "cairn_batch_add": (ErrorP, [P, ctypes.c_int, P, ctypes.c_size_t, OidP]),
    "cairn_batch_add_stream": (ErrorP, [P, ctypes.c_int, ReadFn, P,
                                        ctypes.c_int64, OidP]),
    "cairn_batch_commit": (ErrorP, [P]),
    "cairn_batch_abort": (None, [P]),
    "cairn_object_get": (ErrorP, [P, OidP, ctypes.c_uint,
                                  ctypes.POINTER(ctypes.c_int),
                                  ctypes.POINTER(P),
                                  ctypes.POINTER(ctypes.c_size_t)]),
    "cairn_object_get_stream": (ErrorP, [P, OidP, ctypes.c_uint, WriteFn,
                                         P]),
    "cairn_object_stat": (ErrorP, [P, OidP, ctypes.POINTER(ctypes.c_int),
                                   ctypes.POINTER(ctypes.c_uint64)]),
    "cairn_object_exists": (ErrorP, [P, OidP]),
    "cairn_object_resolve": (ErrorP, [P, ctypes.c_char_p, OidP]),
    "cairn_rev_resolve": (ErrorP, [P, ctypes.c_char_p, OidP]),
    "cairn_object_each": (ErrorP, [P, ObjectFn, P]),
    "cairn_repo_flush": (ErrorP, [P]),
    "cairn_repo_stats": (ErrorP, [P, ctypes.POINTER(RepoStats)]),
    "cairn_tree_put_dir": (ErrorP, [P, ctypes.c_char_p, OidP]),
    "cairn_tree_checkout": (ErrorP, [P, OidP, ctypes.c_char_p,
                                     ctypes.c_uint]),
    "cairn_ref_name_check": (ErrorP, [ctypes.c_char_p]),
    "cairn_ref_get": (ErrorP, [P, ctypes.c_char_p, OidP]),
    "cairn_ref_transaction": (ErrorP, [P, ctypes.POINTER(RefUpdate),
                                       ctypes.c_size_t]),
    "cairn_ref_list": (ErrorP, [P, ctypes.c_char_p, RefFn, P]),
    "cairn_finding_kind_name": (ctypes.c_char_p, [ctypes.c_int]),
    "cairn_repo_fsck": (ErrorP, [ctypes.c_char_p, ctypes.POINTER(FsckOpts),
                                 ctypes.POINTER(FsckResult)]),
    "cairn_gc_expiry_parse": (ErrorP, [ctypes.c_char_p, ctypes.c_int64,
                                       ctypes.POINTER(ctypes.c_int64)]),
    "cairn_repo_gc": (ErrorP, [ctypes.c_char_p, ctypes.POINTER(GcOpts),
                               ctypes.POINTER(GcResult)]),
    "cairn_repo_config_get": (ErrorP, [P, ctypes.c_char_p,
                                       ctypes.POINTER(ctypes.c_char_p)]),
    "cairn_config_default": (ctypes.c_char_p, [ctypes.c_char_p]),
}


def _candidates() -> list:
    """Where to look for the library, first choice first."""
    env = os.environ.get("CAIRN_LIBRARY")
    if env:
        return [env]
    found = ctypes.util.find_library("cairn")
    names = [found] if found else []
    names.append("libcairn.so.%d" % VERSION_MAJOR)
    return names


def load() -> ctypes.CDLL:
    """Open libcairn and declare the functions the package calls.

    Raises OSError, naming every place tried, if it cannot be opened.
    """
    tried = []
    lib: Optional[ctypes.CDLL] = None
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as e:
            tried.append("%s (%s)" % (name, e))
    if lib is None:
        raise OSError("cannot load libcairn (set CAIRN_LIBRARY to the path "
                      "of libcairn.so); tried: " + "; ".join(tried))
    for fname, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, fname)
        fn.restype = restype
        fn.argtypes = argtypes
    major = lib.cairn_version_number() // 10000
    if major != VERSION_MAJOR:
        raise OSError("libcairn %s is not of major version %d"
                      % (lib.cairn_version().decode(), VERSION_MAJOR))
    return lib


lib = load()

_libc = ctypes.CDLL(None)
free = _libc.free
free.argtypes = [P]
free.restype = None
