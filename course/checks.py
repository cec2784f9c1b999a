"""Student-facing checks: tests that explain what is wrong in plain language.

The exercise tests in the notebooks call these instead of bare ``assert``.
Each check is silent when the answer is right and otherwise raises
:class:`CheckFailed` (an ``AssertionError``, so nbgrader counts a failed
test) whose message says what was expected, what was found, and, where it
can tell, the likely mistake::

    from course.checks import check_array, check_model
    check_array(one_hot, expected, name="one_hot")
    check_model(model, [("Dense", 512, "relu"), ("Dense", 10, "softmax")], params=407_050)

A shape error reads like::

    `one_hot` has the wrong shape.
      expected: (8, 10)
      got:      (10, 8)
      Hint: the axes look swapped; a transpose (x.T) would fix the shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "CheckFailed",
    "check",
    "check_type",
    "check_callable",
    "check_shape",
    "check_dtype",
    "check_array",
    "check_close",
    "check_equal",
    "check_model",
    "describe_layer",
]


class CheckFailed(AssertionError):
    """A check did not pass; the message is meant for the student."""


def _fail(message: str, hint: str | None = None) -> None:
    if hint:
        message += f"\n  Hint: {hint}"
    raise CheckFailed(message)


def check(condition: bool, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` (and an optional hint) unless ``condition`` holds."""
    if not condition:
        _fail(message, hint)


# --------------------------------------------------------------------------------------
# Values and types
# --------------------------------------------------------------------------------------


def check_type(value: Any, expected: type | tuple[type, ...], name: str = "value") -> None:
    """Check that ``value`` is an instance of ``expected``."""
    if isinstance(value, expected):
        return
    names = (
        " or ".join(t.__name__ for t in expected)
        if isinstance(expected, tuple)
        else expected.__name__
    )
    hint = None
    if value is None:
        hint = "it is None: did the function forget to `return` its result?"
    elif value is Ellipsis:
        hint = "this is still the placeholder `...`; replace it with your answer."
    _fail(f"`{name}` should be a {names}, but it is a {type(value).__name__}.", hint)


def check_callable(value: Any, name: str = "function") -> None:
    """Check that ``value`` can be called (a function the student had to write)."""
    if not callable(value):
        _fail(f"`{name}` should be a function, but it is a {type(value).__name__}.")


def _as_array(value: Any, name: str) -> np.ndarray:
    """Convert NumPy arrays, tf/Keras tensors, scalars and lists to a NumPy array."""
    if value is None:
        _fail(f"`{name}` is None.", "did the function forget to `return` its result?")
    if value is Ellipsis:
        _fail(f"`{name}` is still the placeholder `...`.", "replace it with your answer.")
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    try:
        return np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        _fail(
            f"`{name}` cannot be turned into an array ({exc}).",
            "nested lists must all have the same length to form a tensor.",
        )
    raise AssertionError("unreachable")


def _shape_hint(got: tuple[int, ...], expected: Sequence[int | None]) -> str | None:
    exp = tuple(expected)
    if None in exp:
        return None
    if len(got) == len(exp) and sorted(got) == sorted(exp):
        if got == exp[::-1]:
            return "the axes look swapped; a transpose (x.T) would fix the shape."
        return "same sizes in another order: check the order of the axes (transpose / reshape)."
    if len(got) + 1 == len(exp) and exp[0] == 1 and got == exp[1:]:
        return "the leading batch axis is missing; add it with x[None] or np.expand_dims(x, 0)."
    if len(got) == len(exp) + 1 and got[0] == 1 and got[1:] == exp:
        return "there is an extra leading axis of size 1; remove it with x[0] or np.squeeze."
    if len(got) == len(exp) + 1 and got[-1] == 1 and got[:-1] == exp:
        return "there is an extra trailing axis of size 1 (e.g. from a (n, 1) column)."
    if len(got) + 1 == len(exp) and exp[-1] == 1 and got == exp[:-1]:
        return "a trailing axis of size 1 is missing (e.g. the channels axis of a grey image)."
    if int(np.prod(got)) == int(np.prod(exp)) and got:
        return "the number of values is right; only the shape differs (a reshape?)."
    if len(got) != len(exp):
        return f"the rank differs: {len(got)} axes instead of {len(exp)}."
    return None


def check_shape(value: Any, expected: Sequence[int | None], name: str = "array") -> None:
    """Check the shape of an array or tensor; ``None`` in ``expected`` matches any length."""
    got = tuple(int(d) for d in _as_array(value, name).shape)
    exp = tuple(expected)
    ok = len(got) == len(exp) and all(e is None or g == e for g, e in zip(got, exp, strict=True))
    if not ok:
        shown = "(" + ", ".join("any" if e is None else str(e) for e in exp)
        shown += ",)" if len(exp) == 1 else ")"
        _fail(
            f"`{name}` has the wrong shape.\n  expected: {shown}\n  got:      {got}",
            _shape_hint(got, exp),
        )


def check_dtype(value: Any, expected: Any, name: str = "array") -> None:
    """Check the dtype. ``expected`` is a dtype (``"float32"``) or a kind: ``"float"``,
    ``"integer"``, ``"bool"`` or ``"number"``."""
    got = _as_array(value, name).dtype
    kinds = {"float": np.floating, "integer": np.integer, "bool": np.bool_, "number": np.number}
    if isinstance(expected, str) and expected in kinds:
        ok, wanted = np.issubdtype(got, kinds[expected]), f"a {expected} dtype"
    else:
        ok, wanted = got == np.dtype(expected), str(np.dtype(expected))
    if not ok:
        hint = None
        if got.kind == "O":
            hint = "an object array usually means ragged lists or mixed types."
        elif np.issubdtype(got, np.floating) and expected in ("integer", "int32", "int64", "uint8"):
            hint = "convert with .astype(...) once the values are whole numbers."
        _fail(f"`{name}` has dtype {got}, but it should have {wanted}.", hint)


def _value_hint(got: np.ndarray, exp: np.ndarray, rtol: float, atol: float) -> str | None:
    if np.isnan(got).any() and not np.isnan(exp).any():
        return "the result contains NaN: look for a division by zero or a log of 0."
    if got.ndim == 2 and got.shape == exp.T.shape and np.allclose(got, exp.T, rtol, atol):
        return "these are the expected values transposed."
    if np.allclose(got, -exp, rtol, atol):
        return "the values have the wrong sign."
    diff = got - exp
    if diff.size > 1 and np.allclose(diff, diff.flat[0], rtol=0, atol=max(atol, 1e-6)):
        return f"every value is off by the same amount ({diff.flat[0]:.4g})."
    nonzero = np.abs(exp) > 1e-12
    if nonzero.any():
        ratios = got[nonzero] / exp[nonzero]
        if np.allclose(ratios, ratios[0], rtol=1e-6) and not np.isclose(ratios[0], 1):
            return f"every value is {ratios[0]:.4g} times the expected one (a scaling factor?)."
    if (got >= 0).all() and (exp < 0).any() and np.allclose(np.maximum(exp, 0), got, rtol, atol):
        return "your values equal the expected ones with negatives set to 0: is a relu extra?"
    if (exp >= 0).all() and (got < 0).any() and np.allclose(np.maximum(got, 0), exp, rtol, atol):
        return "the expected values have no negatives: is the relu missing?"
    return None


def check_array(
    value: Any,
    expected: Any,
    name: str = "array",
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    dtype: Any = None,
) -> None:
    """Check an array's shape and values against ``expected`` (within a tolerance).

    Works with NumPy arrays, tf tensors and lists. On a mismatch the message
    says how many values differ, where the first one is, and the largest
    difference. ``dtype`` (optional) is checked with :func:`check_dtype`.
    """
    exp = _as_array(expected, "expected")
    got = _as_array(value, name)
    check_shape(got, exp.shape, name)
    if dtype is not None:
        check_dtype(got, dtype, name)
    if got.dtype == object:
        _fail(f"`{name}` holds Python objects, not numbers.", "ragged lists or mixed types?")
    if exp.dtype.kind in "biu" and got.dtype.kind in "biu":
        bad = got != exp
    else:
        g, e = got.astype(np.float64), exp.astype(np.float64)
        bad = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return
    n_bad = int(bad.sum())
    where = tuple(int(i) for i in np.argwhere(bad)[0]) if got.ndim else ()
    gd, ed = got.astype(np.float64), exp.astype(np.float64)
    largest = float(np.nanmax(np.abs(gd - ed))) if got.size else 0.0
    message = (
        f"`{name}` has the right shape {tuple(got.shape)} but {n_bad} of {got.size} values "
        f"differ from the expected ones.\n"
        f"  first difference at index {where}: "
        f"expected {exp[where].item()!r}, got {got[where].item()!r}\n"
        f"  largest difference: {largest:.4g} (tolerance: rtol={rtol:g}, atol={atol:g})"
    )
    _fail(message, _value_hint(gd, ed, rtol, atol))


def check_close(
    value: Any, expected: float, name: str = "value", *, rtol: float = 1e-5, atol: float = 1e-8
) -> None:
    """Check that a number is within a tolerance of ``expected``."""
    check_type(value, (int, float, np.number, np.ndarray) + _tensor_types(), name)
    got = float(np.asarray(value.numpy() if hasattr(value, "numpy") else value))
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        _fail(f"`{name}` is {got:.6g}, but it should be {expected:.6g}.")


def check_equal(value: Any, expected: Any, name: str = "value") -> None:
    """Check exact equality of plain Python values (numbers, strings, tuples, lists)."""
    if isinstance(expected, tuple) and isinstance(value, list):
        value = tuple(value)
    if value is Ellipsis:
        _fail(f"`{name}` is still the placeholder `...`.", "replace it with your answer.")
    if value != expected:
        _fail(f"`{name}` is {value!r}, but it should be {expected!r}.")


def _tensor_types() -> tuple[type, ...]:
    import sys

    tf = sys.modules.get("tensorflow")
    return (tf.Tensor, tf.Variable) if tf is not None else ()


# --------------------------------------------------------------------------------------
# Keras models
# --------------------------------------------------------------------------------------

LayerSpec = tuple[Any, ...] | dict[str, Any] | str


def _activation_name(layer: Any) -> str | None:
    act = getattr(layer, "activation", None)
    return None if act is None else getattr(act, "__name__", str(act))


def describe_layer(layer: Any) -> str:
    """A short readable form of a Keras layer, e.g. ``Dense(512, activation='relu')``."""
    kind = type(layer).__name__
    args = []
    for attr in ("units", "filters"):
        if getattr(layer, attr, None) is not None:
            args.append(str(getattr(layer, attr)))
    if getattr(layer, "kernel_size", None) is not None:
        args.append(f"kernel_size={tuple(layer.kernel_size)}")
    if kind == "Dropout":
        args.append(f"rate={layer.rate}")
    act = _activation_name(layer)
    if act is not None and act != "linear":
        args.append(f"activation={act!r}")
    return f"{kind}({', '.join(args)})"


def _normalise_spec(spec: LayerSpec) -> dict[str, Any]:
    if isinstance(spec, str):
        return {"type": spec}
    if isinstance(spec, dict):
        return dict(spec)
    keys = ("type", "size", "activation")
    if len(spec) > len(keys):
        raise ValueError(f"a layer spec has at most {len(keys)} items, got {spec!r}")
    return {k: v for k, v in zip(keys, spec, strict=False) if v is not None}


def _spec_text(spec: dict[str, Any]) -> str:
    args = [str(spec[k]) for k in ("size", "units", "filters") if k in spec]
    if "activation" in spec:
        args.append(f"activation={spec['activation']!r}")
    args += [f"{k}={v!r}" for k, v in spec.items() if k not in {"type", "size", "units",
                                                              "filters", "activation"}]  # fmt: skip
    return f"{spec['type']}({', '.join(args)})"


def _layer_matches(layer: Any, spec: dict[str, Any]) -> bool:
    if type(layer).__name__ != spec["type"]:
        return False
    size = spec.get("size", spec.get("units", spec.get("filters")))
    if size is not None and getattr(layer, "units", getattr(layer, "filters", None)) != size:
        return False
    if "activation" in spec and (_activation_name(layer) or "linear") != spec["activation"]:
        return False
    for key, value in spec.items():
        if key in {"type", "size", "units", "filters", "activation"}:
            continue
        actual = getattr(layer, key, None)
        if isinstance(value, tuple) and actual is not None:
            actual = tuple(actual)
        if actual != value:
            return False
    return True


def check_model(
    model: Any,
    layers: Sequence[LayerSpec] | None = None,
    *,
    params: int | None = None,
    input_shape: Sequence[int | None] | None = None,
    output_shape: Sequence[int | None] | None = None,
    compiled: bool | None = None,
    loss: str | Callable[..., Any] | None = None,
    name: str = "model",
) -> None:
    """Check a Keras model's layers, parameter count, shapes and compilation.

    ``layers`` lists the expected layers in order (input layers excluded), each
    as ``"Flatten"``, ``("Dense", 512, "relu")`` (type, units or filters,
    activation) or a dict such as ``{"type": "Conv2D", "filters": 32,
    "kernel_size": (3, 3), "activation": "relu"}``. Use ``None`` to skip a
    field: ``("Dense", None, "relu")``.
    """
    import keras

    if model is None or model is Ellipsis:
        _fail(f"`{name}` is {model!r}.", "build the model and assign it to the variable.")
    if not isinstance(model, keras.Model):
        _fail(f"`{name}` should be a Keras model, but it is a {type(model).__name__}.")
    got_layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    if layers is not None:
        specs = [_normalise_spec(s) for s in layers]
        listing = "\n".join(f"    {i + 1}. {describe_layer(la)}" for i, la in enumerate(got_layers))
        wanted = "\n".join(f"    {i + 1}. {_spec_text(s)}" for i, s in enumerate(specs))
        for i, (layer, spec) in enumerate(zip(got_layers, specs, strict=False)):
            if not _layer_matches(layer, spec):
                _fail(
                    f"layer {i + 1} of `{name}` should be {_spec_text(spec)}, "
                    f"but it is {describe_layer(layer)}.\n  expected layers:\n{wanted}\n"
                    f"  your layers:\n{listing}"
                )
        if len(got_layers) != len(specs):
            _fail(
                f"`{name}` has {len(got_layers)} layers, but it should have {len(specs)}.\n"
                f"  expected layers:\n{wanted}\n  your layers:\n{listing}"
            )
    if params is not None or input_shape is not None or output_shape is not None:
        if not model.built:
            _fail(
                f"`{name}` is not built yet, so its weights do not exist.",
                "start the model with keras.Input(shape=...) or call model.build(...).",
            )
    if params is not None and model.count_params() != params:
        _fail(
            f"`{name}` has {model.count_params():,} parameters, but it should have {params:,}.",
            "compare the layer sizes with the specification (model.summary() lists them).",
        )
    for label, want, got in (
        ("input shape", input_shape, lambda: model.inputs[0].shape),
        ("output shape", output_shape, lambda: model.outputs[0].shape),
    ):
        if want is None:
            continue
        actual = tuple(got())
        if len(actual) != len(want) or any(
            w is not None and a != w for a, w in zip(actual, want, strict=False)
        ):
            _fail(f"`{name}` has {label} {actual}, but it should be {tuple(want)}.")
    if compiled is not None or loss is not None:
        is_compiled = getattr(model, "optimizer", None) is not None and model.compiled
        if compiled and not is_compiled:
            _fail(f"`{name}` is not compiled.", "call model.compile(optimizer=..., loss=...).")
        if loss is not None:
            got_loss = getattr(model, "loss", None)
            got_name = got_loss if isinstance(got_loss, str) else getattr(
                got_loss, "name", getattr(got_loss, "__name__", repr(got_loss)))  # fmt: skip
            want_name = loss if isinstance(loss, str) else getattr(loss, "__name__", repr(loss))
            if got_name != want_name:
                _fail(f"`{name}` is compiled with loss {got_name!r}; it should be {want_name!r}.")
