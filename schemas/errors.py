class UserError(Exception):
    """Bad input or a missing tool: the message is one sentence naming the file, record and field.

    The CLI prints it without a traceback and exits non-zero.
    """
