"""Evaluation reports: the files a data scientist opens after a run, written atomically.

Everything here takes NumPy arrays and never imports TensorFlow or Keras, so reports can be
rebuilt from saved predictions without a model. Figures use Matplotlib's Agg canvas.
"""

from harness.reports.classification import write_classification_report
from harness.reports.curves import plot_training_curves
from harness.reports.regression import write_regression_report
from harness.reports.summary import write_batch_summary, write_metrics_json

__all__ = [
    "plot_training_curves",
    "write_batch_summary",
    "write_classification_report",
    "write_metrics_json",
    "write_regression_report",
]
