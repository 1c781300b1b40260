"""Horizontal bar charts drawn on the server as SVG (templates/dashboard/_chart.html).

Horizontal, so that each row's label and value read on a phone as on a desk. Every bar
carries its value as text, and each series has its own fill (solid, hatched) named in a
legend: the chart reads without colour. The same rows are also given as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

# In the units of the viewBox, drawn at most 28rem wide (portal.css): the 12-unit text stays
# readable on a 375 px phone.
WIDTH = 320
LABEL_WIDTH = 74  # the row's label, left of the bars
VALUE_ROOM = 56  # the value, right of the longest bar
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 10
TOP = 8


@dataclass(frozen=True)
class Bar:
    series: int  # index into Chart.series: its fill and legend entry
    value: int
    text: str  # the value as the reader's locale writes it
    x: float
    y: float
    width: float


@dataclass(frozen=True)
class Row:
    label: str
    y: float  # the baseline of the label, centred on the row's bars
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: names the title, description and fill patterns
    title: str
    description: str
    series: list[str]  # the legend
    rows: list[Row]
    height: float
    width: int = WIDTH
    label_width: int = LABEL_WIDTH


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    series: list[str],
    rows: list[tuple[str, list[int]]],
    number,
) -> Chart:
    """`rows`: (label, one value per series); `number` writes a value for the reader."""
    largest = max((value for _, values in rows for value in values), default=0)
    area = WIDTH - LABEL_WIDTH - VALUE_ROOM
    row_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    drawn = []
    y = TOP
    for label, values in rows:
        bars = [
            Bar(
                series=index,
                value=value,
                text=number(value),
                x=LABEL_WIDTH,
                y=y + index * (BAR_HEIGHT + BAR_GAP),
                width=round(area * value / largest, 1) if largest else 0,
            )
            for index, value in enumerate(values)
        ]
        drawn.append(Row(label=label, y=y + row_height / 2 + 4, bars=bars))
        y += row_height + ROW_GAP
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        series=series,
        rows=drawn,
        height=y - ROW_GAP + TOP,
    )
