"""The generic layers name no assignment: the grep of the README's contributor notes finds
nothing in autograder/ outside autograder/assignments/, and each of its patterns does find the
first assignment's own files (so the grep cannot go blind)."""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

KIT_ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- generic-grep -->"


def readme_command() -> str:
    readme = (KIT_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(re.escape(MARKER) + r"\s*```bash\n(.+?)\n```", readme, re.S)
    assert block, f"README.md has no ```bash block after {MARKER}"
    return block.group(1).strip()


def alternatives(pattern: str) -> list[str]:
    """The top-level ``|`` alternatives of an extended regex."""
    parts, depth, current = [], 0, ""
    for char in pattern:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


def test_generic_packages_name_no_assignment():
    proc = subprocess.run(["bash", "-c", readme_command()], cwd=KIT_ROOT, capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout == "", \
        f"the generic layers name an assignment (grep exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"


def test_every_pattern_of_the_grep_finds_the_first_assignment():
    words = shlex.split(readme_command())
    assert words[0] == "grep" and words[-1] == "autograder/" and "--exclude-dir=assignments" in words
    pattern = words[words.index("-e") + 1]
    first = [KIT_ROOT / "autograder" / "assignments" / "td_keras_mlp", KIT_ROOT / "source" / "td_keras_mlp"]
    for alternative in alternatives(pattern):
        proc = subprocess.run(["grep", "-rqIiE", "-e", alternative, *map(str, first)], capture_output=True)
        assert proc.returncode == 0, f"{alternative!r} finds nothing of td_keras_mlp: a useless pattern"


@pytest.mark.parametrize("line, hit", [
    ('questions = {"q1": 2}', True), ("model_q3_1", True), ("input_dim=784", True),
    ("quota q12 and squeeze", False), ("7840 rows", False), ("questions = {'data': 1}", False),
])
def test_the_grep_pattern_on_sample_lines(tmp_path, line, hit):
    words = shlex.split(readme_command())
    (tmp_path / "sample.py").write_text(line + "\n", encoding="utf-8")
    proc = subprocess.run([*words[:-1], str(tmp_path)], capture_output=True, text=True)
    assert (proc.returncode == 0) == hit, proc.stdout
