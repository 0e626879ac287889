"""model.keras for a forecast run: raw windows in, forecasts in the target's units out.

The scaling of `harness.data.forecast` as built-in Keras layers around the trained model (so the
file loads in Keras's safe mode): `last` takes each window's last step off every step
(Cropping1D keeps that step, Subtract broadcasts it) and adds the target's last value back to
the outputs; `train` standardises with the training part's statistics and undoes it on the
outputs; both divide by the training deviations and multiply the outputs by the target's.
"""


def forecast_model(model, normalization: dict):
    """Returns a model taking raw (window, columns) values that gives forecasts in raw units.

    Args:
        model: the trained model, taking scaled windows (or their flattened values).
        normalization: the run's forecast-format statistics.
    """
    import keras

    shape = tuple(model.input_shape[1:])
    window, columns = normalization["window"], len(normalization["columns"])
    scaling = normalization["scaling"]
    inputs = keras.Input((window, columns), name="raw")
    std, mean = normalization["std"], normalization["mean"]
    last = keras.layers.Cropping1D((window - 1, 0), name="last_step")(inputs)  # (1, columns)
    if scaling == "last":
        x = keras.layers.Subtract(name="from_last")([inputs, last])
        x = keras.layers.Normalization(mean=[0.0] * columns, variance=[s**2 for s in std])(x)
    elif scaling == "train":
        x = keras.layers.Normalization(mean=mean, variance=[s**2 for s in std])(inputs)
    else:
        x = inputs
    if shape != (window, columns):
        x = keras.layers.Reshape(shape)(x)
    outputs = model(x)
    if scaling == "none":
        return keras.Model(inputs, outputs, name=model.name)
    offset = 0.0 if scaling == "last" else mean[0]
    outputs = keras.layers.Rescaling(std[0], offset=offset, name="to_target_units")(outputs)
    if scaling == "last":
        # The target's last value: the first column of the last step.
        target_last = keras.layers.Reshape((columns, 1))(last)
        target_last = keras.layers.Cropping1D((0, columns - 1))(target_last)
        outputs = keras.layers.Add(name="from_last_value")(
            [outputs, keras.layers.Flatten()(target_last)]
        )
    return keras.Model(inputs, outputs, name=model.name)
