"""Evaluation: eligibility, technical assessment, peer review, panel, decisions and letters.

The evaluation issues build this app; it depends on applications and allocations, never the reverse.
"""
