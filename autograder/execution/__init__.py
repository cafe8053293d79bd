"""Execution: one submitted notebook in a sandboxed Jupyter kernel, under limits.

``kernel_run`` drives the kernel (nbclient) and the watchdog, ``sandbox`` decides how the kernel
is isolated on this machine, ``launcher`` builds that isolation before the kernel starts. The
code that runs *inside* the kernel (fit recorder, harvest) is in ``autograder.kernel``.
"""
