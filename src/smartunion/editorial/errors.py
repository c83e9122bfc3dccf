"""The refusals of the editorial app, with the codes clients branch on."""

from __future__ import annotations

from smartunion.core.errors import Invalid


class SensitiveWordsFound(Invalid):
    """A text holds words of the block level (422 sensitive_words, with every hit in `hits`)."""

    default_code = "sensitive_words"

    def __init__(self, message: str, *, hits: list | None = None, **kwargs):
        super().__init__(message, details={"hits": list(hits or [])}, **kwargs)
        self.hits = list(hits or [])
