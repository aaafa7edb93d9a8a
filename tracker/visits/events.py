"""Signals sent by the visit services inside their transaction, before the commit.

Other areas (checklists, reminders) subscribe, so their rows are written atomically with
the visit change: a visit is never scheduled without its reminders, nor cancelled with
reminders left pending. Receivers must not commit.
"""

from blinker import Namespace

_signals = Namespace()

visit_scheduled = _signals.signal("visit-scheduled")  # sender: Visit
visit_rescheduled = _signals.signal("visit-rescheduled")  # sender: Visit, old_start=datetime
visit_cancelled = _signals.signal("visit-cancelled")  # sender: Visit
visit_missed = _signals.signal("visit-missed")  # sender: Visit
visit_checked_in = _signals.signal("visit-checked-in")  # sender: Visit
visit_checked_out = _signals.signal("visit-checked-out")  # sender: Visit
visit_signed = _signals.signal("visit-signed")  # sender: Visit
