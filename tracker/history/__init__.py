"""Visit history for the office: dashboard, history search, visit records, patient trends,
reports, CSV and FHIR exports. Read-only over the visit data; every read is audited."""
