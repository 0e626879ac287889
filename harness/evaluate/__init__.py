"""What only evaluate.py and predict.py use.

args (both command lines and which run folders they mean), batch (the plan and loop of an
evaluation over runs and checkpoints), single (one checkpoint's evaluation and reports), data (the
examples an evaluation runs on, from run.json), predict (compiled forward passes and predict.py),
predict_inputs (images, .csv and .npy files turned into model inputs as in training).
"""
