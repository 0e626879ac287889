"""report.html for one evaluation and summary.html for a batch, from the Jinja2 templates in
templates/, written atomically. The pages are self-contained (relative links, inline styles and
sorting script, nothing fetched) and the run's text is escaped by Jinja2's autoescaping.
"""

import math
import os
from pathlib import Path

import jinja2
import pandas as pd

from harness.atomic import write_text_atomic

# The figures of a report folder, in page order, with their captions.
FIGURES = {
    "confusion_matrix.png": "Confusion matrix",
    "roc_curve.png": "ROC curves, one-vs-rest",
    "pr_curve.png": "Precision-recall curves, one-vs-rest",
    "calibration.png": "Calibration of the top-class confidence",
    "worst_errors.png": "The most confident errors",
    "predictions.png": "Predicted and true values",
    "residuals.png": "Residuals",
    "forecast.png": "Forecasts against the naive baselines",
    "training_curves.png": "Training curves, the evaluated checkpoint marked",
}
TABLES = {
    "classification_report.csv": "Classification report",
    "regression_report.csv": "Regression report",
    "forecast_baselines.csv": "Naive forecast baselines",
}
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a misspelt field fails the render, not the reader
)


def _number(value):
    # Four significant figures, whole numbers from 1,000 up with separators, blanks for NaN.
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else value
    if not math.isfinite(value):
        return ""
    return f"{value:,.0f}" if isinstance(value, int) or abs(value) >= 1000 else f"{value:.4g}"


def _plain(value):
    # NumPy and pandas scalars as Python numbers, so that `is number` holds in the template.
    return value.item() if hasattr(value, "item") else value


_ENVIRONMENT.filters["number"] = _number


def write_report_html(out_dir, evaluation: dict) -> Path:
    """Writes out_dir/report.html: the `evaluation`'s identity and headline metrics (what
    metrics.json holds), its report CSVs as tables, every figure in `out_dir` and every file."""
    out_dir = Path(out_dir)
    tables = []
    for file, title in TABLES.items():
        if (out_dir / file).is_file():
            frame = pd.read_csv(out_dir / file)
            rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
            tables.append({"file": file, "title": title, "columns": list(frame), "rows": rows})
    figures = [{"file": file, "title": title} for file, title in FIGURES.items()
               if (out_dir / file).is_file()]  # fmt: skip
    # metrics.json is written after this page, as the folder's last file.
    files = {path.name for path in out_dir.iterdir() if path.suffix == ".csv"} | {"metrics.json"}
    page = _ENVIRONMENT.get_template("report.html.j2").render(
        e=evaluation, tables=tables, figures=figures, files=sorted(files)
    )
    write_text_atomic(out_dir / "report.html", page)
    return out_dir / "report.html"


def write_summary_html(path, frame: pd.DataFrame, *, primary_metric: str) -> Path:
    """Writes the batch's leaderboard (summary.csv's rows, in its order) as a sortable table,
    each row linking to its report.html, relative to `path`'s folder."""
    path = Path(path)
    columns = [column for column in frame.columns if column != "report_dir"]
    rows = []
    for _, row in frame.iterrows():
        report = Path(str(row.get("report_dir") or "")) / "report.html"
        link = os.path.relpath(report, path.parent) if report.is_file() else None
        cells = [None if pd.isna(row[column]) else _plain(row[column]) for column in columns]
        rows.append({"link": link, "cells": cells})
    page = _ENVIRONMENT.get_template("summary.html.j2").render(
        rows=rows, columns=columns, primary=primary_metric, csv=path.with_suffix(".csv").name
    )
    write_text_atomic(path, page)
    return path
