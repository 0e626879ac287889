"""Does a checkpoint fit the objects it is about to be restored into?

`tf.train.Checkpoint.restore` raises on the first variable whose shape differs, after it has
already overwritten others, and silently skips variables that are missing. This check walks the
live object graph and the checkpoint's own object graph side by side, as restore does, and
reports every difference before anything is overwritten.

A variable reachable along several paths is named by the one under "model/" when there is one:
TensorFlow keys it by the shortest path, which for Keras 3 is the optimizer's list of trainable
variables (optimizer/_trainable_variables/N), a name that says nothing about the layer.
"""

import collections

from harness.errors import UsageError

_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_VALUE_ATTRIBUTE = "VARIABLE_VALUE"
# Created by tf.train.Checkpoint on its first save; a fresh root has none yet.
_IGNORED = {"save_counter"}
_NAMES_SHOWN = 3
# Children of the root that the checkpoint format gained after checkpoints had been written:
# `TrainingState.epoch_metrics` (the training metrics' sums mid-epoch, 2026-12-01). A checkpoint
# from before has none; it was written at an epoch's end or lost its epoch's metrics anyway, so
# it restores as if the variable were empty, which is its value between epochs.
ADDED_LATER = ("epoch_metrics",)


def root_for(checkpoint, prefix: str):
    """`checkpoint`, or, for a checkpoint at `prefix` that predates children of ADDED_LATER, a
    root without them (emptied), so that runs trained before keep resuming and evaluating."""
    import tensorflow as tf

    reader = tf.train.load_checkpoint(prefix)
    saved = {name.split("/")[0] for name in reader.get_variable_to_shape_map()}
    live = tf.train.TrackableView.children(checkpoint)
    missing = [name for name in ADDED_LATER if name in live and name not in saved]
    if not missing:
        return checkpoint
    for name in missing:
        live[name].assign(tf.zeros([0], live[name].dtype))
    kept = {name: child for name, child in live.items() if name not in {*missing, *_IGNORED}}
    return tf.train.Checkpoint(**kept)


def check_fits(checkpoint, prefix: str, name: str) -> None:
    """Raises unless every variable of `checkpoint` matches the checkpoint at `prefix`.

    Args:
        checkpoint: The live root `tf.train.Checkpoint`.
        prefix: The checkpoint prefix on disk.
        name: The checkpoint's name for the message, e.g. "ckpt-40".

    Raises:
        UsageError: Naming up to three mismatched variables, then "and N more".
    """
    import tensorflow as tf
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor(_GRAPH_KEY))
    children = [
        {child.local_name: child.node_id for child in node.children} for node in graph.nodes
    ]
    keys = [_value_key(node) for node in graph.nodes]

    problems, matched = [], set()
    for variable, paths in _live_variables(checkpoint):
        node = next((found for path in paths if (found := _walk(children, path)) is not None), None)
        label = _label(paths)
        if node is None or keys[node] is None:
            problems.append(f"{label} is in the model, not in the checkpoint")
            continue
        matched.add(node)
        saved, live = tuple(shapes[keys[node]]), tuple(variable.shape)
        # A variable of open shape (the metrics' accumulators mid-epoch) takes any saved one.
        if saved != live and None not in live:
            problems.append(f"{label} has shape {saved} in the checkpoint, {live} in the model")
    for node, paths in _graph_variables(children, keys):
        if node not in matched and paths[0][0] not in _IGNORED:
            problems.append(f"{_label(paths)} is in the checkpoint, not in the model")
    if problems:
        raise UsageError(f"checkpoint {name} does not fit this model: {_summary(problems)}")


def _summary(problems: list[str]) -> str:
    # The model's own variables first: optimizer slots only mirror them.
    problems = sorted(problems, key=lambda problem: not problem.startswith("model/"))
    shown = "; ".join(problems[:_NAMES_SHOWN])
    hidden = len(problems) - _NAMES_SHOWN
    return shown + (f"; and {hidden} more" if hidden > 0 else "")


def _label(paths: list[tuple]) -> str:
    preferred = next((path for path in paths if path[0] == "model"), paths[0])
    return "/".join(preferred)


def _value_key(node) -> str | None:
    return next(
        (
            attribute.checkpoint_key
            for attribute in node.attributes
            if attribute.name == _VALUE_ATTRIBUTE
        ),
        None,
    )


def _walk(children: list[dict], path: tuple) -> int | None:
    node = 0
    for local_name in path:
        node = children[node].get(local_name)
        if node is None:
            return None
    return node


def _is_variable(obj) -> bool:
    return all(hasattr(obj, attribute) for attribute in ("shape", "dtype", "assign"))


def _live_variables(root):
    """(variable, every path that reaches it) for the live object graph, breadth first."""
    import tensorflow as tf

    paths = {id(root): [()]}
    objects = {id(root): root}
    queue = collections.deque([root])
    while queue:
        parent = queue.popleft()
        for local_name, child in tf.train.TrackableView.children(parent).items():
            path = paths[id(parent)][0] + (local_name,)
            if id(child) in paths:
                paths[id(child)].append(path)
                continue
            paths[id(child)], objects[id(child)] = [path], child
            queue.append(child)
    return [
        (obj, paths[key])
        for key, obj in objects.items()
        if _is_variable(obj) and paths[key][0][0] not in _IGNORED
    ]


def _graph_variables(children: list[dict], keys: list) -> list[tuple[int, list[tuple]]]:
    """(node id, every path that reaches it) for the checkpoint's variables, breadth first."""
    paths = {0: [()]}
    queue = collections.deque([0])
    while queue:
        parent = queue.popleft()
        for local_name, child in children[parent].items():
            path = paths[parent][0] + (local_name,)
            if child in paths:
                paths[child].append(path)
                continue
            paths[child] = [path]
            queue.append(child)
    return [(node, node_paths) for node, node_paths in paths.items() if keys[node] is not None]
