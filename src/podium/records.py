"""`quick_init`: a frozen dataclass whose instances are built in one dictionary update.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__`, a
call per field, because its own `__setattr__` refuses. The engine builds a few such records
for every step it runs (a history event, a workflow record per claim), and for a record of
twenty fields those calls were a tenth of the bytecodes of a whole workflow. The `__init__`
made here takes the same parameters (names, order, defaults) and fills the instance's
`__dict__` with one dictionary instead. The class stays a frozen dataclass: its fields,
`__eq__`, `__hash__`, `__repr__`, `dataclasses.replace` and the refused assignment are the
ones `dataclasses` made.

Only plain fields are taken (no `default_factory`, `InitVar`, keyword-only or `init=False`
field, no `__post_init__`), and the decorator says so at import time otherwise.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Give the frozen dataclass `cls` an `__init__` that fills `__dict__` at once."""
    params = dataclasses.fields(cls)  # type: ignore[arg-type]
    _check(cls, params)
    defaults = {
        f"_default_{field.name}": field.default
        for field in params
        if field.default is not dataclasses.MISSING
    }
    signature = ", ".join(
        f"{field.name}=_default_{field.name}"
        if f"_default_{field.name}" in defaults
        else field.name
        for field in params
    )
    values = ", ".join(f"{field.name!r}: {field.name}" for field in params)
    source = f"def __init__(self, {signature}):\n    self.__dict__.update({{{values}}})\n"
    namespace: dict[str, Any] = dict(defaults)
    exec(source, namespace)  # the text holds only the checked field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def _check(cls: type[Any], params: tuple[dataclasses.Field[Any], ...]) -> None:
    """Refuse a class `quick_init` would build differently from `dataclasses`."""
    options = getattr(cls, "__dataclass_params__", None)
    if options is None or not options.frozen:
        raise TypeError(f"quick_init: {cls.__qualname__} must be a frozen dataclass")
    if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        raise TypeError(f"quick_init: {cls.__qualname__} has __post_init__ or __slots__")
    for field in params:
        if (
            not field.init
            or field.kw_only
            or field.default_factory is not dataclasses.MISSING
            or not field.name.isidentifier()
        ):
            raise TypeError(
                f"quick_init: field {field.name!r} of {cls.__qualname__} is not a plain field"
            )
    taken = list(inspect.signature(cls.__init__).parameters)[1:]
    if taken != [field.name for field in params]:  # an InitVar, or a field it does not take
        raise TypeError(f"quick_init: {cls.__qualname__} takes other parameters than its fields")
