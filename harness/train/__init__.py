"""What only train.py uses, in the order a run goes through it.

args (flags -> `TrainConfig`), catalog (`--list-models`, `--list-datasets`), prepare (check and load
everything, write nothing), run (devices, strategy, the locked run folder and run.json), fit
(`model.fit` with restore on resume), pipeline (tf.data, epoch order), callbacks (history.csv and
the checkpoint saver), finish (test metrics, model.keras, summary.json, curves).
"""
