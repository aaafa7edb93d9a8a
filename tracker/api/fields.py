"""Small declared schemas for API input: one declaration both parses a request and documents it.

A Field says what one JSON property or query parameter may hold; parse_body/parse_query
check a request against a tuple of them and collect a message per field at fault, and
object_schema/parameter_schema give the same rules as JSON Schema for the OpenAPI
document. Plain code instead of a validation library: the API's inputs are flat objects
of a few scalar types, and this keeps the error messages in the clinic's words.
"""

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from werkzeug.datastructures import MultiDict

from tracker.api.errors import InvalidFields

# Control characters (other than tab and line breaks) are refused: PostgreSQL rejects NUL
# in text, and none of them belongs in a clinical note.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"
_TEXT_RE = re.compile(TEXT_PATTERN)
# RFC 3339 shapes, as JSON Schema's "date" and "date-time" formats mean them (checked with
# fullmatch: ASCII digits only, nothing before or after).
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})")
# Half of a UTF-16 pair on its own: valid JSON ("\\ud800"), but no character, and it cannot be
# stored as UTF-8.
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INT_RE = re.compile(r"-?[0-9]{1,18}")

KINDS = ("integer", "number", "string", "boolean", "date", "datetime", "uuid", "enum",
         "enum_list")
# Bounds a field gets unless it declares its own: what the database columns can hold
# (PostgreSQL's integer), and a generous length for free text.
INTEGER_RANGE = (-2147483648, 2147483647)
DEFAULT_MAX_LENGTH = 10000


class FieldError(ValueError):
    pass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str = ""
    required: bool = False
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    # Strings only, anchored with ^...$ and free of control characters; checked, not only
    # documented (it replaces TEXT_PATTERN in the document).
    pattern: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")
        if self.kind in ("enum", "enum_list") and not self.choices:
            raise ValueError(f"{self.kind} field {self.name} needs choices")
        if self.kind == "integer":
            if self.minimum is None:
                object.__setattr__(self, "minimum", INTEGER_RANGE[0])
            if self.maximum is None:
                object.__setattr__(self, "maximum", INTEGER_RANGE[1])
        if self.kind == "string" and self.max_length is None:
            object.__setattr__(self, "max_length", DEFAULT_MAX_LENGTH)

    # --- documentation -------------------------------------------------------------------
    def json_schema(self) -> dict:
        schema = _BASE_SCHEMAS[self.kind]()
        if self.kind == "enum":
            schema["enum"] = list(self.choices)
        if self.kind == "enum_list":
            schema["items"] = {"type": "string", "enum": list(self.choices)}
            schema["maxItems"] = len(self.choices)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern is not None:
            schema["pattern"] = self.pattern
        if self.description:
            schema["description"] = self.description
        if self.nullable:
            schema = _nullable(schema)
        return schema

    # --- parsing -------------------------------------------------------------------------
    def parse(self, value):
        """The value as Python (datetimes aware UTC, dates, UUID strings); FieldError if wrong."""
        if value is None:
            if self.nullable:
                return None
            raise FieldError("A value is needed here.")
        value = _PARSERS[self.kind](self, value)
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"Enter {_number(self.minimum)} or more.")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"Enter {_number(self.maximum)} or less.")
        return value

    def parse_text(self, text: str):
        """A query-string value (always text) as this field's type."""
        if self.kind == "integer":
            if not _INT_RE.fullmatch(text):
                raise FieldError("Enter a whole number.")
            return self.parse(int(text))
        if self.kind == "number":
            try:
                number = float(text)
            except ValueError:
                raise FieldError("Enter a number.") from None
            return self.parse(number)
        if self.kind == "boolean":
            if text not in ("true", "false"):
                raise FieldError("Use true or false.")
            return text == "true"
        return self.parse(text)


def _nullable(schema: dict) -> dict:
    if "enum" in schema:
        return {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _parse_integer(field: Field, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError("Enter a whole number.")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise FieldError("Enter a whole number.")
        value = int(value)
    return value


def _parse_number(field: Field, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError("Enter a number.")
    if not math.isfinite(value):
        raise FieldError("Enter a number.")
    return value


def _parse_string(field: Field, value):
    if not isinstance(value, str):
        raise FieldError("Enter text.")
    if field.max_length is not None and len(value) > field.max_length:
        raise FieldError(f"Use at most {field.max_length} characters.")
    if not _TEXT_RE.match(value) or _SURROGATE_RE.search(value):
        raise FieldError("Remove the special characters from this text.")
    if field.pattern is not None and not re.fullmatch(field.pattern.strip("^$"), value):
        raise FieldError("This value is not in the expected form.")
    return value


def _parse_boolean(field: Field, value):
    if not isinstance(value, bool):
        raise FieldError("Use true or false.")
    return value


def _parse_date(field: Field, value):
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise FieldError("Enter a date as YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError("This date does not exist.") from None


def _parse_datetime(field: Field, value):
    match = _DATETIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise FieldError("Enter a date and time with its offset, e.g. 2026-03-02T14:05:00-05:00.")
    text = value.upper()
    if match.group(1) == "60":  # an RFC 3339 leap second: keep it within the minute
        text = text[:match.start(1)] + "59.999999" + text[match.end(2) if match.group(2) else match.end(1):]
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        raise FieldError("This date and time does not exist.") from None


def _parse_uuid(field: Field, value):
    if not isinstance(value, str) or not _UUID_RE.fullmatch(value):
        raise FieldError("Send a UUID, e.g. 3f2b8c1e-5d4a-4e7b-9c0d-2a1b3c4d5e6f.")
    return str(uuid.UUID(value))


def _parse_enum(field: Field, value):
    if value not in field.choices:
        raise FieldError("Use one of: " + ", ".join(field.choices) + ".")
    return value


def _parse_enum_list(field: Field, value):
    if not isinstance(value, list):
        raise FieldError("Send a list, e.g. [\"" + field.choices[0] + "\"].")
    if any(not isinstance(item, str) or item not in field.choices for item in value):
        raise FieldError("Use only: " + ", ".join(field.choices) + ".")
    if len(set(value)) != len(value):
        raise FieldError("Name each one once.")
    return list(value)


_PARSERS = {
    "integer": _parse_integer, "number": _parse_number, "string": _parse_string,
    "boolean": _parse_boolean, "date": _parse_date, "datetime": _parse_datetime,
    "uuid": _parse_uuid, "enum": _parse_enum, "enum_list": _parse_enum_list,
}

_BASE_SCHEMAS = {
    "integer": lambda: {"type": "integer"},
    "number": lambda: {"type": "number"},
    "string": lambda: {"type": "string", "pattern": TEXT_PATTERN},
    "boolean": lambda: {"type": "boolean"},
    "date": lambda: {"type": "string", "format": "date"},
    "datetime": lambda: {"type": "string", "format": "date-time"},
    "uuid": lambda: {"type": "string", "format": "uuid"},
    "enum": lambda: {"type": "string"},
    "enum_list": lambda: {"type": "array", "uniqueItems": True},
}


def object_schema(fields: tuple[Field, ...]) -> dict:
    schema = {"type": "object", "additionalProperties": False,
              "properties": {f.name: f.json_schema() for f in fields}}
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema


def parse_object(data: dict, fields: tuple[Field, ...]) -> dict:
    """Check every field of a JSON object; all problems are reported together (422)."""
    known = {f.name: f for f in fields}
    errors = {name: "This field is not part of this request." for name in data if name not in known}
    values = {}
    for field in fields:
        if field.name not in data:
            if field.required:
                errors[field.name] = "This field is required."
            continue
        try:
            values[field.name] = field.parse(data[field.name])
        except FieldError as error:
            errors[field.name] = str(error)
    if errors:
        raise InvalidFields(errors)
    return values


def parse_query(args: MultiDict, fields: tuple[Field, ...]) -> dict:
    """Check the query string: known names only, each at most once."""
    known = {f.name: f for f in fields}
    errors = {name: "This parameter is not part of this request." for name in args if name not in known}
    values = {}
    for field in fields:
        given = args.getlist(field.name)
        if not given:
            if field.required:
                errors[field.name] = "This parameter is required."
            continue
        if len(given) > 1:
            errors[field.name] = "Send this parameter once."
            continue
        try:
            values[field.name] = field.parse_text(given[0])
        except FieldError as error:
            errors[field.name] = str(error)
    if errors:
        raise InvalidFields(errors)
    return values


def parameter_schema(field: Field, location: str = "query") -> dict:
    """An OpenAPI parameter object for a query parameter."""
    parameter = {"name": field.name, "in": location, "required": field.required,
                 "schema": field.json_schema()}
    if field.description:
        parameter["description"] = field.description
    return parameter
