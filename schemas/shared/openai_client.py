"""What every OpenAI-compatible caller shares (the judge and sampler of emgen.finetune, the
generation engine of emgen.datagen.models): the key, the client, retries, fan-out.

Each caller passes its own error class and wording, so its messages stay its own. `openai` is
imported when a client is built or called, never when this module is imported.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import openai

T = TypeVar("T")
R = TypeVar("R")

# A local server (vLLM, llama.cpp) ignores the key but the client insists on one.
LOCAL_PLACEHOLDER_KEY = "EMPTY"


def is_loopback_url(base_url: str | None) -> bool:
    """True when `base_url` points at this machine (localhost, 127.0.0.0/8, ::1, 0.0.0.0)."""
    if not base_url:
        return False
    host = urlsplit(base_url).hostname
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # Connecting to 0.0.0.0 reaches this machine; `vllm serve --host 0.0.0.0` users type it.
    return address.is_loopback or address.is_unspecified


def public_url(base_url: str | None) -> str | None:
    """`base_url` without the credentials, query or fragment typed into it (a key can hide
    there): what a message or a file may show. None stays None (the OpenAI API)."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    host = parts.hostname or "(no host)"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def endpoint_name(base_url: str | None) -> str:
    """`base_url` as messages name it (its public_url); None is the OpenAI API itself."""
    return public_url(base_url) or "the OpenAI API"


def endpoint_host(base_url: str | None) -> str:
    """The host of `base_url` alone (no scheme, credentials, port or path), for manifests and
    messages that must not carry a secret; None is the OpenAI API's host."""
    if not base_url:
        return "api.openai.com"
    return urlsplit(base_url).hostname or "(no host)"


def check_options(
    error_cls: type[Exception],
    prefix: str,
    *,
    max_workers: int,
    timeout: float,
    retries: int,
    backoff: float,
) -> None:
    """Raise `error_cls` for a bad fan-out, timeout or retry option; `prefix` names the owner."""
    if max_workers < 1:
        raise error_cls(f"{prefix}max_workers must be at least 1, not {max_workers}.")
    if timeout <= 0:
        raise error_cls(f"{prefix}timeout must be positive, not {timeout}.")
    if retries < 0 or backoff < 0:
        raise error_cls(f"{prefix}retries and backoff must not be negative.")


def open_client(
    base_url: str | None,
    api_key_env: str,
    timeout: float,
    error_cls: type[Exception],
    missing_key: str,
) -> tuple[openai.OpenAI, str]:
    """The client for `base_url` and the key it was given (kept only to scrub it from errors).

    The key comes from the environment variable `api_key_env`; a loopback server without one
    gets LOCAL_PLACEHOLDER_KEY. Otherwise `error_cls` is raised with `missing_key` (which may
    name the endpoint as `{where}`) followed by ": set the environment variable ...".
    """
    api_key = os.environ.get(api_key_env)
    if not api_key:
        if not is_loopback_url(base_url):
            where = endpoint_name(base_url)
            raise error_cls(
                f"{missing_key.format(where=where)}: set the environment variable {api_key_env}."
            )
        api_key = LOCAL_PLACEHOLDER_KEY

    import openai

    # Our own retry loop decides what is transient; the client's would double it.
    client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
    return client, api_key


def describe_error(exc: BaseException, secret: str) -> str:
    """The error as one line "Type: message" of at most 300 characters, `secret` as ***."""
    text = " ".join(str(exc).split()) or "no message"
    if secret and secret != LOCAL_PLACEHOLDER_KEY:
        text = text.replace(secret, "***")
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}"


def call_with_retries(
    fn: Callable[[], R],
    *,
    retries: int,
    backoff: float,
    error_cls: type[Exception],
    subject: str,
    secret: str,
) -> R:
    """`fn()`, retrying transient openai errors `retries` times with exponential backoff.

    Any openai error that is left becomes `error_cls`: "{subject} failed: ..." or "{subject}
    kept failing after N attempts: ...", with `secret` scrubbed from the message.
    """
    import openai

    transient = (
        openai.APIConnectionError,  # includes APITimeoutError
        openai.RateLimitError,
        openai.InternalServerError,
    )
    attempt = 0
    while True:
        try:
            return fn()
        except transient as exc:
            if attempt >= retries:
                raise error_cls(
                    f"{subject} kept failing after {attempt + 1} attempts: "
                    f"{describe_error(exc, secret)}."
                ) from exc
            time.sleep(backoff * 2**attempt)
            attempt += 1
        except openai.OpenAIError as exc:
            raise error_cls(f"{subject} failed: {describe_error(exc, secret)}.") from exc


def map_concurrently(
    fn: Callable[[T], R],
    items: Sequence[T],
    max_workers: int,
    on_done: Callable[[], None] | None = None,
) -> list[R]:
    """`fn` over `items` on up to `max_workers` threads; the results in the items' order.

    `on_done` is called once per finished item. The first failure cancels what has not started
    and is raised.
    """
    if not items:
        return []
    results: list[R | None] = [None] * len(items)
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
        try:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_done is not None:
                    on_done()
        except BaseException:
            # Don't keep paying for requests whose batch has already failed.
            for future in futures:
                future.cancel()
            raise
    # Every slot is filled: a failure would have been raised above.
    return cast(list[R], results)
