"""The one error the guard raises for bad input; the CLI turns it into exit code 2."""


class GuardInputError(Exception):
    """A directory, template, schema or accepted-risks file the guard cannot use.

    The message is complete and meant for people: it names the file and what to fix.
    """
