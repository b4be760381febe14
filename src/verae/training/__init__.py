"""Offline machine learning: NHANES loading, training, evaluation, model selection and the model card.

Only `verae model train/evaluate`, the benchmarks and the tests import this package (lazily); the API
and the worker never do. Its libraries (scikit-learn, matplotlib) are in the optional `train` group.
"""
