"""Reading lab reports and their units (no HTTP, no DB)."""

import os

# Set here, before any module of the package loads numpy or OpenCV (the reader's forkserver imports
# `labs.reader`, whose first import of numpy is not in `labs.ocr`). Tesseract's OpenMP threads fight each
# other on small machines (twice as slow on 2 cores), and a worker reads pages one at a time anyway; an
# operator can still override it in the environment. numpy's and OpenCV's bundled OpenBLAS likewise,
# read once when each loads: numpy's spinning on both cores in the bend fit's least squares cost a fifth
# more CPU per photo, and OpenCV's buffers for one thread per core took 140 MiB of the address space a
# document is read in (labs/isolation.py caps it).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# ...and the size of the OpenMP pool Tesseract's library (loaded in-process) reports, to match the limit.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
