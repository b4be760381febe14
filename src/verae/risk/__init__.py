"""Runtime risk scoring: the model, its explanation and tier. Offline training lives elsewhere."""

from pathlib import Path

# The trained artifact shipped inside the package.
ARTIFACT_DIR = Path(__file__).parent / "artifacts"
