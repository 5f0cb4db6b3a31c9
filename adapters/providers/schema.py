"""A provider payload declared once, as TypedDicts, and validated two ways.

Every body is validated into the TypedDicts themselves: dicts are a third cheaper than model
instances. Only a body they refuse is validated again, by pydantic models derived here from
the same declaration, so that its error is told as models tell it (for a nested object
pydantic reports a model's error type and class name, not a TypedDict's). The models have
the TypedDicts' names, keys, aliases, constraints and configuration, so the two accept the
same bodies; ``tests/unit/providers/test_schemas.py`` checks that they do.
"""

from __future__ import annotations

from collections.abc import Callable
from types import UnionType
from typing import (
    Annotated,
    Any,
    Generic,
    NotRequired,
    Required,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model
from typing_extensions import is_typeddict

T = TypeVar("T")


class Schema(Generic[T]):
    """One payload declaration (a TypedDict, or a list of them) and its two validators."""

    def __init__(self, declaration: Any, *, name: str | None = None) -> None:
        """``name`` names the declared TypedDict's model (by default the TypedDict's name)."""
        self.declaration = declaration
        self.fast: TypeAdapter[T] = TypeAdapter(declaration)
        # The core validator, called directly: TypeAdapter.validate_json's own Python layer
        # costs about a tenth of the validation of an event.
        self.read: Callable[[bytes | str], T] = self.fast.validator.validate_json
        self.models: TypeAdapter[Any] = TypeAdapter(models_of(declaration, name=name))


def models_of(declaration: Any, *, name: str | None = None) -> Any:
    """``declaration`` with every TypedDict in it replaced by its model (see ``model_of``).

    ``name`` names the model of the declaration's own TypedDict, or of its list's.
    """
    if _is_typeddict(declaration):
        return model_of(declaration, name=name)
    origin, args = get_origin(declaration), get_args(declaration)
    if origin is list:
        return list[models_of(args[0], name=name)]  # type: ignore[misc]
    if origin is Annotated:
        return Annotated[(models_of(args[0]), *declaration.__metadata__)]
    if origin in (Union, UnionType):
        return Union[tuple(models_of(arg) for arg in args)]  # noqa: UP007
    if origin is not None and args:
        return origin[tuple(models_of(arg) for arg in args)]
    return declaration


# One model per TypedDict and name, however many declarations hold it (a body's and a batch's).
_MODELS: dict[tuple[Any, str], type[BaseModel]] = {}


def model_of(typed_dict: Any, *, name: str | None = None) -> type[BaseModel]:
    """The pydantic model of a TypedDict (or of a generic TypedDict's parametrisation).

    A key that is not required (see ``fields_of``) defaults to None, a default the parser
    never reads: it reads the dict.
    """
    model_name = name or _name(typed_dict)
    known = _MODELS.get((typed_dict, model_name))
    if known is not None:
        return known
    origin = get_origin(typed_dict) or typed_dict
    fields: dict[str, Any] = {
        key: (models_of(hint), ... if required else None)
        for key, (hint, required) in fields_of(typed_dict).items()
    }
    model = create_model(
        model_name,
        __config__=_config(origin),
        __doc__=origin.__doc__,
        __module__=origin.__module__,
        **fields,
    )
    _MODELS[(typed_dict, model_name)] = model
    return model


def fields_of(typed_dict: Any) -> dict[str, tuple[Any, bool]]:
    """Each key of a TypedDict: its type (type variables resolved) and whether it is required.

    A key is required exactly when pydantic requires it of the TypedDict: declared in a total
    class or marked ``Required``, and not marked ``NotRequired``.
    """
    origin = get_origin(typed_dict) or typed_dict
    typevars = dict(zip(getattr(origin, "__parameters__", ()), get_args(typed_dict), strict=True))
    fields: dict[str, tuple[Any, bool]] = {}
    for key, hint in get_type_hints(origin, include_extras=True).items():
        required = key in origin.__required_keys__
        if get_origin(hint) is Required:
            required, hint = True, get_args(hint)[0]
        elif get_origin(hint) is NotRequired:
            required, hint = False, get_args(hint)[0]
        fields[key] = (_substituted(hint, typevars), required)
    return fields


def _is_typeddict(hint: Any) -> bool:
    return is_typeddict(get_origin(hint) or hint)


def _name(typed_dict: Any) -> str:
    """The TypedDict's name; a parametrisation's as pydantic names a generic model's."""
    origin = get_origin(typed_dict)
    if origin is None:
        return str(typed_dict.__name__)
    return f"{origin.__name__}[{', '.join(arg.__name__ for arg in get_args(typed_dict))}]"


def _substituted(hint: Any, typevars: dict[Any, Any]) -> Any:
    """``hint`` with a generic TypedDict's type variables replaced by its arguments."""
    if not typevars:
        return hint
    if isinstance(hint, TypeVar):
        return typevars[hint]
    parameters = getattr(hint, "__parameters__", ())
    return hint[tuple(typevars[parameter] for parameter in parameters)] if parameters else hint


def _config(typed_dict: Any) -> ConfigDict:
    """The ``__pydantic_config__`` the TypedDict declares or, as pydantic reads it, inherits."""
    own: ConfigDict | None = vars(typed_dict).get("__pydantic_config__")
    if own is not None:
        return own
    for base in getattr(typed_dict, "__orig_bases__", ()):
        if is_typeddict(base):
            return _config(base)
    return ConfigDict()
