"""Form helpers shared by every area."""

from wtforms import ValidationError


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def no_control_chars(form, field):
    if field.data and any(ord(c) < 32 and c not in "\n\r\t" for c in str(field.data)):
        raise ValidationError("Remove the special characters from this field.")
