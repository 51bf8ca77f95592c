"""The public surface: every exported name resolves and is documented."""

import inspect

import pytest

import mme_scaling_constructs


def test_every_exported_name_resolves_and_has_a_docstring():
    for name in mme_scaling_constructs.__all__:
        value = getattr(mme_scaling_constructs, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_public_methods_have_docstrings():
    for name in mme_scaling_constructs.__all__:
        value = getattr(mme_scaling_constructs, name)
        if not inspect.isclass(value) or not value.__module__.startswith("mme_scaling_constructs"):
            continue
        for attribute, member in vars(value).items():
            if attribute.startswith("_") or not callable(getattr(member, "__func__", member)):
                continue
            assert inspect.getdoc(member), f"{name}.{attribute}"


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="module 'mme_scaling_constructs' has no attribute 'Nope'"):
        _ = mme_scaling_constructs.Nope


def test_package_ships_py_typed():
    from importlib.resources import files

    assert files("mme_scaling_constructs").joinpath("py.typed").is_file()
