from datetime import UTC, datetime

import time_machine

from tests.history import builders


def test_every_page_renders(make, signed_in, coordinator):
    nurse, patient = make.nurse(), make.patient()
    with time_machine.travel(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), tick=False):
        office = signed_in(coordinator)
        v = make.visit(nurse, patient, planned_start=datetime(2026, 3, 10, 13, 0, tzinfo=UTC))
        builders.finish(v, 150)
        builders.vitals(v, 5)
        builders.vitals(v, 60, phase="during", heart_rate=118, temperature_c=38.4)
        builders.complication(v, action="stop_infusion")
        for url in ["/history/", "/history/visits", f"/history/visits/{v.id}",
                    f"/history/visits/{v.id}/print", f"/history/patients/{patient.id}",
                    "/history/reports", "/history/reports?date_from=2026-03-01&date_to=2026-03-31",
                    f"/history/patients/{patient.id}/fhir.json", "/history/visits.csv",
                    "/history/reports/billing-patients.csv?date_from=2026-03-01&date_to=2026-03-31"]:
            r = office.get(url)
            assert r.status_code == 200, (url, r.get_data(as_text=True)[:3000])
