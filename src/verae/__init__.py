"""Verae: explained iron-deficiency risk from blood-test reports."""
