"""The six mechanisms of the red micro-cycle, one module each, in the cycle's order (model/cycle.py)."""
