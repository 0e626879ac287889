"""The model a run saves for use outside the zoo: the run's normalisation as Keras preprocessing
layers in front of the trained model, so that it takes raw inputs.

Training feeds the model normalised arrays (harness.data), which is fast and keeps the
checkpoints free of preprocessing. `model.keras` and `checkpoints export` instead hold a model
that plain `keras.saving.load_model(path).predict(raw)` can use: raw values as the data set holds
them (pixels 0..16 for digits, 0..255 for keras.datasets images; signals in their own units), in
the model's input shape; for a csv table, a dict with one array per feature column (numbers for
numeric columns, strings for categorical ones); for series, raw series. Only built-in layers are
used (Rescaling, Normalization, LayerNormalization, StringLookup, Cropping1D, Reshape), so the
file loads in Keras's safe mode.
"""


def raw_input_model(model, normalization: dict):
    """Returns a model taking raw inputs that gives `model`'s outputs on the normalised ones.

    Args:
        model: the trained (inference) model, taking normalised inputs.
        normalization: the run's statistics (run.json's data.normalization).

    Raises:
        ValueError: an unknown normalisation method (run.json was written by a newer version).
    """
    import keras

    method = normalization.get("method")
    if method == "table":
        return _table_model(model, normalization)
    if method == "series":
        return _series_model(model, normalization)
    if method == "forecast":
        from harness.model.forecast_layers import forecast_model

        return forecast_model(model, normalization)
    if method == "none":
        return model
    if method == "pixels":
        # (x / raw_max - mean) / std, as one multiply-add.
        scale = 1.0 / (float(normalization["raw_range"][1]) * normalization["std"])
    elif method == "standardize":
        scale = 1.0 / normalization["std"]
    else:
        raise ValueError(f"no preprocessing layers for normalization method {method!r}")
    inputs = keras.Input(model.input_shape[1:], name="raw")
    offset = -normalization["mean"] / normalization["std"]
    scaled = keras.layers.Rescaling(scale, offset=offset, name="normalize")(inputs)
    return keras.Model(inputs, model(scaled), name=model.name)


def _table_model(model, normalization: dict):
    import keras

    inputs, encoded = {}, []
    for feature in normalization["features"]:
        name = feature["name"]
        if feature["kind"] == "numeric":
            column = keras.Input((1,), name=name, dtype="float32")
            encoded.append(
                keras.layers.Normalization(mean=feature["mean"], variance=feature["std"] ** 2)(
                    column
                )
            )
        else:
            column = keras.Input((1,), name=name, dtype="string")
            encoded.append(_one_hot(column, feature["categories"]))
        inputs[name] = column
    joined = keras.layers.Concatenate()(encoded) if len(encoded) > 1 else encoded[0]
    return keras.Model(inputs, model(joined), name=model.name)


def _series_model(model, normalization: dict):
    """Raw (steps, channels) series, or their flattened values, scaled as harness.data.series
    scales them: each series by its own mean and deviation (LayerNormalization over time, with
    no learned scale or offset), or by the training split's per-channel statistics."""
    import keras

    from harness.data.series import ZSCORE_EPSILON

    shape = model.input_shape[1:]
    series_shape = (normalization["steps"], normalization["channels"])
    inputs = keras.Input(shape, name="raw")
    x = keras.layers.Reshape(series_shape)(inputs) if tuple(shape) != series_shape else inputs
    if normalization["scaling"] == "zscore":
        x = keras.layers.LayerNormalization(
            axis=1, epsilon=ZSCORE_EPSILON, center=False, scale=False, name="normalize"
        )(x)
    elif normalization["scaling"] == "train":
        variance = [std**2 for std in normalization["std"]]
        x = keras.layers.Normalization(
            axis=-1, mean=normalization["mean"], variance=variance, name="normalize"
        )(x)
    x = keras.layers.Reshape(shape)(x) if tuple(shape) != series_shape else x
    return keras.Model(inputs, model(x), name=model.name)


def _one_hot(column, categories: list):
    """One column per category in training's order; an unseen category is all zeros."""
    import keras

    # StringLookup puts unseen strings in an extra first column; cropping it off leaves exactly
    # the encoding of harness.data.csv_table (and no custom layer that safe mode would refuse).
    width = len(categories)
    lookup = keras.layers.StringLookup(
        vocabulary=list(map(str, categories)), num_oov_indices=1, output_mode="one_hot"
    )(column)
    cropped = keras.layers.Cropping1D((1, 0))(keras.layers.Reshape((width + 1, 1))(lookup))
    return keras.layers.Reshape((width,))(cropped)
