from pydantic import ValidationError


def first_error(exc: ValidationError) -> str:
    """ "field 'a.b': message" for the first error: the shared tail of one-sentence errors."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    return f"field '{where}': {err['msg']}"


class UserError(Exception):
    """Bad input or a missing tool: the message is one sentence naming the file, record and field.

    The CLI prints it without a traceback and exits non-zero.
    """


class CatalogError(UserError, ValueError):
    """A catalog or user-supplied YAML file is malformed; the message names file and entry."""
