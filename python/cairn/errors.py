"""Exceptions: every error of libcairn raised as an Error subclass chosen
by its code (enum cairn_errcode of core/error.h)."""

from __future__ import annotations

import enum
from typing import Dict, Optional, Type


class ErrorCode(enum.IntEnum):
    """The codes of enum cairn_errcode, named without CAIRN_ERR_."""

    NONE = 0
    NOT_FOUND = 1
    CAS_MISMATCH = 2
    EXISTS = 3
    USAGE = 4
    INVALID = 5
    AMBIGUOUS = 6
    NOT_REPO = 7
    CORRUPT = 8
    IO = 9
    READ_ONLY = 10
    NOMEM = 11
    LOCKED = 12


class Error(Exception):
    """A libcairn error.

    Attributes:
        code: the ErrorCode (an int; code.name is the symbolic name).
        message: the library's one-line message.
        errno: the errno behind an IO error, else 0.
    """

    default_code = ErrorCode.USAGE

    def __init__(self, message: str, code: Optional[int] = None,
                 errno: int = 0) -> None:
        super().__init__(message)
        if code is None:
            code = self.default_code
        try:
            self.code: ErrorCode = ErrorCode(code)
        except ValueError:
            self.code = code  # type: ignore[assignment]
        self.message = message
        self.errno = errno

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        name = getattr(self.code, "name", str(self.code))
        return "%s(%r, code=%s)" % (type(self).__name__, self.message, name)


class NotFound(Error, KeyError):
    """An object or ref is absent (also a KeyError, as mappings expect)."""

    default_code = ErrorCode.NOT_FOUND


class CasMismatch(Error):
    """A compare-and-swap precondition failed."""

    default_code = ErrorCode.CAS_MISMATCH


class Exists(Error):
    """The thing to create already exists."""

    default_code = ErrorCode.EXISTS


class Usage(Error):
    """The library was called wrongly (bad arguments, wrong thread)."""

    default_code = ErrorCode.USAGE


class Closed(Usage, ValueError):
    """The repository handle has been closed."""


class Invalid(Error, ValueError):
    """A malformed id, name or object content."""

    default_code = ErrorCode.INVALID


class Ambiguous(Error):
    """An id prefix matches several objects."""

    default_code = ErrorCode.AMBIGUOUS


class NotRepo(Error):
    """There is no repository at the path."""

    default_code = ErrorCode.NOT_REPO


class Corrupt(Error):
    """The repository's data is damaged."""

    default_code = ErrorCode.CORRUPT


class IO(Error, OSError):
    """A system call failed (errno is set)."""

    default_code = ErrorCode.IO

    def __init__(self, message: str, code: Optional[int] = None,
                 errno: int = 0) -> None:
        Error.__init__(self, message, code, errno)

    def __str__(self) -> str:
        return self.message


class ReadOnly(Error):
    """A write through a read-only handle."""

    default_code = ErrorCode.READ_ONLY


class NoMemory(Error, MemoryError):
    """The library ran out of memory."""

    default_code = ErrorCode.NOMEM


class Locked(Error):
    """A lock was not obtained in time (core.lockTimeout)."""

    default_code = ErrorCode.LOCKED


_BY_CODE: Dict[int, Type[Error]] = {
    ErrorCode.NOT_FOUND: NotFound,
    ErrorCode.CAS_MISMATCH: CasMismatch,
    ErrorCode.EXISTS: Exists,
    ErrorCode.USAGE: Usage,
    ErrorCode.INVALID: Invalid,
    ErrorCode.AMBIGUOUS: Ambiguous,
    ErrorCode.NOT_REPO: NotRepo,
    ErrorCode.CORRUPT: Corrupt,
    ErrorCode.IO: IO,
    ErrorCode.READ_ONLY: ReadOnly,
    ErrorCode.NOMEM: NoMemory,
    ErrorCode.LOCKED: Locked,
}


def from_code(code: int, message: str, errno: int = 0) -> Error:
    """The exception for a library error: the subclass for code (Error
    itself for a code this package does not know)."""
    return _BY_CODE.get(code, Error)(message, code, errno)
