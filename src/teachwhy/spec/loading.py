"""Read a user's YAML file into a schema, turning every failure into named, fixable problems."""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from teachwhy.spec.errors import Problem, SpecError

M = TypeVar("M", bound=BaseModel)


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a missing file, bad encoding or syntax error becomes a SpecError."""
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise SpecError([Problem(name, "", "file not found", "check the path")])
    if p.is_dir():
        raise SpecError([Problem(name, "", "is a folder, not a file", "pass a YAML file")])
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(
            [Problem(name, "", f"not UTF-8 text (byte {e.start})", "save the file as UTF-8 YAML")]
        ) from None
    if "\x00" in text:
        raise SpecError([Problem(name, "", "binary data, not YAML text", "pass a YAML file")])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise SpecError(
            [Problem(name, "", f"YAML syntax error at {where}{what}", "fix the YAML syntax there")]
        ) from None
    if data is None:
        raise SpecError([Problem(name, "", "file is empty", "write the YAML content")])
    return data


def load_model(path: str | Path, model: type[M], overrides: dict[str, Any] | None = None) -> M:
    """Load a YAML file into `model`, with optional `key=value` overrides merged on top."""
    data = load_yaml(path)
    if overrides:
        data = merge_overrides(data, overrides) if isinstance(data, dict) else data
    return validate(data, model, str(path))


def validate(data: Any, model: type[M], file: str) -> M:
    """Validate already-parsed data; schema and cross-field problems raise one SpecError."""
    if not isinstance(data, dict):
        raise SpecError(
            [
                Problem(
                    file,
                    "",
                    f"expected a mapping of keys at the top level, got {type_name(data)}",
                    f"start the file with the keys of a {model.__name__}: "
                    + ", ".join(model.model_fields),
                )
            ]
        )
    try:
        instance = model.model_validate(data)
    except ValidationError as e:
        raise SpecError([problem_from_error(file, model, err) for err in e.errors()]) from None
    extra = getattr(instance, "field_problems", None)
    problems = [Problem(file, p.path, p.message, p.fix) for p in (extra() if extra else [])]
    if problems:
        raise SpecError(problems)
    return instance


def merge_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Apply dotted `a.b.c` keys onto a nested mapping (copying what it changes)."""
    merged = dict(data)
    for dotted, value in overrides.items():
        node = merged
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            node[part] = dict(child) if isinstance(child, dict) else {}
            node = node[part]
        node[parts[-1]] = value
    return merged


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """`key=value` strings from a command line into a dict; values are parsed as YAML scalars."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise SpecError(
                [Problem("command line", pair, "override is not key=value", "write e.g. lr=1e-4")]
            )
        try:
            result[key.strip()] = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError:
            result[key.strip()] = raw
    return result


def format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), type(value).__name__ if value is not None else "nothing (null)"
    )


def model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The schema class that holds the last key of `loc` (walking through lists and dicts)."""
    current: Any = model
    dict_key_next = False
    for part in loc:
        if isinstance(part, int):
            continue
        if dict_key_next:  # a user-chosen key of a dict field (e.g. a stage name), not a field
            dict_key_next = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return current
        dict_key_next = typing.get_origin(field.annotation) is dict
        current = unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def unwrap(annotation: Any) -> Any:
    """list[X] / X | None / Annotated[X, ...] -> X."""
    origin = typing.get_origin(annotation)
    if origin is None:
        return annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Annotated:
        return unwrap(args[0])
    if origin is typing.Literal:
        return annotation
    if origin in (list, tuple, set) or (args and len(args) == 1):
        return unwrap(args[0]) if args else annotation
    for a in args:
        inner = unwrap(a)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def field_info(model: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    parent = model_at(model, loc[: max(i for i, p in enumerate(loc) if isinstance(p, str))])
    return parent.model_fields.get(keys[-1]) if parent else None


def problem_from_error(file: str, model: type[BaseModel], err: Any) -> Problem:
    """One pydantic error -> one Problem whose fix comes from the field's own docstring."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    path = format_loc(loc)
    kind = err["type"]
    info = field_info(model, loc)
    doc = (info.description or "").rstrip(".") if info else ""
    value = err.get("input")
    if kind == "missing":
        return Problem(file, path, "missing", doc[:1].lower() + doc[1:] if doc else "add it")
    if kind == "extra_forbidden":
        parent = model_at(model, loc[:-1]) if len(loc) > 1 else model
        allowed = list(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        fix = f"did you mean '{close[0]}'? " if close else ""
        return Problem(file, path, "unknown key", fix + "allowed keys here: " + ", ".join(allowed))
    if kind == "string_pattern_mismatch":
        return Problem(
            file, path, f"'{value}' is not a slug", "use lowercase letters, digits, '-' or '_'"
        )
    if kind in ("string_too_short", "too_short") and not (
        value.strip() if isinstance(value, str) else value
    ):
        return Problem(file, path, "empty", doc or err["msg"])
    if kind == "too_short":
        return Problem(file, path, err["msg"].lower(), doc)
    if kind == "literal_error":
        return Problem(file, path, f"'{value}' is not allowed", err["msg"].replace("Input", "it"))
    msg = err["msg"]
    if kind.endswith("_type") or kind.endswith("_parsing"):
        msg = f"{msg[0].lower()}{msg[1:]}, got {type_name(value)}"
    return Problem(file, path, msg, doc)
