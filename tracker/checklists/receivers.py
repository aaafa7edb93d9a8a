"""A visit's checklists are created with it (signal visit_scheduled, inside the visit
service's transaction: no commit here). Connected when this module is imported."""

from tracker.checklists import services
from tracker.visits import events


@events.visit_scheduled.connect
def on_scheduled(visit, **_):
    services.generate_for_visit(visit)
