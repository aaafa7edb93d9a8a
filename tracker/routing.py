"""URL converters."""

from werkzeug.routing import IntegerConverter

# Record ids are INTEGER columns: the largest value PostgreSQL (and our SQLite use) stores.
MAX_RECORD_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """<int:...> that refuses ids no row can have at routing time (404), so that a huge
    number in a URL never reaches the database as an out-of-range value (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_RECORD_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
