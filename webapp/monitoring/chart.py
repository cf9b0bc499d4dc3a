"""A bar chart of jobs finished per hour: SVG shapes the template draws, no script or library."""

from dataclasses import dataclass

from webapp.monitoring.selectors import Throughput

WIDTH, HEIGHT, AXIS = 720, 160, 22


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # what a screen reader and the tooltip say


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_height: int
    bars: tuple[Bar, ...]
    peak: int
    ticks: tuple[tuple[float, str], ...]  # (x, hour label) under the bars


def throughput_chart(throughput: Throughput) -> Chart:
    """Lay out one bar per hour, scaled to the busiest hour, with a few hour labels."""
    hours = throughput.hours
    step = WIDTH / max(1, len(hours))
    plot = HEIGHT - AXIS
    peak = max(1, throughput.peak)
    bars = tuple(
        Bar(
            x=round(i * step + step * 0.1, 2),
            y=round(plot - plot * hour.jobs / peak, 2),
            width=round(step * 0.8, 2),
            height=round(plot * hour.jobs / peak, 2),
            label=f"{hour.hour:%a %H:00}: {hour.jobs} job{'s' if hour.jobs != 1 else ''}",
        )
        for i, hour in enumerate(hours)
    )
    every = max(1, len(hours) // 8)
    ticks = tuple(
        (
            round(i * step + step / 2, 2),
            f"{hour.hour:%H:00}" if len(hours) <= 25 else f"{hour.hour:%a %H}h",
        )
        for i, hour in enumerate(hours)
        if i % every == 0
    )
    return Chart(WIDTH, HEIGHT, plot, bars, throughput.peak, ticks)
