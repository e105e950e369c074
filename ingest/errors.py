"""Exceptions raised while turning files into documents."""


class IngestError(Exception):
    """A file could not be ingested; the message says why, in words a user can act on."""


class UnsupportedFormat(IngestError):
    """No parser handles this kind of file."""


class ParseError(IngestError):
    """The file is of a known kind but cannot be read (broken, empty, encrypted, too large)."""


class ParseTimeout(ParseError):
    """Reading the file took longer than the time allowed for one file."""


class MetadataError(IngestError, ValueError):
    """A metadata value breaks a limit (too long, too many tags) or cannot be read; the message names the field."""
