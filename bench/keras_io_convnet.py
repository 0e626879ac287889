"""The plain-Keras reference of the image yardstick: keras-io's "Simple MNIST convnet"
(fchollet, https://keras.io/examples/vision/mnist_convnet/), unchanged but for the data, which
is the yardstick folder read by `keras.utils.image_dataset_from_directory`.

    python bench/keras_io_convnet.py DIR --seed N --out result.json

The example's model (Conv2D 32 and 64 with max pooling, dropout 0.5, softmax), its recipe
(Adam, categorical cross-entropy, batch 128, 15 epochs, validation_split 0.1) and its scaling
(pixels / 255). On the full 60,000-image MNIST it reaches 99.22%.
"""

import argparse
import json
import sys
import time

import numpy as np


def folder_arrays(folder: str) -> tuple:
    """(x float32 (n, 28, 28, 1) in 0..1, y one-hot) of one split folder, in file order."""
    import keras

    dataset = keras.utils.image_dataset_from_directory(
        folder, color_mode="grayscale", image_size=(28, 28), shuffle=False, batch_size=1024
    )
    x = np.concatenate([images.numpy() for images, _ in dataset]) / 255.0
    y = np.concatenate([labels.numpy() for _, labels in dataset])
    return x.astype("float32"), keras.utils.to_categorical(y, 10)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    import keras
    from keras import layers

    keras.utils.set_random_seed(args.seed)
    x_train, y_train = folder_arrays(f"{args.folder}/train")
    # The folder reads class by class, and validation_split takes the last 10% of the arrays: in
    # file order that is most of class 9, which the model would then never train on. keras-io's
    # MNIST arrays come shuffled, so shuffle once with the seed, as the example's data is.
    order = np.random.default_rng(args.seed).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]
    x_test, y_test = folder_arrays(f"{args.folder}/test")
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(x_train, y_train, batch_size=128, epochs=15, validation_split=0.1, verbose=0)
    fit_seconds = time.perf_counter() - started
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    with open(args.out, "w") as handle:
        json.dump({"accuracy": float(accuracy), "fit_seconds": fit_seconds}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
