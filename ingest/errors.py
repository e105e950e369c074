"""Exceptions raised while turning files into documents."""


class IngestError(Exception):
    """A file could not be ingested; the message says why, in words a user can act on."""


class UnsupportedFormat(IngestError):
    """No parser handles this kind of file."""


class ParseError(IngestError):
    """The file is of a known kind but cannot be read (broken, empty, encrypted, too large)."""
