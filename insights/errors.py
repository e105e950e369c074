"""Exceptions the library raises; the CLI and the web app turn them into messages."""


class InsightsError(Exception):
    """Something a user can fix; the message says how."""


class ConfigError(InsightsError):
    """A setting is wrong or a needed component is missing."""


class ModelMismatch(InsightsError):
    """The repository was embedded with another model than the one configured."""


class DocumentNotFound(InsightsError):
    """No document has the given id or source."""


class NotFound(InsightsError):
    """No theme, competitor or other named thing matches what was asked for."""


class InsightNotFound(InsightsError):
    """No saved insight, or no evidence of that insight, has the given id."""


class UserNotFound(InsightsError):
    """No account or API token has the given name or id."""


class Busy(InsightsError):
    """Another change is being written right now; the same request will succeed in a moment."""
