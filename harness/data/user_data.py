"""The user's own data by its prefix: `csv:PATH` tables (or pixel tables with `image=`),
`series:PATH` time series, `images:DIR` image folders and `forecast:PATH` series to forecast:
loading, the checks that need no loading, and turning new raw examples into model inputs.

Each kind's module does the work (`csv_table`, `pixel_arrays`, `series`, `images`, `forecast`);
this one only dispatches, so that `registry` stays the place for the named data sets. Modules
are imported when used: listing data sets should not wait for pandas or TensorFlow.
"""

from harness.errors import UsageError

CSV_PREFIX = "csv:"
SERIES_PREFIX = "series:"  # harness.data.series.PREFIX
IMAGES_PREFIX = "images:"  # harness.data.images.PREFIX
FORECAST_PREFIX = "forecast:"  # harness.data.forecast.PREFIX
PREFIXES = (CSV_PREFIX, SERIES_PREFIX, IMAGES_PREFIX, FORECAST_PREFIX)
LISTED = [
    (
        f"{CSV_PREFIX}PATH",
        "inferred",
        "your own CSV table; needs --target COLUMN (task inferred from it); flat models only; "
        "pixel columns with --data-opt image=HxW[x1|x3] for any model",
    ),
    (
        f"{SERIES_PREFIX}PATH",
        "classification",
        "your own series: UCR .tsv (label first), .csv (--target, default label) or .npz "
        "(x, y); --test-data, --val-fraction; options: scaling (zscore, train, none)",
    ),
    (
        f"{IMAGES_PREFIX}DIR",
        "classification",
        "your own images: a folder with one subfolder per class (train/ val/ test/ "
        "optional; options: size (HxW), channels (1, 3), memory_mb, flip (yes: --augment "
        "mirrors them)) or a .npz of x (n, h, w[, c]) and y; --test-data, --val-fraction",
    ),
    (
        f"{FORECAST_PREFIX}PATH",
        "regression",
        "your own series to forecast: a .csv, one row per step; --target COLUMN; options: "
        "window, horizon (1), season, inputs (all, none, col1,col2), date, scaling (last, "
        "train, none); split by time",
    ),
]
_NORMALIZATIONS = {CSV_PREFIX: ("table", "pixels"), SERIES_PREFIX: ("series",),
                   IMAGES_PREFIX: ("pixels",), FORECAST_PREFIX: ("forecast",)}  # fmt: skip


def is_user_data(spec: str) -> bool:
    """Whether `spec` names the user's own files."""
    return spec.startswith(PREFIXES)


def _split_spec(spec: str) -> tuple:
    prefix = next(prefix for prefix in PREFIXES if spec.startswith(prefix))
    path = spec[len(prefix) :]
    if not path:
        example = {CSV_PREFIX: "csv:data/iris.csv", SERIES_PREFIX: "series:GunPoint_TRAIN.tsv",
                   IMAGES_PREFIX: "images:photos/", FORECAST_PREFIX: "forecast:co2.csv"}[
                   prefix]  # fmt: skip
        raise UsageError(f"{prefix[:-1]} data needs a path: {prefix}PATH (e.g. {example})")
    return prefix, path


def _is_pixels(prefix: str, path: str, options) -> bool:
    """A pixel table (csv:PATH with image=) or an image array file (images:FILE.npz)."""
    if prefix == IMAGES_PREFIX:
        return path.lower().endswith(".npz")
    return prefix == CSV_PREFIX and "image" in (options or {})


def load(spec, *, layout, seed, target, normalization, options, test_data, val_fraction):
    """Loads the user's data named by `spec` (see `registry.load_dataset`)."""
    from harness.data.registry import check_normalization

    prefix, path = _split_spec(spec)
    check_normalization(spec, normalization, _NORMALIZATIONS[prefix])
    common = {"layout": layout, "seed": seed, "normalization": normalization,
              "test_data": test_data, "val_fraction": val_fraction}  # fmt: skip
    if prefix == SERIES_PREFIX:
        from harness.data import series

        return series.load(path, target=target, options=options, **common)
    if prefix == FORECAST_PREFIX:
        from harness.data import forecast

        return forecast.load(path, target=target, options=options, **common)
    if _is_pixels(prefix, path, options):
        from harness.data import pixel_arrays

        return pixel_arrays.load(prefix + path, target=target, options=options, **common)
    if prefix == IMAGES_PREFIX:
        from harness.data import images

        if target is not None:
            raise UsageError("an image folder's labels are its class folders; leave --target out")
        return images.load(path, options=options, **common)
    if options:
        raise UsageError(
            f"csv data takes one option, image=HxW[x1|x3] for pixel columns; got "
            f"{', '.join(options)}"
        )
    from harness.data import csv_table

    return csv_table.load(path, target=target, **common)


def check(spec: str, layout: str, model=None, options=None) -> str | None:
    """What `load` would refuse about the layout, checked without loading; the task, or None
    for a csv table (its target tells, on load)."""
    prefix, path = _split_spec(spec)
    if prefix == SERIES_PREFIX:
        from harness.data import series

        series.check_layout(layout, model)
        return series.TASK
    if prefix == FORECAST_PREFIX:
        from harness.data import forecast

        forecast.check_layout(layout)
        return forecast.TASK
    if _is_pixels(prefix, path, options):
        from harness.data import pixel_arrays

        pixel_arrays.check_options(spec, options)
        return "classification"
    if prefix == IMAGES_PREFIX:
        from harness.data import image_options, transform

        transform.check_layout(spec, layout, ("image", "flat", "sequence"))
        image_options.folder_choices(options, None)
        return "classification"
    return None


def task(spec: str) -> str | None:
    """The task without loading: regression for a forecast, None for a csv table (its target
    tells), else classification."""
    if spec.startswith(FORECAST_PREFIX):
        return "regression"
    return None if spec.startswith(CSV_PREFIX) else "classification"


def prepare(x_raw, *, spec_name: str, layout: str, normalization: dict):
    """New raw examples of the user's data into model inputs (see `registry.prepare_inputs`)."""
    from harness.data import transform
    from harness.data.registry import check_normalization

    prefix, _ = _split_spec(spec_name)
    check_normalization(spec_name, normalization, _NORMALIZATIONS[prefix])
    if prefix == SERIES_PREFIX:
        from harness.data import series

        series.check_layout(layout)
        return series.prepare(x_raw, normalization, layout)
    if prefix == FORECAST_PREFIX:
        from harness.data import forecast

        return forecast.prepare(x_raw, normalization, layout)
    if normalization["method"] == "pixels":
        return transform.prepare_array(
            x_raw, spec_name=spec_name, layout=layout, normalization=normalization
        )
    from harness.data import csv_table

    csv_table.check_layout(layout)
    return csv_table.prepare(x_raw, normalization, spec_name)
