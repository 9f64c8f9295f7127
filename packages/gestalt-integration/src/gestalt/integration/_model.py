"""``Model`` and ``field``: upstream's names for declaring operation inputs, on pydantic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

import pydantic
from pydantic_core import PydanticUndefined

T = TypeVar("T")


class Model(pydantic.BaseModel):
    """Base class for operation inputs and outputs: a pydantic model.

    Any ``pydantic.BaseModel`` works as well; this name keeps upstream code importable.
    """


@overload
def field(*, default: T, description: str = "", required: bool | None = None) -> T: ...
@overload
def field(
    *, default_factory: Callable[[], T], description: str = "", required: bool | None = None
) -> T: ...
@overload
def field(*, description: str = "", required: bool | None = None) -> Any: ...
def field(
    *,
    default: Any = PydanticUndefined,
    default_factory: Callable[[], Any] | None = None,
    description: str = "",
    required: bool | None = None,
) -> Any:
    """A model field with catalog metadata (upstream's ``field``; ``pydantic.Field`` also works).

    Args:
        default: The value when the caller leaves the field out.
        default_factory: Makes the default instead (for lists and dicts).
        description: Shown in the catalog's parameter and schema.
        required: ``True`` makes the caller give it even though it has a default.

    Returns:
        A pydantic field for a class attribute's default.
    """
    if required:
        return pydantic.Field(description=description or None)
    if default_factory is not None:
        return pydantic.Field(default_factory=default_factory, description=description or None)
    return pydantic.Field(default, description=description or None)
