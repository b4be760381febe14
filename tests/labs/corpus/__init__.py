"""A generator of realistic lab reports with known ground truth, for the reader's tests and bench."""
