"""Experiments over the model: replications, the five questions, calibration, output files,
figures and the generated docs. ``model/`` never imports this package (tests/test_layout.py)."""
