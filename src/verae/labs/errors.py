"""Reading failures that retrying cannot fix: each carries a stable code and a diagnostic for a person."""


class ReportUnreadable(Exception):
    def __init__(self, code: str, diagnostic: str) -> None:
        super().__init__(code)
        self.code = code
        self.diagnostic = diagnostic


class ReaderStarved(ReportUnreadable):
    """A `page_timeout` of a reading that got less than half a core while its time ran: the time limits
    are wall-clock, so a busy machine, not the document, may have stopped it. Worth another attempt."""
