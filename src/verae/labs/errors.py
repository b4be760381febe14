"""Reading failures that retrying cannot fix: each carries a stable code and a diagnostic for a person."""


class ReportUnreadable(Exception):
    def __init__(self, code: str, diagnostic: str) -> None:
        super().__init__(code)
        self.code = code
        self.diagnostic = diagnostic
