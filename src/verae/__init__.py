"""Verae: explained iron-deficiency risk from blood-test reports."""

__version__ = "0.1.0"
