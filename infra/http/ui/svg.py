"""Charts as SVG drawn on the server from the API's figures: no JavaScript, crisp on screen and in print.

Why not a browser charting library: the pages already hold the figures the API
answered, an SVG needs nothing fetched or vendored, prints as vectors, and a
browser test reads its labels as text. Colours differ and lines are dashed too, so
a chart printed in grey still tells its series apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 44
COLOURS = ("#1f5fa8", "#c8501e", "#2f8f46", "#7b3fa0")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
Series = tuple[str, Sequence[float | None]]


def _nice(top: float) -> float:
    """A round upper bound at or above `top` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return 1.0
    power = 10 ** len(str(int(top))) / 10 if top >= 1 else 0.1
    while power * 10 < top:
        power *= 10
    for step in (1, 2, 2.5, 5, 10):
        if power * step >= top:
            return power * step
    return power * 10


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], unit: str, step: bool = False
) -> Markup:
    """Lines over evenly spaced categories (days, weeks); None leaves a gap; `step`: a level holds until the next."""
    values = [v for _, points in series for v in points if v is not None]
    if not labels or not values:
        return _empty(title)
    top = _nice(max(values))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (inner_w * i / (len(labels) - 1) if len(labels) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / top)

    parts = _frame(title, top, unit, y)
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">'
                f"{escape(label)}</text>"
            )
    for n, (name, points) in enumerate(series):
        path = _path([(x(i), y(v)) if v is not None else None for i, v in enumerate(points)], step)
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        parts.append(
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}">'
            f"<title>{escape(name)}</title></path>"
        )
        for i, v in enumerate(points):
            if v is not None and len(points) <= 60:
                parts.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}">'
                    f"<title>{escape(name)} {escape(labels[i])}: {_number(v)} {escape(unit)}</title></circle>"
                )
        legend_y = TOP + 4 + 14 * n
        parts.append(
            f'<line x1="{WIDTH - 170}" y1="{legend_y}" x2="{WIDTH - 146}" y2="{legend_y}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/><text x="{WIDTH - 140}" y="{legend_y + 4}" '
            f'class="legend">{escape(name)}</text>'
        )
    return _svg(title, parts, HEIGHT)


def bar_chart(title: str, rows: Sequence[tuple[str, float, str]], top: float | None = None) -> Markup:
    """Horizontal bars, each labelled with its name (left) and its value as text (right)."""
    if not rows:
        return _empty(title)
    scale = top if top is not None else _nice(max(value for _, value, _ in rows))
    row_h, label_w, height = 24, 190, TOP + 24 * len(rows) + 12
    bar_w = WIDTH - label_w - 120
    parts = [f'<text x="{LEFT - 40}" y="18" class="title">{escape(title)}</text>']
    for i, (name, value, text) in enumerate(rows):
        top_y = TOP + row_h * i
        width = max(0.0, bar_w * (value / scale if scale else 0))
        parts.append(
            f'<text x="{label_w - 8}" y="{top_y + 15}" text-anchor="end" class="label">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{top_y + 3}" width="{width:.1f}" height="{row_h - 8}" '
            f'fill="{COLOURS[0]}"><title>{escape(name)}: {escape(text)}</title></rect>'
            f'<text x="{label_w + width + 6:.1f}" y="{top_y + 15}" class="value">{escape(text)}</text>'
        )
    return _svg(title, parts, height)


# Parts of a whole ordered from good to bad (early ... very late): lighter to darker, so the order
# reads in grey print too; each with the ink its count is written in.
SCALE = (
    ("#9ecae1", "#000"),
    ("#2f8f46", "#fff"),
    ("#fee08b", "#000"),
    ("#fdae61", "#000"),
    ("#f46d43", "#000"),
    ("#c2272d", "#fff"),
    ("#67000d", "#fff"),
)


def stacked_bar_chart(
    title: str, legend: Sequence[str], rows: Sequence[tuple[str, Sequence[int], str]]
) -> Markup:
    """One bar per row, the whole of its counts, split into the legend's parts (at most len(SCALE)).

    Each row is labelled with its name (left) and its text (right); each part's count is
    written in it where it fits, and in its tooltip always. A row counting nothing has no bar.
    """
    if not rows:
        return _empty(title)
    row_h, label_w, legend_y = 24, 190, TOP - 2
    bar_w, top_y = WIDTH - label_w - 120, TOP + 20
    parts = [f'<text x="{LEFT - 40}" y="18" class="title">{escape(title)}</text>']
    x = float(LEFT - 40)
    for (fill, _), name in zip(SCALE, legend, strict=False):
        parts.append(
            f'<rect x="{x:.1f}" y="{legend_y}" width="12" height="12" fill="{fill}" stroke="#555" stroke-width=".5"/>'
            f'<text x="{x + 16:.1f}" y="{legend_y + 10}" class="legend">{escape(name)}</text>'
        )
        x += 16 + 6.5 * len(name) + 12
    for i, (name, counts, text) in enumerate(rows):
        y, total = top_y + row_h * i, sum(counts)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="label">{escape(name)}</text>'
        )
        x = float(label_w)
        for (fill, ink), part, count in zip(SCALE, legend, counts, strict=False):
            width = bar_w * count / total if total else 0.0
            if not width:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{row_h - 8}" fill="{fill}">'
                f"<title>{escape(name)}, {escape(part)}: {count}</title></rect>"
            )
            if width >= 8 * len(str(count)) + 4:
                parts.append(
                    f'<text x="{x + width / 2:.1f}" y="{y + 15}" text-anchor="middle" class="value" '
                    f'style="fill:{ink}">{count}</text>'
                )
            x += width
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}" class="value">{escape(text)}</text>')
    return _svg(title, parts, top_y + row_h * len(rows) + 8)


def _frame(title: str, top: float, unit: str, y: object) -> list[str]:
    parts = [f'<text x="{LEFT - 40}" y="18" class="title">{escape(title)}</text>']
    for k in range(5):
        value = top * k / 4
        at = y(value)  # type: ignore[operator]
        parts.append(
            f'<line x1="{LEFT}" y1="{at:.1f}" x2="{WIDTH - RIGHT}" y2="{at:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end" class="tick">{_number(value)}</text>'
        )
    parts.append(
        f'<text x="12" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2:.0f}" class="tick" '
        f'transform="rotate(-90 12 {TOP + (HEIGHT - TOP - BOTTOM) / 2:.0f})" text-anchor="middle">'
        f"{escape(unit)}</text>"
    )
    return parts


def _path(points: Sequence[tuple[float, float] | None], step: bool = False) -> str:
    out, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        if pen_down and step:
            out.append(f"H{point[0]:.1f} V{point[1]:.1f}")
        else:
            out.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return " ".join(out)


def _empty(title: str) -> Markup:
    parts = [
        f'<text x="{LEFT - 40}" y="18" class="title">{escape(title)}</text>',
        f'<text x="{WIDTH / 2}" y="70" text-anchor="middle" class="tick">nothing to draw in this range</text>',
    ]
    return _svg(title, parts, 100)


def _svg(title: str, parts: list[str], height: int) -> Markup:
    body = "".join(parts)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
    )
