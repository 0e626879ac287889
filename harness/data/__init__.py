"""Data sets for the zoo: every loader returns a `DataSplits` shaped for the model's layout.

Specs: digits, sine, waveforms, mnist, fashion_mnist, cifar10, and the user's own files:
csv:PATH (a table with a target, or pixel columns with image=), series:PATH (time series) and
images:DIR (a folder of images, one subfolder per class, or a .npz of image arrays) and
forecast:PATH (a series to forecast, one row per time step).
Every data set is deterministic for a seed. The seed moves the validation split (and the draws
of generated training data); the test split never moves with it, so the test figures of runs
with different seeds compare. Normalisation statistics come from the training split only and
are returned as JSON-able `DataSplits.normalization`; passing them back (`normalization=`)
applies them to another load or to new raw examples (`prepare_inputs`).

Normalisation formats: "pixels" and "standardize"/"none" are described in
`harness.data.transform`, "table" (csv) in `harness.data.csv_table`, "series" in
`harness.data.series`, "forecast" in `harness.data.forecast`; image folders and arrays use
"pixels".
"""

from harness.data.registry import (
    check_dataset,
    dataset_specs,
    dataset_task,
    image_traits,
    list_datasets,
    load_dataset,
    prepare_inputs,
)
from harness.data.splits import DataSplits
from harness.data.user_data import CSV_PREFIX, FORECAST_PREFIX, IMAGES_PREFIX, SERIES_PREFIX

__all__ = [
    "CSV_PREFIX",
    "DataSplits",
    "FORECAST_PREFIX",
    "IMAGES_PREFIX",
    "SERIES_PREFIX",
    "check_dataset",
    "dataset_specs",
    "dataset_task",
    "image_traits",
    "list_datasets",
    "load_dataset",
    "prepare_inputs",
]
