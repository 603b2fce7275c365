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


class InternalError(Exception):
    """An invariant emgen guarantees broke on a record it built: a bug in emgen, not bad input.

    Deliberately not a UserError: the CLI reports it as a bug to file and exits 3, not 2.
    """

    def __init__(self, what: str, *, config: str, record: str, invariant: str, detail: str):
        self.config, self.record, self.invariant, self.detail = config, record, invariant, detail
        super().__init__(
            f"{what} (config {config}, record {record}, invariant {invariant}: {detail})"
        )


class GenerationError(UserError):
    """A generator spent its candidate budget before enough candidates passed validation."""


class BackendError(UserError, ValueError):
    """A model backend (a sampler, a local vLLM server, an endpoint) cannot start or answer;
    the message is one sentence saying why."""
