"""Problems an API view reports: the status, a sentence for people and the fields at fault.

Every API error has one shape (tracker.errors.render_error builds it):
{"error": {"status": 422, "title": "...", "detail": "...", "fields": {"name": "message"}}}
"""

from flask import Flask

from tracker.errors import render_error


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail
        self.fields = fields or {}


class InvalidFields(ApiProblem):
    """Values that were read but are not acceptable: 422 with a message per field."""

    def __init__(self, fields: dict[str, str], detail: str = "Check the fields listed in 'fields'."):
        super().__init__(422, detail, fields)


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiProblem)
    def api_problem(problem: ApiProblem):
        return render_error(problem.status, problem.detail, fields=problem.fields)
