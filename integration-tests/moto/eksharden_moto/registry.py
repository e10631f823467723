"""The record of moto's gaps this package closes, and the one way to close each.

A gap is something moto (at the pinned version) does differently from AWS that eksharden's
tests would meet. Each is declared once with `gap(...)`; every moto method replaced for it
goes through `replaces(...)` (or `adds(...)`, for what moto lacks), which checks that the method exists in moto (a renamed method
fails at import, not silently in a test), keeps the original for the replacement to call,
and files the method under its gap. New CloudFormation resource types go through
`cloudformation_type(...)`. The package's README lists the gaps from this record, and its
test suite has one test per gap (`test_<id>`).
"""

import dataclasses
import inspect


@dataclasses.dataclass
class Gap:
    """One difference from AWS, closed."""

    id: str
    area: str
    text: str
    closed_by: list = dataclasses.field(default_factory=list)


GAPS = []
CLOUDFORMATION_TYPES = []


def gap(id, text):
    """Declares a gap of the calling module: what moto does and what AWS does."""
    if any(g.id == id for g in GAPS):
        raise ValueError(f"gap {id} is declared twice")
    area = inspect.currentframe().f_back.f_globals["__name__"].rsplit(".", 1)[-1]
    declared = Gap(id, area, " ".join(text.split()))
    GAPS.append(declared)
    return declared


def _name(owner):
    return getattr(owner, "__qualname__", getattr(owner, "__name__", repr(owner)))


def replaces(owner, name, closes):
    """Decorator: the function replaces moto's `owner.name` (a method, classmethod or
    property of that name must exist) for the gap `closes`. The replaced one stays callable
    as `function.original` (a class or static method's underlying function, a property's getter)."""

    def install(function):
        if not hasattr(owner, name):
            raise AttributeError(f"{_name(owner)}.{name} is not in this moto; gap {closes.id} cannot be closed")
        current = inspect.getattr_static(owner, name)
        if isinstance(current, classmethod):
            function.original = current.__func__
            setattr(owner, name, classmethod(function))
        elif isinstance(current, staticmethod):
            function.original = current.__func__
            setattr(owner, name, staticmethod(function))
        elif isinstance(current, property):
            function.original = current.fget
            setattr(owner, name, property(function))
        else:
            function.original = current
            setattr(owner, name, function)
        closes.closed_by.append(f"{_name(owner)}.{name}")
        return function

    return install


def adds(owner, name, closes):
    """Decorator: the function becomes `owner.name`, which moto lacks (if a later moto has it,
    import fails: its own may close the gap)."""

    def install(function):
        if hasattr(owner, name):
            raise AttributeError(f"{_name(owner)}.{name} is in this moto now; is gap {closes.id} still open?")
        setattr(owner, name, function)
        closes.closed_by.append(f"{_name(owner)}.{name}")
        return function

    return install


def sets(owner, name, value, closes):
    """Sets moto's `owner.name` (which must exist) to `value` for the gap `closes`."""
    if not hasattr(owner, name):
        raise AttributeError(f"{_name(owner)}.{name} is not in this moto; gap {closes.id} cannot be closed")
    setattr(owner, name, value)
    closes.closed_by.append(f"{_name(owner)}.{name}")


def routes(urls, pattern, closes):
    """Serves `pattern` (a URL of moto's service module `urls`) with the service's dispatcher."""
    urls.url_paths[pattern] = urls.response.dispatch
    closes.closed_by.append(f"{urls.__name__}: {pattern}")


def cloudformation_type(closes):
    """Class decorator: a CloudFormation resource type moto lacks (or that replaces moto's)."""

    def register(cls):
        CLOUDFORMATION_TYPES.append(cls)
        closes.closed_by.append(cls.cloudformation_type())
        return cls

    return register


def markdown():
    """The gaps as the README lists them, by area."""
    lines = []
    for area in dict.fromkeys(g.area for g in GAPS):
        lines.append(f"### {area}")
        lines.append("")
        for g in (g for g in GAPS if g.area == area):
            lines.append(f"- `{g.id}`: {g.text} (closed by {', '.join(f'`{c}`' for c in g.closed_by)})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
