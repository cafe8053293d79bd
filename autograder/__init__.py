"""Auto-graded Keras assignment kit.

Pipeline: source → release (nbgrader) → submissions → execution in a sandboxed kernel →
harvest (JSON artifact of what the student built) → hidden checks (pytest, clean process)
→ results / grades.csv / feedback → LMS exports and class report.
"""
import sys

__version__ = "0.1.0"

# nbformat imports jsonschema, which imports rfc3987_syntax when it is installed (jupyter_events
# pulls it in) to check "iri" formats that notebooks never use; that import builds a grammar and
# costs 1-2.4 s in every grading process (the command, each worker, each hidden-check run): a
# sixth of grading one notebook in fast mode. jsonschema treats the module as optional.
sys.modules.setdefault("rfc3987_syntax", None)
