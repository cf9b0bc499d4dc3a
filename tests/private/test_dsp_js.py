"""Private mode's JavaScript DSP (dsp.js), tested by node's test runner (tests/private/js).

The agreement test there runs tests/private/js/dsp_reference.py with this interpreter to
get the Python engine's numbers.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

JS_TESTS = Path(__file__).resolve().parent / "js"


def test_the_javascript_dsp_passes_its_node_tests() -> None:
    node = shutil.which("node")
    assert node, "node (Node.js 20) is needed for private mode's JavaScript tests"
    files = sorted(str(path) for path in JS_TESTS.glob("*.test.mjs"))
    assert files, f"no *.test.mjs files in {JS_TESTS}"
    result = subprocess.run(
        [node, "--test", *files],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
