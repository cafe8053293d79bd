"""The feedback page shows what each passed check verified, one note per line (no kernel)."""
from __future__ import annotations

import re

from autograder.outputs.feedback import render_feedback
from autograder.results import CheckResult
from result_factory import make_result

NOTES = "structure de `model_q3_3` : 784 → Dense(128, relu) ×3 → Dense(10, softmax)\n" \
        "`model_q3_3` a été entraîné (10 époques)"


def test_each_note_of_a_passed_check_is_its_own_line_and_nothing_else_is_added():
    result = make_result("alice")
    checks = result.questions["q3"].checks
    checks[0] = CheckResult("q3_three_hidden", True, 1.5, 1.5, NOTES)
    checks[1] = CheckResult("q3_other", True, 1.5, 1.5, "")
    page = render_feedback(result, "fr")
    item = re.search(r'<li class="passed">(?:(?!</li>).)*q3_three_hidden.*?</li>', page, re.S).group(0)
    paragraphs = re.findall(r"<p>(.*?)</p>", item, re.S)
    assert paragraphs == ["structure de <code>model_q3_3</code> : 784 → Dense(128, relu) ×3 → Dense(10, softmax)",
                          "<code>model_q3_3</code> a été entraîné (10 époques)"]   # names as inline code
    other = re.search(r'<li class="passed">(?:(?!</li>).)*q3_other.*?</li>', page, re.S).group(0)
    assert re.findall(r"<p>(.*?)</p>", other, re.S) == ["Vérification réussie."]   # an old result: the default
    assert "Check passed." in render_feedback(result, "en")
