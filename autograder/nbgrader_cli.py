"""``python -m autograder.nbgrader_cli ARGS``: ``nbgrader ARGS``, without two start-up costs
that have nothing to do with the work asked (what ``autograder release`` runs).

* nbformat imports jsonschema, which builds rfc3987_syntax's grammars (~2.7 s): ``import
  autograder`` first spares it (see autograder/__init__.py).
* a new gradebook (the release's is a throw-away one) asks ``alembic heads`` for the schema's
  revision in a subprocess (~3 s: another Python start with the same imports); here the same
  revision comes from alembic's own Python API, in this process.

Everything else is nbgrader's command line as is: same arguments, output and exit status.
"""
from __future__ import annotations

import sys

import autograder  # noqa: F401  first: no rfc3987 grammar


def alembic_head() -> str:
    """The revision ``alembic heads`` prints first for nbgrader's migrations (one head)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as alembic_ini:
        return ScriptDirectory.from_config(Config(alembic_ini)).get_heads()[0]


def main(argv: list[str] | None = None) -> None:
    import nbgrader.api
    from nbgrader.apps.nbgraderapp import main as nbgrader_main

    nbgrader.api.get_alembic_version = alembic_head
    sys.argv = ["nbgrader", *(sys.argv[1:] if argv is None else argv)]
    nbgrader_main()


if __name__ == "__main__":
    main()
