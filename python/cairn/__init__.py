"""cairn: Python bindings of libcairn, a content-addressed, append-only
object repository whose ids are git's.

    import cairn

    with cairn.Repo.init("store") as repo:
        blob = repo.put(b"hello\\n")
        repo.refs["main"] = blob
        assert repo.get(repo.refs["main"]) == b"hello\\n"

The shared library is loaded from the path in the environment variable
CAIRN_LIBRARY, else found as libcairn.so (ctypes.util.find_library) or
libcairn.so.<major> on the loader's path.
"""

from ._repo import (OBJECT_TYPES, SPOOL_MEMORY_MAX, Batch, Finding,
                    FsckResult, GcResult, ObjectReader, ObjectStat,
                    RefTransaction, Refs, RemovedObject, Repo, Stats,
                    hash_object, library_version)
from .errors import (IO, Ambiguous, CasMismatch, Closed, Corrupt, Error,
                     ErrorCode, Exists, Invalid, Locked, NoMemory, NotFound,
                     NotRepo, ReadOnly, Usage)

__version__ = "0.2.0"

__all__ = [
    "Repo", "Batch", "Refs", "RefTransaction", "ObjectReader", "ObjectStat",
    "Stats", "Finding", "FsckResult", "GcResult", "RemovedObject",
    "OBJECT_TYPES", "SPOOL_MEMORY_MAX", "hash_object", "library_version",
    "Error", "ErrorCode", "NotFound", "CasMismatch", "Exists", "Usage",
    "Closed", "Invalid", "Ambiguous", "NotRepo", "Corrupt", "IO", "ReadOnly",
    "NoMemory", "Locked",
]
