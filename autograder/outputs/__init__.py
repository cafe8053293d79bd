"""Outputs: what people and LMSs read, made from the result files (and, for the written
answers, the executed notebooks).

``feedback`` (one HTML page per student), ``grades_table`` (``grades.csv``), ``report`` (the class
report), ``exporters`` (Moodle, Canvas, Gradescope, nbgrader), ``answers`` (the written answers,
one page per manual check, and ``manual_grades.csv`` to fill), ``manual`` (``merge``: the points
graded by hand folded into the results and everything made from them); shared texts and
formatters are in ``texts``.
"""
