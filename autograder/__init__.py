"""Auto-graded Keras assignment kit.

Pipeline: source → release (nbgrader) → submissions → execution in a sandboxed kernel →
harvest (JSON artifact of what the student built) → hidden checks (pytest, clean process)
→ results / grades.csv / feedback → LMS exports and class report.
"""
__version__ = "0.1.0"
