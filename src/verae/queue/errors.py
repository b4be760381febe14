class PermanentJobError(Exception):
    """Fails the job at once with a stable code and a diagnostic a person can act on."""

    def __init__(self, code: str, diagnostic: str) -> None:
        super().__init__(code)
        self.code = code
        self.diagnostic = diagnostic
