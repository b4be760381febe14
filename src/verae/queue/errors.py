class PermanentJobError(Exception):
    """Fails the job at once with a stable code and a diagnostic a person can act on."""

    def __init__(self, code: str, diagnostic: str) -> None:
        super().__init__(code)
        self.code = code
        self.diagnostic = diagnostic


class RetryLater(Exception):
    """Runs the job again after `delay_seconds` (the handler's own schedule, e.g. a remote server's), as
    long as attempts remain; after the last one the job fails with `code`."""

    def __init__(self, code: str, delay_seconds: float) -> None:
        super().__init__(code)
        self.code = code
        self.delay_seconds = delay_seconds
