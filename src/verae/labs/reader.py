"""Reading PDF and image reports (placeholder until the document reader lands)."""

from verae.labs.errors import ReportUnreadable
from verae.labs.schemas import LabReport


def read_document(data: bytes, media_type: str) -> LabReport:
    raise ReportUnreadable("parse_failed", "Reading PDF and image reports is not available yet.")
