"""Imported only by the reader's forkserver (`labs.isolation`): Tesseract's engines that nearly every
scanned or photographed page uses are loaded in the server, so each document's child, forked from it,
starts with their models in memory instead of loading them again (~0.13 s of CPU each)."""

from verae.labs import ocr

ocr.load_engines()
