"""The project's shape as Scrapy users and newcomers meet it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scrapy_list_prints_both_spiders():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["inakoran", "kyodo"]


def test_archive_package_imports_without_scrapy_or_crawler():
    code = ("import sys, archive.index, archive.warc, archive.search, archive.verify, archive.reindex, "
            "archive.report, archive.serve, archive.wacz, archive.cdxj, archive.writer, archive.dedupe, "
            "archive.schema; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('scrapy', 'crawler', 'twisted')]; "
            "assert not bad, bad")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_dependencies_are_bounded_and_the_license_is_spdx():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"  # an SPDX expression, not the deprecated table
    requirements = {Requirement(line).name: Requirement(line) for line in project["dependencies"]}
    assert "dateparser" not in requirements  # nothing imports it
    unbounded = {"tzdata", "pyarrow"}  # data only; a major release every quarter (see the comments)
    for name, requirement in requirements.items():
        operators = {spec.operator for spec in requirement.specifier}
        assert name in unbounded or "<" in operators, f"{name}: no upper bound"
        assert name == "tzdata" or ">=" in operators, f"{name}: no lower bound"
    assert str(requirements["scrapy"].specifier) in (">=2.19,<2.20", "<2.20,>=2.19")


def test_the_lock_satisfies_every_declared_range():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = {canonicalize_name(name): version for name, version in (
        line.split(" ")[0].split("==") for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith((" ", "#")))}
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)  # the lock writes names as pip normalises them (PySastrawi)
        assert name in locked, f"{requirement.name} is not in requirements.lock"
        assert locked[name] in requirement.specifier, f"{requirement.name}=={locked[name]}"
