#!/usr/bin/env python3
"""example.py: libcairn.so from Python through ctypes: create a repository,
put a blob, get it back and move a ref by compare-and-swap, printing TAP.

Usage: python3 example.py <path to libcairn.so> <new directory>
"""

import ctypes
import hashlib
import sys

# From core/oid.h and core/error.h.
CAIRN_OID_MAX = 32
CAIRN_OID_HEXMAX = 64
CAIRN_OBJ_BLOB = 1
CAIRN_ERR_CAS_MISMATCH = 2
CAIRN_ERR_EXISTS = 3


class Error(ctypes.Structure):
    """struct cairn_error"""
    _fields_ = [("code", ctypes.c_int),
                ("sys_errno", ctypes.c_int),
                ("msg", ctypes.c_char_p)]


class Oid(ctypes.Structure):
    """struct cairn_oid"""
    _fields_ = [("hash", ctypes.c_ubyte * CAIRN_OID_MAX),
                ("len", ctypes.c_ubyte)]


class CairnError(Exception):
    def __init__(self, err):
        super().__init__(err.msg.decode())
        self.code = err.code


ERR = ctypes.POINTER(Error)
P = ctypes.c_void_p


def load(path):
    """Open the library and declare the functions used here."""
    lib = ctypes.CDLL(path)
    sigs = {
        "cairn_version": (ctypes.c_char_p, []),
        "cairn_repo_init": (ERR, [ctypes.c_char_p, P]),
        "cairn_repo_open": (ERR, [ctypes.c_char_p, ctypes.c_uint,
                                  ctypes.POINTER(P)]),
        "cairn_repo_close": (None, [P]),
        "cairn_object_put": (ERR, [P, ctypes.c_int, ctypes.c_char_p,
                                   ctypes.c_size_t, ctypes.POINTER(Oid)]),
        "cairn_object_get": (ERR, [P, ctypes.POINTER(Oid), ctypes.c_uint,
                                   ctypes.POINTER(ctypes.c_int),
                                   ctypes.POINTER(ctypes.POINTER(ctypes.c_char)),
                                   ctypes.POINTER(ctypes.c_size_t)]),
        "cairn_ref_create": (ERR, [P, ctypes.c_char_p, ctypes.POINTER(Oid)]),
        "cairn_ref_set": (ERR, [P, ctypes.c_char_p, ctypes.POINTER(Oid),
                                ctypes.POINTER(Oid)]),
        "cairn_ref_get": (ERR, [P, ctypes.c_char_p, ctypes.POINTER(Oid)]),
        "cairn_oid_fmt": (ctypes.c_char_p, [ctypes.POINTER(Oid),
                                            ctypes.c_char_p]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def check(err):
    """Raise CairnError for a non-NULL const struct cairn_error *."""
    if err:
        raise CairnError(err.contents)


class Repo:
    """A repository handle: the library calls used by this example."""

    def __init__(self, lib, path):
        self.lib = lib
        self.libc = ctypes.CDLL(None)
        self.libc.free.argtypes = [P]
        self.handle = P()
        check(lib.cairn_repo_open(path, 0, ctypes.byref(self.handle)))

    def close(self):
        self.lib.cairn_repo_close(self.handle)
        self.handle = P()

    def put(self, data):
        oid = Oid()
        check(self.lib.cairn_object_put(self.handle, CAIRN_OBJ_BLOB, data,
                                        len(data), ctypes.byref(oid)))
        return oid

    def get(self, oid):
        """(type, content) of an object; the library's buffer is freed."""
        otype = ctypes.c_int()
        buf = ctypes.POINTER(ctypes.c_char)()
        size = ctypes.c_size_t()
        check(self.lib.cairn_object_get(self.handle, ctypes.byref(oid), 0,
                                        ctypes.byref(otype),
                                        ctypes.byref(buf),
                                        ctypes.byref(size)))
        try:
            return otype.value, ctypes.string_at(buf, size.value)
        finally:
            self.libc.free(buf)

    def ref_create(self, name, new):
        check(self.lib.cairn_ref_create(self.handle, name, ctypes.byref(new)))

    def ref_set(self, name, new, old):
        check(self.lib.cairn_ref_set(self.handle, name, ctypes.byref(new),
                                     ctypes.byref(old)))

    def ref_get(self, name):
        oid = Oid()
        check(self.lib.cairn_ref_get(self.handle, name, ctypes.byref(oid)))
        return oid

    def hex(self, oid):
        buf = ctypes.create_string_buffer(CAIRN_OID_HEXMAX + 1)
        return self.lib.cairn_oid_fmt(ctypes.byref(oid), buf).decode()


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def report(self, ok, what, detail=None):
        self.count += 1
        print("%sok %d - %s" % ("" if ok else "not ", self.count, what))
        if not ok:
            self.failed += 1
            if detail is not None:
                print("# %s" % detail)

    def expect_error(self, code, what, fn, *args):
        """Report whether fn(*args) raised CairnError with code."""
        try:
            fn(*args)
        except CairnError as e:
            self.report(e.code == code, what, "error %d: %s" % (e.code, e))
        else:
            self.report(False, what, "it succeeded")


def git_blob_id(data):
    """A blob's sha256 id as git computes it, to compare with cairn's."""
    return hashlib.sha256(b"blob %d\0" % len(data) + data).hexdigest()


def run(tap, lib, path):
    first, second = b"hello from python\n", b"hello again\n"
    check(lib.cairn_repo_init(path, None))
    repo = Repo(lib, path)
    try:
        a, b = repo.put(first), repo.put(second)
        tap.report(repo.hex(a) == git_blob_id(first),
                   "put names the blob as git does", repo.hex(a))
        print("# blob %s" % repo.hex(a))
        tap.report(repo.get(a) == (CAIRN_OBJ_BLOB, first),
                   "get returns the blob as it was put")

        repo.ref_create(b"main", a)
        tap.expect_error(CAIRN_ERR_EXISTS, "a second create of main fails",
                         repo.ref_create, b"main", b)
        repo.ref_set(b"main", b, a)
        tap.expect_error(CAIRN_ERR_CAS_MISMATCH,
                         "ref set with a stale old id fails with "
                         "CAIRN_ERR_CAS_MISMATCH",
                         repo.ref_set, b"main", a, a)
        got = repo.hex(repo.ref_get(b"main"))
        tap.report(got == repo.hex(b),
                   "main is where the successful swap put it", got)
        print("# main %s" % got)
    finally:
        repo.close()


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: example.py <libcairn.so> <new directory>\n")
        return 2
    lib = load(sys.argv[1])
    print("# libcairn %s" % lib.cairn_version().decode())
    tap = Tap()
    try:
        run(tap, lib, sys.argv[2].encode())
    except CairnError as e:
        tap.report(False, "a library call failed",
                   "error %d: %s" % (e.code, e))
    print("1..%d" % tap.count)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
