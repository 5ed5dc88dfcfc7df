"""The vendored ECharts files are the ones recorded (version and sha256) in vendor/README.md."""

from __future__ import annotations

import hashlib
import re

import pytest

from dtindex.report import geo

README = geo.vendor_path("README.md").read_text(encoding="utf-8")
RECORDED = dict(re.findall(r"^\| `([^`]+)` \| `[^`]+` \| `([0-9a-f]{64})` \|$", README, flags=re.MULTILINE))


def test_every_vendored_file_is_recorded():
    files = sorted(p.name for p in geo.vendor_path("README.md").parent.iterdir() if p.name != "README.md")
    assert files == sorted(RECORDED) == sorted(
        ["echarts.min.js", "china.json", "china-cities.json", "LICENSE", "NOTICE", "LICENSE-d3"])


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_vendored_file_hash(name):
    assert hashlib.sha256(geo.vendor_path(name).read_bytes()).hexdigest() == RECORDED[name]


def test_vendored_version():
    assert geo.ECHARTS_VERSION == "4.9.0" and "echarts@4.9.0" in README
    assert 'version="4.9.0"' in geo.vendor_text("echarts.min.js")
    assert "Apache License" in geo.vendor_text("LICENSE") and "Apache ECharts" in geo.vendor_text("NOTICE")
    # inlined inside <script>: the library must not contain a closing script tag
    assert "</script" not in geo.vendor_text("echarts.min.js").lower()
