"""Server-side SVG line charts: geometry here, markup in templates/history/_chart.html.

No script is needed to read them (the CSP forbids inline script anyway), they print, and
every chart is drawn next to a table with the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tracker.timeutil import local

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


@dataclass
class Point:
    x: float
    y: float
    value: float
    at: datetime
    label: str  # the value and time, for the tooltip and screen readers
    flagged: bool = False  # abnormal by tracker.clinical.vitals


@dataclass
class Line:
    name: str
    css_class: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass
class Chart:
    id: str
    title: str
    unit: str
    lines: list[Line] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    references: list[tuple[float, str]] = field(default_factory=list)  # horizontal marks
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)

    @property
    def summary(self) -> str:
        count = sum(len(line.points) for line in self.lines)
        return f"{self.title}: {count} reading{'s' if count != 1 else ''}"


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about target_ticks ticks."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def _y_range(values: list[float], references: list[float]) -> tuple[float, float, float]:
    low, high = min(values + references), max(values + references)
    if low == high:
        low, high = low - 1, high + 1
    step = nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _x_range(times: list[datetime]) -> tuple[datetime, datetime]:
    start, end = min(times), max(times)
    if end - start < timedelta(minutes=10):
        pad = timedelta(minutes=30) if end - start < timedelta(minutes=1) else timedelta(minutes=10)
        start, end = start - pad, end + pad
    return start, end


def _time_format(span: timedelta) -> str:
    if span <= timedelta(days=2):
        return "%H:%M"
    if span <= timedelta(days=400):
        return "%d %b"
    return "%b %Y"


def _format_value(value: float) -> str:
    return f"{value:g}"


def time_chart(chart_id: str, title: str, unit: str, series: list[tuple[str, str, list]],
               tz: str, references: list[tuple[float, str]] = ()) -> Chart:
    """A chart of values over time.

    series: (name, css class, [(datetime, value, flagged), ...]); None values are skipped.
    references: horizontal lines such as NEWS2 trigger scores, (value, label).
    """
    chart = Chart(id=chart_id, title=title, unit=unit)
    readings = [(name, css, [(t, float(v), bool(f)) for t, v, f in pts if v is not None])
                for name, css, pts in series]
    values = [v for _, _, pts in readings for _, v, _ in pts]
    if not values:
        chart.lines = [Line(name, css, []) for name, css, _ in readings]
        return chart
    times = [t for _, _, pts in readings for t, _, _ in pts]
    t0, t1 = _x_range(times)
    y0, y1, step = _y_range(values, [r for r, _ in references])
    plot_w = chart.right_edge - chart.left
    plot_h = chart.bottom_edge - chart.top
    span = (t1 - t0).total_seconds()

    def x_of(t: datetime) -> float:
        return chart.left + plot_w * (t - t0).total_seconds() / span

    def y_of(v: float) -> float:
        return chart.bottom_edge - plot_h * (v - y0) / (y1 - y0)

    fmt = _time_format(t1 - t0)
    label_fmt = "%d %b %Y %H:%M" if fmt != "%H:%M" else "%H:%M"
    for name, css, pts in readings:
        points = [Point(x_of(t), y_of(v), v, t,
                        f"{name} {_format_value(v)} {unit} at {local(t, tz).strftime(label_fmt)}",
                        flagged) for t, v, flagged in sorted(pts, key=lambda p: p[0])]
        chart.lines.append(Line(name, css, points))
    ticks = 5
    chart.x_ticks = [(x_of(t0 + (t1 - t0) * i / (ticks - 1)),
                      local(t0 + (t1 - t0) * i / (ticks - 1), tz).strftime(fmt))
                     for i in range(ticks)]
    count = round((y1 - y0) / step)
    chart.y_ticks = [(y_of(y0 + i * step), _format_value(round(y0 + i * step, 6)))
                     for i in range(count + 1)]
    chart.references = [(y_of(value), label) for value, label in references]
    return chart
