"""nbgrader configuration of the course (run nbgrader commands from this folder).

Layout: source/<assignment>/ → release/<assignment>/ (committed), and for the nbgrader path
submitted/<student>/<assignment>/ → autograded/ → feedback/ (not committed).
"""
import os

from autograder.assignments import available_assignments, load_assignment

# The kernels started by `nbgrader autograde` inherit this process's environment: give them each
# assignment's data settings (its SPEC's DataSettings: e.g. the offline real-data sample unless
# AUTOGRADER_DATA_SOURCE says otherwise), without overriding what the grader already set.
for _name in available_assignments():
    for _key, _value in load_assignment(_name).data.kernel_env().items():
        os.environ.setdefault(_key, _value)

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "td-keras-mlp"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# the data module and the self-check module are released with the notebook
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# French stubs in the student version
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"

# Training cells take far longer than nbgrader's 30 s default.
c.Execute.timeout = 900
c.Execute.interrupt_on_timeout = True
# Record every Model.fit call before any student cell runs (the hidden checks need it), and
# let the grader, not the student, choose where the data comes from.
c.Execute.extra_arguments = [
    "--IPKernelApp.exec_lines=['import autograder.kernel.recorder as _r; _r.install(fast=False)']"
]
c.Execute.iopub_timeout = 30

# Hidden checks run as code in the test cells; their partial score is the cell's output.
c.ClearHiddenTests.enforce_metadata = True
