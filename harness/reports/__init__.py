"""Evaluation reports: the files a reader opens after a run, from NumPy arrays, written atomically.

Nothing here imports TensorFlow, so reports can be rebuilt from saved predictions. The writers
load pandas, scikit-learn and Matplotlib on first use (PEP 562), so that a command line that only
needs `NORMALIZE_CHOICES` for its flags stays quick.
"""

import importlib

# How the normalised confusion matrix divides its counts: over true classes, predictions or all.
NORMALIZE_CHOICES = ("true", "pred", "all")

# Every file evaluate.py may write into a report folder; --overwrite removes exactly these.
# fmt: off
REPORT_FILES = (
    "confusion_matrix.csv", "confusion_matrix_normalized.csv", "classification_report.csv",
    "confusion_matrix.png", "roc_curve.png", "pr_curve.png", "calibration.png", "worst_errors.png",
    "regression_report.csv", "predictions.png", "residuals.png", "predictions.csv",
    "forecast_baselines.csv", "forecast.png", "training_curves.png", "report.html", "metrics.json",
)
# fmt: on
# What evaluate.py writes beside the report folders of several runs or checkpoints.
BATCH_FILES = ("summary.csv", "summary.html")

_WRITERS = {
    "plot_training_curves": "curves",
    "write_batch_summary": "summary",
    "write_classification_report": "classification",
    "write_metrics_json": "summary",
    "write_regression_report": "regression",
}


def __getattr__(name):
    if name not in _WRITERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WRITERS[name]}"), name)


__all__ = ["BATCH_FILES", "NORMALIZE_CHOICES", "REPORT_FILES", *_WRITERS]
