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


def numeric_rows(body: str) -> Any | None:
    """A CSV body of numbers only (no quotes, no empty values, rows of one width) as a 2-D
    float64 array, parsed by numpy; None for anything else (the general path takes it)."""
    if '"' in body:
        return None
    lines = body.splitlines()
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        return None
    width = lines[0].count(",") + 1
    flat = ",".join(lines).split(",")
    if len(flat) != width * len(lines) or "" in flat:
        return None
    import numpy as np

    try:
        return np.array(flat, dtype=np.float64).reshape(len(lines), width)
    except ValueError:
        return None


def format_values(out: Any) -> list[str]:
    """One text per prediction; a 1-D array of integers without a Python call per value."""
    kind = getattr(getattr(out, "dtype", None), "kind", None)
    if kind in ("i", "u") and getattr(out, "ndim", 0) == 1:
        return [str(v) for v in out.tolist()]
    return [format_value(v) for v in out]


class Model:
    """A loaded endpoint; ``predict`` is safe to call from several threads."""

    def __init__(self, name: str, kind: str, inputs: int | None, call: Callable[[Any], Sequence[Any]]):
        self.name = name
        self.kind = kind
        self.inputs = inputs
        self._call = call

    def predict_csv(self, body: str) -> list[str]:
        """SageMaker's ``text/csv``: one value per row of ``body``."""
        array = numeric_rows(body)
        if array is None:
            return self.predict(parse_csv(body))
        self._check_width(array.shape[1])
        return self._run(array, array.shape[0])

    def predict(self, rows: list[list[str]]) -> list[str]:
        if not rows:
            return []
        for r in rows:
            self._check_width(len(r))
        return self._run(columns_as_numbers(rows), len(rows))

    def _check_width(self, width: int) -> None:
        if self.inputs is not None and width != self.inputs:
            raise MlError("ValidationError", f"endpoint {self.name} expects {self.inputs} input(s) per row, got {width}")

    def _run(self, data: Any, rows: int) -> list[str]:
        try:
            values = format_values(self._call(data))
        except MlError:
            raise
        except Exception as e:
            raise MlError("ModelError", f"endpoint {self.name}: the model failed: {type(e).__name__}: {e}") from None
        if len(values) != rows:
            raise MlError("ModelError", f"endpoint {self.name}: the model returned {len(values)} value(s) "
                                        f"for {rows} row(s)")
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

    def call(rows: Any) -> Any:
        if isinstance(rows, np.ndarray):
            return model.predict(rows)
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

    def call(rows: Any) -> Any:
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
    return Model(name, "handler", None, lambda rows: list(func(rows.tolist() if hasattr(rows, "tolist") else rows)))
