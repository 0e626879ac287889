"""images:DIR, pixel tables (csv:PATH with image=) and image arrays (images:FILE.npz): splits,
class names, resizing and channel conversion, the memory budget, and every bad input answered
with one line, exit 2 and nothing written."""

import numpy as np
import pandas as pd
import pytest

import train
from harness.data import load_dataset
from harness.data.image_decode import StreamedImages
from tests.image_tools import CLASSES, pattern, save, write_folder, write_split_folders

pytestmark = pytest.mark.timeout(240)


def test_a_folder_without_split_folders_gets_a_test_split_that_ignores_the_seed(tmp_path):
    root = write_folder(tmp_path / "shapes", per_class=10)
    first = load_dataset(f"images:{root}", layout="image", seed=0)
    second = load_dataset(
        f"images:{root}", layout="image", seed=5, normalization=first.normalization
    )

    assert first.class_names == list(CLASSES)
    assert first.info["sizes"] == {"train": 22, "val": 2, "test": 6}
    assert first.x_train.shape[1:] == (12, 12, 1) and first.x_train.dtype == np.float32
    np.testing.assert_array_equal(first.x_test, second.x_test)  # the test part never moves
    assert np.bincount(first.y_test).tolist() == [2, 2, 2]  # stratified
    assert not np.array_equal(first.x_val, second.x_val)  # validation moves with the seed
    # The recorded statistics are the training split's, and they rebuild the same examples.
    again = load_dataset(f"images:{root}", layout="flat", seed=0, normalization=first.normalization)
    np.testing.assert_array_equal(again.x_test, first.x_test.reshape(6, -1))


def test_split_folders_are_the_splits_and_validation_comes_from_train(tmp_path):
    root = write_split_folders(tmp_path / "split", train=10, test=3, val=2)
    data = load_dataset(f"images:{root}", layout="image")
    assert data.info["sizes"] == {"train": 30, "val": 6, "test": 9}
    assert data.info["split_folders"] == ["test", "train", "val"]

    plain = write_split_folders(tmp_path / "plain", train=10, test=3)
    (plain / "train").rename(plain / "train")  # train/ and test/ only
    data = load_dataset(f"images:{plain}", layout="image", val_fraction=0.2)
    assert data.info["sizes"] == {"train": 24, "val": 6, "test": 9}


def test_mixed_sizes_and_formats_are_resized_and_converted(tmp_path):
    root = tmp_path / "mixed"
    for index in range(4):
        save(root / "a" / f"{index}.png", pattern(0, size=(12, 12), seed=index))
        save(root / "b" / f"{index}.bmp", pattern(1, size=(12, 12), seed=index, channels=3))
    save(root / "a" / "big.jpg", pattern(0, size=(24, 30), channels=3))
    save(root / "b" / "anim.gif", pattern(1, size=(6, 6)))
    data = load_dataset(f"images:{root}", layout="image")
    # The most common size (12x12); colour because not every file is grey.
    assert data.x_train.shape[1:] == (12, 12, 3) and data.info["sizes_found"] == 3

    grey = load_dataset(f"images:{root}", layout="image", options={"size": "8x10", "channels": "1"})
    assert grey.x_test.shape[1:] == (8, 10, 1)
    assert grey.normalization["image_shape"] == [8, 10, 1]


def test_above_the_memory_budget_the_splits_stream_with_the_same_examples(tmp_path):
    root = write_folder(tmp_path / "shapes", per_class=10, size=(16, 16))
    kept = load_dataset(f"images:{root}", layout="image", seed=2)
    streamed = load_dataset(
        f"images:{root}",
        layout="image",
        seed=2,
        options={"memory_mb": "0.01"},
        normalization=kept.normalization,
    )
    assert kept.info["storage"] == "memory" and streamed.info["storage"] == "streaming"
    assert isinstance(streamed.x_train, StreamedImages)
    assert streamed.input_shape == kept.input_shape and len(streamed.x_train) == 22
    np.testing.assert_array_equal(np.asarray(streamed.x_test), kept.x_test)
    import tensorflow as tf

    batch = streamed.x_train.gather(tf.constant([4, 0, 7])).numpy()
    np.testing.assert_array_equal(batch, kept.x_train[[4, 0, 7]])
    # Measured on the fly, the streamed statistics match the in-memory ones.
    fresh = load_dataset(f"images:{root}", layout="image", seed=2, options={"memory_mb": "0.01"})
    assert fresh.normalization["mean"] == pytest.approx(kept.normalization["mean"], rel=1e-9)
    assert fresh.normalization["std"] == pytest.approx(kept.normalization["std"], rel=1e-9)


def _pixel_table(path, count=30, size=(6, 6), channels=1):
    rows = [pattern(i % 3, size=size, channels=channels, seed=i).reshape(-1) for i in range(count)]
    table = pd.DataFrame(np.stack(rows), columns=[f"pixel{i}" for i in range(len(rows[0]))])
    table.insert(0, "label", [str(i % 3) for i in range(count)])
    table.to_csv(path, index=False)
    return path


def test_pixel_tables_and_npz_arrays_become_images(tmp_path):
    table = _pixel_table(tmp_path / "train.csv")
    data = load_dataset(f"csv:{table}", layout="image", options={"image": "6x6"})
    assert data.x_train.shape[1:] == (6, 6, 1) and data.class_names == ["0", "1", "2"]
    colour = _pixel_table(tmp_path / "colour.csv", channels=3)
    data = load_dataset(f"csv:{colour}", layout="image", options={"image": "6x6x3"})
    assert data.x_train.shape[1:] == (6, 6, 3)

    images = np.stack([pattern(i % 3, size=(6, 6), seed=i)[..., 0] for i in range(30)])
    np.savez(tmp_path / "x.npz", x=images, y=np.arange(30) % 3)
    from_npz = load_dataset(f"images:{tmp_path / 'x.npz'}", layout="image")
    grey = load_dataset(f"csv:{table}", layout="image", options={"image": "6x6"})
    np.testing.assert_allclose(from_npz.x_test, grey.x_test, rtol=1e-6)  # the same pixels


def _bad_inputs(folder):
    empty = folder / "empty"
    empty.mkdir()
    one = write_folder(folder / "one", classes=("cat",))
    broken = write_folder(folder / "broken")
    (broken / "square" / "bad.png").write_bytes(b"not a png at all")
    sets = write_split_folders(folder / "sets")
    write_folder(folder / "sets" / "test", classes=("hexagon",))
    table = _pixel_table(folder / "pixels.csv")
    text = pd.read_csv(table, dtype=str)
    text.loc[3, "pixel5"] = "dark"
    text.to_csv(folder / "text.csv", index=False)
    good = write_folder(folder / "good")
    return {
        "empty folder": ([f"images:{empty}"], "has no class subfolders"),
        "one class": ([f"images:{one}"], "one class only ('cat')"),
        "undecodable": ([f"images:{broken}"], f"{broken / 'square' / 'bad.png'}"),
        # With size= and channels= given no header is read: TensorFlow's decoding names it.
        "undecodable, shape given": (
            [f"images:{broken}", "--data-opt", "size=12x12", "--data-opt", "channels=1"],
            f"1 file(s) are not decodable images: {broken / 'square' / 'bad.png'}",
        ),
        "class sets": ([f"images:{sets}"], "test/ has hexagon that train/ lacks"),
        "columns": ([f"csv:{table}", "--data-opt", "image=5x5"], "has 36 pixel columns"),
        "not numbers": ([f"csv:{folder / 'text.csv'}", "--data-opt", "image=6x6"], "'dark'"),
        "size": ([f"images:{good}", "--data-opt", "size=28"], "size='28' is not HxW"),
        "channels": ([f"images:{good}", "--data-opt", "channels=2"], "channels=1 (grey)"),
    }


@pytest.mark.parametrize(
    "case",
    ["empty folder", "one class", "undecodable", "undecodable, shape given", "class sets",
     "columns", "not numbers", "size",
     "channels"],
)  # fmt: skip
def test_bad_image_input_exits_2_with_one_line_and_writes_nothing(
    case, tmp_path, monkeypatch, capsys
):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    dataset, fragment = _bad_inputs(inputs)[case]
    monkeypatch.chdir(work)
    code = train.main(["--model", "cnn", "--epochs", "1", "--dataset", *dataset])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err, err
    assert list(work.iterdir()) == []  # no checkpoints/ folder, no run folder


def test_the_image_recipes_keep_their_number_of_updates_on_larger_sets():
    from harness.config import TrainConfig
    from harness.train.prepare import adapt_to_data
    from zoo import get_model_spec

    for name, digits_epochs in (("cnn", 80), ("resnet", 40)):
        recipe = get_model_spec(name).recipe
        # The 1257 training digits the recipes were tuned on: 20 steps an epoch at batch 64.
        assert adapt_to_data(TrainConfig(model=name), recipe, 1257).epochs == digits_epochs
        larger = adapt_to_data(TrainConfig(model=name), recipe, 3600).epochs  # 57 steps each
        assert larger == -(-recipe.step_budget // 57) < digits_epochs
        assert adapt_to_data(TrainConfig(model=name, epochs=5), recipe, 3600).epochs == 5


@pytest.mark.parametrize("shape", [(8, 8, 1), (13, 17, 3), (28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_every_image_model_takes_any_image_size_and_channels(shape):
    import numpy as np

    from zoo import create_model, get_model_spec, list_models

    image_models = [name for name in list_models() if get_model_spec(name).layout == "image"]
    assert {"cnn", "resnet", "lenet5", "alexnet", "vgg", "inception", "densenet"} <= set(
        image_models
    )
    for name in image_models:
        model = create_model(name, input_shape=shape, num_outputs=4, task="classification")
        outputs = model(np.zeros((2, *shape), np.float32), training=False)
        assert tuple(outputs.shape) == (2, 4) and np.isfinite(np.asarray(outputs)).all()
