"""The report of a forecast run's evaluation, in the target's units.

The model saw scaled windows and gave scaled forecasts; the report needs the raw windows they
came from (the `last` scaling takes each window's last value off, so the inputs alone cannot give
it back) and the targets' dates. Both come from the evaluated file, cut exactly as the loader cut
it (`harness.data.forecast.raw_split`), in the same order as the examples evaluated.
"""

import numpy as np

from harness.data import FORECAST_PREFIX


def write_forecast_evaluation(out_dir, data, outputs, normalization: dict, *, plots=True, draw):
    """Writes the forecast report of one evaluation and returns its headline figures.

    Args:
        out_dir: the report folder.
        data: the `EvalData` evaluated (a forecast:PATH data set and a split).
        outputs: the model's scaled forecasts, (n, H).
        normalization: the run's forecast-format statistics.
        plots: draw the figures too, through `draw` (`harness.reports.style.draw_png`'s signature).
    """
    from harness.data import forecast
    from harness.reports.forecast import write_forecast_report

    raw = forecast.raw_split(data.dataset[len(FORECAST_PREFIX) :], normalization, data.split)
    if len(raw.y) != len(outputs):
        raise RuntimeError(
            f"{len(outputs)} forecasts for {len(raw.y)} windows of {data.dataset} {data.split}"
        )
    return write_forecast_report(
        out_dir,
        y_true=raw.y,
        y_pred=forecast.unscale(raw.x, np.asarray(outputs), normalization),
        target_windows=raw.x[:, :, 0],
        horizon=normalization["horizon"],
        season=normalization.get("season"),
        dates=raw.dates,
        target=normalization["target"],
        plots=plots,
        draw=draw,
    )
