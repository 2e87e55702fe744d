"""Importing this module registers every command family: each module of the package that
defines commands registers them with `@command` when imported."""

import importlib
import pkgutil

import app.providers.sim.shell as _package

_NOT_FAMILIES = {"commands", "registry", "session", "interpreter", "parser", "twin"}

for _info in pkgutil.iter_modules(_package.__path__):
    if _info.name not in _NOT_FAMILIES:
        importlib.import_module(f"app.providers.sim.shell.{_info.name}")
