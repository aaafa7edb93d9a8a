"""Pure clinical rules: vital signs, NEWS2, access-site scales, billing and the 2-hour rule.

Stdlib only (no Flask, no SQLAlchemy) so the rules can be unit-tested in isolation.
Import from the submodules, e.g. ``from tracker.clinical.news2 import news2_score``.
"""
