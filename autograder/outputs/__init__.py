"""Outputs: what people and LMSs read, made from the result files only.

``feedback`` (one HTML page per student), ``grades_table`` (``grades.csv``), ``report`` (the class
report), ``exporters`` (Moodle, Canvas, Gradescope, nbgrader); shared texts and formatters are in
``texts``.
"""
