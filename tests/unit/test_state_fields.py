"""Every name a page state assigns (``self.x = …``) is declared on that state.

Reflex refuses an undeclared name only outside prod mode (``SetUndefinedStateVarError``); in prod it becomes a
plain attribute that is never sent to the browser nor kept with the session. So a handler that sets a name of
another state (a copy-paste slip) works in ``make run`` and in the browser tests, and fails for a developer
running the app in dev mode. This test reads each state module's source and asks Reflex's own check whether each
assigned name is declared (a var, a backend var, a property).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import pytest
import reflex as rx
from reflex.state import _has_data_descriptor, _is_plain_private_name

import state


def _state_classes() -> list[type]:
    classes: dict[str, type] = {}
    for module_info in pkgutil.iter_modules(state.__path__):
        module = importlib.import_module(f"state.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, rx.State) and cls.__module__ == module.__name__ and not cls._mixin:
                classes[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [classes[name] for name in sorted(classes)]


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    return []


def _self_names(target: ast.expr) -> list[str]:
    """``x`` of every ``self.x`` that ``target`` assigns (tuples unpacked)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _self_names(element)]
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        return [target.attr]
    return []


def assigned_names(cls: type) -> dict[str, int]:
    """Name → line of each ``self.<name> = …`` in the methods defined in ``cls``'s own body."""
    source = inspect.getsource(cls)
    first_line = inspect.getsourcelines(cls)[1]
    tree = ast.parse(source.replace("\n    ", "\n") if source.startswith("    ") else source)
    names: dict[str, int] = {}
    for node in ast.walk(tree):
        for target in _targets(node):
            for name in _self_names(target):
                names.setdefault(name, first_line + node.lineno - 1)
    return names


def declared(cls: type, name: str) -> bool:
    """Reflex's own test of ``BaseState.__setattr__`` outside prod mode (a field, a backend var, a property or a
    mangled private name)."""
    return _is_plain_private_name(cls, name) or _has_data_descriptor(cls, name)


STATES = _state_classes()


def test_the_page_states_are_found():
    names = {cls.__name__ for cls in STATES}
    assert {"ProjectFormState", "NeedFormState", "CustomListsState", "RankingsState", "SessionState"} <= names


@pytest.mark.parametrize("cls", STATES, ids=lambda cls: cls.__name__)
def test_every_assigned_name_is_declared(cls):
    undeclared = {name: line for name, line in assigned_names(cls).items() if not declared(cls, name)}
    assert undeclared == {}, f"{cls.__name__} assigns names it does not declare (name: line): {undeclared}"
