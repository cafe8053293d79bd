"""nbgrader configuration of the test course (source/<assignment>/ → release/<assignment>/)."""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "test-course"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
c.ClearHiddenTests.enforce_metadata = True
