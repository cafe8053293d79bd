"""Code that runs *inside* the student's kernel: the fit recorder and the harvest.

Nothing here decides a grade. It only records facts (what was built, how ``fit`` was
called) and sends them to the grader, which decides in a separate, clean process.
"""
