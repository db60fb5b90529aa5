"""The ``redcycle`` command's entry point (``redcycle ...``, ``python -m redcycle ...``).

The model is the ``model`` package, its experiments ``experiments``; this package only starts the
command line (``run.py``) and says, in one line, which optional extra a command needs when it is
not installed (:mod:`redcycle.extras`).
"""
