"""Out of memory while decoding a photo: libjpeg and zlib report an allocation refused under the reading's
memory cap (labs/isolation) as broken data, which a person was told as "the image file is damaged". A
valid photo is too complex for the memory left, never damaged; a damaged one is still damaged."""

from __future__ import annotations

import io
import multiprocessing
import os
import resource

import numpy as np
import psutil
from PIL import Image

from verae.labs.errors import ReportUnreadable
from verae.labs.isolation import MIB
from verae.labs.reader import open_image


def _progressive_photo(width: int, height: int) -> bytes:
    """A large phone photo as many cameras save it: progressive JPEG, whose decoding keeps every
    coefficient of the picture until its last scan."""
    ramp = np.linspace(0, 255, width * height // 64, dtype=np.float32).reshape(height // 8, width // 8)
    picture = Image.fromarray(np.stack([ramp, ramp[::-1], ramp.T[::-1].T], axis=-1).astype(np.uint8))
    encoded = io.BytesIO()
    picture.resize((width, height)).save(encoded, format="JPEG", progressive=True, quality=90)
    return encoded.getvalue()


def _outcome(data: bytes) -> str:
    try:
        open_image(data)
    except MemoryError:
        return "out_of_memory"
    except ReportUnreadable as unreadable:
        return unreadable.code
    return "decoded"


def _outcomes_under_caps(data: bytes, extra_mib: list[int]) -> list[str]:
    """`open_image` in a child forked for each cap, capped at its own address space plus `extra_mib`, as the
    reader's children are, until one decodes (run in a fresh single-threaded process, safe to fork)."""
    outcomes = []
    for extra in extra_mib:
        receiver, sender = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: reports through the pipe and exits
            os.close(receiver)
            cap = psutil.Process().memory_info().vms + extra * MIB
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            os.write(sender, _outcome(data).encode())
            os._exit(0)
        os.close(sender)
        with os.fdopen(receiver, "rb") as answer:
            outcomes.append(answer.read().decode() or "died")
        os.waitpid(pid, 0)
        if outcomes[-1] == "decoded":
            break
    return outcomes


def _sweep(data: bytes, extra_mib: list[int]) -> list[str]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_outcomes_under_caps, (data, extra_mib))


def test_a_valid_photo_decoded_under_any_cap_is_decoded_or_too_complex_never_damaged() -> None:
    outcomes = _sweep(_progressive_photo(3000, 4000), list(range(0, 400, 2)))
    assert outcomes[-1] == "decoded"
    assert set(outcomes[:-1]) == {"out_of_memory"}, outcomes
    assert len(outcomes) >= 10  # the sweep crossed every allocation the decoding makes


def test_a_damaged_photo_is_damaged_with_or_without_a_cap() -> None:
    truncated = _progressive_photo(1000, 1200)[:-4000]
    assert _outcome(truncated) == "corrupted_file"
    assert _sweep(truncated, [512]) == ["corrupted_file"]
