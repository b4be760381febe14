"""A second, independently written report generator: other fonts, layouts and languages than `corpus`."""
