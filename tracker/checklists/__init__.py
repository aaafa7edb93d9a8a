"""Checklists per visit (getting ready, after the visit) and the patient's own pages."""
