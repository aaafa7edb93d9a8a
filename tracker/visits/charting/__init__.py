"""What the nurse documents during a visit (charting): vital signs, vascular access and site
checks, line care and teaching, the infusion itself, and complications.

One module per part of the visit page. The public operations are gathered in
tracker.visits.clinical_services, which the HTML routes and the JSON API both call.
"""
