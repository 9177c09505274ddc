"""Model endpoints: a scikit-learn model (joblib), an ONNX model, or a Python callable.

An endpoint answers as SageMaker's runtime does for ``text/csv``: rows of comma-separated
values in, one value per row out (several values of one row are joined by commas). Each
column whose every value reads as a number is given to the model as numbers, the others as
text; an empty value is NaN in a numeric column. A scikit-learn or ONNX model must be given
as many values per row as it was trained on (``n_features_in_``, the ONNX input's width); a
callable (``module:function``, imported with the folder it was registered from on the path)
gets the rows as lists and returns one value per row.

A joblib file is a pickle: loading it runs code, as loading any scikit-learn model does. Serve
only model files you trust.
"""

from __future__ import annotations

import csv
import importlib
import io
import math
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from aurora.engine.ml.errors import MlError


def parse_csv(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text)) if row]


def columns_as_numbers(rows: list[list[str]]) -> list[list[Any]]:
    """Rows with each all-numeric column converted to floats (empty: NaN)."""
    if not rows:
        return rows
    width = max(len(r) for r in rows)
    numeric = []
    for c in range(width):
        ok = True
        for r in rows:
            v = r[c] if c < len(r) else ""
            if v == "":
                continue
            try:
                float(v)
            except ValueError:
                ok = False
                break
        numeric.append(ok)
    return [[(float(v) if v != "" else math.nan) if numeric[c] else v for c, v in enumerate(r)] for r in rows]


def format_value(v: Any) -> str:
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return ",".join(format_value(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    return str(v)


class Model:
    """A loaded endpoint; ``predict`` is safe to call from several threads."""

    def __init__(self, name: str, kind: str, inputs: int | None, call: Callable[[list[list[Any]]], Sequence[Any]]):
        self.name = name
        self.kind = kind
        self.inputs = inputs
        self._call = call

    def predict(self, rows: list[list[str]]) -> list[str]:
        if not rows:
            return []
        if self.inputs is not None:
            for r in rows:
                if len(r) != self.inputs:
                    raise MlError("ValidationError",
                                  f"endpoint {self.name} expects {self.inputs} input(s) per row, got {len(r)}")
        try:
            out = self._call(columns_as_numbers(rows))
            values = [format_value(v) for v in out]
        except MlError:
            raise
        except Exception as e:
            raise MlError("ModelError", f"endpoint {self.name}: the model failed: {type(e).__name__}: {e}") from None
        if len(values) != len(rows):
            raise MlError("ModelError", f"endpoint {self.name}: the model returned {len(values)} value(s) "
                                        f"for {len(rows)} row(s)")
        return values


def load(record: dict[str, Any]) -> Model:
    """The endpoint described by ``record`` (engine/ml/registry.py), loaded; MlError if not."""
    name, kind = record["name"], record["kind"]
    try:
        if kind == "sklearn":
            return _sklearn(name, record["model"])
        if kind == "onnx":
            return _onnx(name, record["model"])
        if kind == "handler":
            return _handler(name, record["handler"], record.get("path"))
    except MlError:
        raise
    except ImportError as e:
        raise MlError("ModelError", f"endpoint {name}: cannot load the {kind} model: {e}") from None
    except Exception as e:
        raise MlError("ModelError", f"endpoint {name}: cannot load the {kind} model: {type(e).__name__}: {e}") from None
    raise MlError("ModelError", f"endpoint {name}: unknown kind {kind!r}")


def _sklearn(name: str, path: str) -> Model:
    import joblib
    import numpy as np

    model = joblib.load(path)
    if not hasattr(model, "predict"):
        raise MlError("ModelError", f"endpoint {name}: {type(model).__name__} has no predict()")
    inputs = getattr(model, "n_features_in_", None)

    def call(rows: list[list[Any]]) -> Any:
        numeric = all(isinstance(v, float) for r in rows for v in r)
        return model.predict(np.asarray(rows, dtype=np.float64 if numeric else object))

    return Model(name, "sklearn", int(inputs) if inputs is not None else None, call)


def _onnx(name: str, path: str) -> Model:
    import numpy as np
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    first = session.get_inputs()[0]
    shape = first.shape
    inputs = shape[1] if len(shape) == 2 and isinstance(shape[1], int) else None
    dtype = {"tensor(double)": np.float64, "tensor(int64)": np.int64}.get(first.type, np.float32)
    output = session.get_outputs()[0].name

    def call(rows: list[list[Any]]) -> Any:
        return session.run([output], {first.name: np.asarray(rows, dtype=dtype)})[0]

    return Model(name, "onnx", inputs, call)


_import_lock = threading.Lock()


def _handler(name: str, spec: str, path: str | None) -> Model:
    module_name, _, func_name = spec.partition(":")
    if not module_name or not func_name:
        raise MlError("ValidationError", f"endpoint {name}: a handler is module:function, not {spec!r}")
    with _import_lock:
        if path and path not in sys.path:
            sys.path.insert(0, path)
        module = importlib.import_module(module_name)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise MlError("ModelError", f"endpoint {name}: {spec} is not a callable")
    return Model(name, "handler", None, lambda rows: list(func(rows)))
