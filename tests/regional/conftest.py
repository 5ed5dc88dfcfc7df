"""One small demo release per test session, shared by the regional tests."""

import pytest


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory):
    from dtindex.demo.pipeline import run_demo

    out = tmp_path_factory.mktemp("regional-demo")
    return run_demo(out, size="small").release_dir
