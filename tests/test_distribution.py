"""The wheel users install: its contents, and the example app synthesized from it alone.

The wheel is built from this checkout and installed, without its dependencies, into a fresh
virtual environment that borrows aws-cdk-lib and constructs from the suite's environment, so
the package itself comes from the wheel and nothing from the checkout.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin directory."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # The dependencies come from the suite's environment, after the wheel on sys.path.
    (site_packages,) = (venv / "lib").glob("python3.*/site-packages")
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def test_the_wheel_carries_the_package_its_types_licence_and_readme(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(f"mme_scaling_constructs-{VERSION}.dist-info/METADATA").decode())
    assert "mme_scaling_constructs/py.typed" in names
    assert f"mme_scaling_constructs-{VERSION}.dist-info/licenses/LICENSE" in names
    assert not any(name.startswith("tests/") for name in names)
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith("# mme_scaling_constructs")


def test_the_sdist_carries_the_package_and_no_partial_test_tree(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml", "mme_scaling_constructs/py.typed"} <= names
    assert not any(name.startswith("tests/") for name in names)


def test_the_installed_package_reports_its_version(installed, tmp_path):
    result = subprocess.run(
        [str(installed / "python"), "-c", "import mme_scaling_constructs as m; print(m.__version__, m.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    version, location = result.stdout.split()
    assert version == VERSION
    assert Path(location).is_relative_to(installed.parent)


def test_the_console_script_runs(installed):
    result = subprocess.run([str(installed / "mme-scaling"), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: mme-scaling")


def test_the_example_app_synthesizes_from_the_wheel(installed, tmp_path):
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    environment = {**os.environ, "CDK_OUTDIR": str(tmp_path / "cdk.out")}
    subprocess.run(
        [str(installed / "python"), "app.py"], cwd=tmp_path, env=environment, check=True, capture_output=True
    )
    template = json.loads((tmp_path / "cdk.out" / "MmeScalingExample.template.json").read_text())
    types = [resource["Type"] for resource in template["Resources"].values()]
    assert types.count("AWS::SageMaker::Endpoint") == 2
    assert types.count("AWS::ApplicationAutoScaling::ScalableTarget") == 2
