"""strata's exceptions: every engine error arrives as a subclass of :class:`strata.Error`
carrying the engine's message (what failed and where)."""

from . import _core


class Error(Exception):
    """Base class of every error strata raises. ``str(e)`` is the engine's message."""


class InvalidArgument(Error, ValueError):
    """The caller asked for something malformed (a bad dtype, an unknown column, a closed database)."""


class NotFound(Error, LookupError):
    """A named thing (table, symbol, model, file, database) does not exist."""


class AlreadyExists(Error):
    """Creating something that is already there (a table, a database)."""


class Corruption(Error):
    """Stored bytes are not what strata wrote (bad checksum, bad record, damaged file)."""


class IOError(Error, OSError):  # noqa: A001 - the engine's name for it
    """The operating system refused (open, write, fsync, rename, ...)."""


class NoSpace(IOError):
    """The disk is full; retry once space is freed."""


class Unsupported(Error):
    """Valid but not implemented."""


class Busy(Error):
    """Held by someone else, e.g. another process has the database open for writing."""


class Aborted(Error):
    """Stopped on purpose (cancellation)."""


class Internal(Error):
    """A bug in strata."""


# Status code names of the engine (StatusCodeName) -> class.
_BY_CODE = {
    "InvalidArgument": InvalidArgument,
    "NotFound": NotFound,
    "AlreadyExists": AlreadyExists,
    "Corruption": Corruption,
    "IOError": IOError,
    "NoSpace": NoSpace,
    "Unsupported": Unsupported,
    "Busy": Busy,
    "Aborted": Aborted,
    "Internal": Internal,
}

_core._register_errors(_BY_CODE)
