"""The one engine every model-backed generator asks: an OpenAI-compatible chat client.

What it adds to the `openai` client (whose own retries are off):
- a cache: every request is looked up first (emgen.datagen.models.cache), so a rerun after a
  crash, a Ctrl-C or a spent budget sends no request already answered, and a rebuild from a
  complete cache needs no network, no key and no server;
- bounded concurrency: at most `concurrency` requests in flight, on threads;
- retries: 429 waits as long as the server's Retry-After asks (capped), 5xx, 408, 409,
  timeouts, dropped connections and unreadable bodies back off exponentially;
- a circuit breaker: persistent failures stop the run with one sentence (a UserError), never a
  hang and never a silent run that ends with zero records;
- structured output: a JSON schema from a pydantic model (`response_format` json_schema); a
  reply that fails it is asked again once with the error, then counted as invalid;
- accounting: prompt and completion tokens from `usage`, cost from a price table the user can
  override, and a budget (`max_cost`) that is never passed: each request's worst cost is held
  against it while the request is in flight;
- the OpenAI Batch API (`batch`): the same requests, cache keys and answers, sent as batches
  (emgen.datagen.models.batch) at half the price.

The API key is read from an environment variable when the first uncached request is sent; it
is never stored, and errors quote the server with the key replaced by ***.
"""

from __future__ import annotations

import email.utils
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, JsonValue, ValidationError

from emgen.datagen.models.batch import BatchSender, LineResult, describe_line
from emgen.datagen.models.cache import CachedReply, ReplyCache, request_key
from emgen.schemas.errors import BackendError, UserError, first_error
from emgen.schemas.shared.openai_client import describe_error, endpoint_host, open_client
from emgen.schemas.shared.progress import Status
from emgen.schemas.shared.vllm_server import (
    LOCAL_KEY_ENV,
    SETUP_HINT,
    VLLMServer,
    find_vllm_python,
)

if TYPE_CHECKING:
    import openai

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")

# The backends: any OpenAI-compatible endpoint, or a `vllm serve` of a local model that the
# engine starts when the first uncached request is sent (a rebuild from the cache starts none).
BACKENDS = ("openai", "vllm")
LOCAL_VLLM = "a local vllm serve"


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    prompt: float
    completion: float


# Standard-tier list prices (USD per million prompt, completion tokens). A dated snapshot
# (gpt-4o-mini-2024-07-18) takes its family's price; anything else needs --price.
PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-3.5-turbo": Price(0.50, 1.50),
}


# Seconds a request to the local vLLM server may take (a reply of 2048 tokens at CPU speed).
LOCAL_TIMEOUT = 1800.0

# What the Batch API bills, as a share of the list price.
BATCH_DISCOUNT = 0.5


def price_for(model: str) -> Price | None:
    """The table's price of `model` (its longest known prefix), or None."""
    known = [k for k in PRICES if model == k or model.startswith(k + "-")]
    return PRICES[max(known, key=len)] if known else None


@dataclass(frozen=True)
class EngineOptions:
    """How to reach the model and how hard to try. Only `max_tokens` can change a reply (it
    cuts long ones short); it is part of every reply's cache key and of the build's stats."""

    base_url: str | None = None  # None: the OpenAI API
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    max_cost: float | None = None  # USD this run may spend on requests not in the cache
    price: Price | None = None  # overrides the table
    timeout: float = 120.0  # seconds per request
    retries: int = 6  # per request, after its first attempt
    backoff: float = 1.0  # first wait in seconds, doubled per retry
    max_wait: float = 60.0  # the longest single wait, Retry-After included
    breaker: int = 10  # failed attempts in a row (at least `concurrency`) that stop the run
    batch: bool = False  # send through the OpenAI Batch API (half price, within 24 hours)
    batch_poll: float = 30.0  # seconds between looks at a submitted batch
    max_tokens: int | None = None  # caps each reply below its generator's own limit

    def check(self, model: str | None = None) -> None:
        """One sentence for the first bad option; with `model`, also a budget without a price."""
        if self.concurrency < 1:
            raise UserError(f"--concurrency must be at least 1, not {self.concurrency}.")
        if self.max_cost is not None and not self.max_cost > 0:
            raise UserError(f"--max-cost must be a positive number of USD, not {self.max_cost}.")
        if self.price is not None and not (self.price.prompt >= 0 and self.price.completion >= 0):
            raise UserError("--price must be two non-negative numbers: USD per million tokens.")
        if not self.batch_poll > 0:
            raise UserError(
                f"--batch-poll must be a positive number of seconds, not {self.batch_poll}."
            )
        if not self.timeout > 0 or self.retries < 0 or self.backoff < 0 or self.breaker < 1:
            raise UserError("the engine's timeout and breaker must be positive, its retries "
                            "and backoff not negative.")  # fmt: skip
        if self.max_tokens is not None and self.max_tokens < 1:
            raise UserError(f"--max-reply-tokens must be at least 1, not {self.max_tokens}.")
        if not self.api_key_env:
            raise UserError("--api-key-env must name an environment variable.")
        if model is not None and self.max_cost is not None and self.price_of(model) is None:
            raise UserError(
                f"--max-cost needs the price of model {model!r}, which the built-in table "
                "lacks; give it with --price PROMPT,COMPLETION (USD per million tokens)."
            )

    def price_of(self, model: str) -> Price | None:
        """--price, else the table's; the Batch API bills half the table's list price."""
        if self.price is not None:
            return self.price
        listed = price_for(model)
        if listed is None or not self.batch:
            return listed
        return Price(listed.prompt * BATCH_DISCOUNT, listed.completion * BATCH_DISCOUNT)


@dataclass(frozen=True)
class ChatRequest:
    """One request; `sample` tells apart requests that are otherwise the same."""

    messages: tuple[tuple[str, str], ...]  # (role, content)
    sample: int
    temperature: float = 1.0
    max_tokens: int = 2048
    seed: int | None = None

    def followup(self, reply: str, note: str) -> ChatRequest:
        """This conversation continued with the model's `reply` and our `note` on it."""
        return replace(self, messages=(*self.messages, ("assistant", reply), ("user", note)))


@dataclass(frozen=True)
class Invalid:
    """A request whose reply failed validation twice; `problem` is the last failure."""

    problem: str


class _Stopped(Exception):
    """Another request already stopped the run; this one gives up quietly."""


class _BadReply(Exception):
    """A 200 answer without a usable completion: retried like a server error."""


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": schema.__name__,
            "schema": schema.model_json_schema(),
            "strict": True,
        },
    }


def parse_reply(
    text: str, schema: type[M], extra: Callable[[M], str | None] | None = None
) -> M | str:
    """`text` as `schema`, or why not (one line)."""
    try:
        value = schema.model_validate_json(text)
    except ValidationError as exc:
        return first_error(exc)
    problem = extra(value) if extra is not None else None
    return value if problem is None else problem


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After in seconds or as a date), or None."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if not value:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        return max(0.0, when.timestamp() - time.time())
    return None


class Engine:
    """Chat completions from `model` through `backend`, cached in `cache`."""

    def __init__(self, backend: str, model: str, options: EngineOptions, cache: ReplyCache) -> None:
        options.check(model)
        if backend not in BACKENDS:
            raise UserError(f"unknown model backend {backend!r}; known: {', '.join(BACKENDS)}.")
        if options.batch and backend != "openai":
            raise UserError(
                "--batch applies only to the openai backend (the Batch API); a local vllm "
                "serve answers at once."
            )
        self.backend, self.model, self.options, self.cache = backend, model, options, cache
        self.host = LOCAL_VLLM if backend == "vllm" else endpoint_host(options.base_url)
        self._server: VLLMServer | None = None
        self.price = options.price_of(model)
        self._lock = threading.Lock()
        self._budget = threading.Condition(self._lock)  # the budget's waits and releases
        self._stop = threading.Event()
        self._client: openai.OpenAI | None = None
        self._secret = ""
        self._failures = 0  # failed attempts in a row, over all requests
        # Every reply the run used, cached or not: the same for a run and its replay.
        self.replies = self.prompt_tokens = self.completion_tokens = 0
        # Only what this run sent: what the budget limits.
        self.sent = 0
        self.spent = 0.0
        self._reserved = 0.0  # worst cost of the requests in flight under a budget
        self._in_flight = 0  # requests sent and not yet answered (a batch's lines too)
        self.watch: Status | None = None  # told the figures whenever they change
        self._holding = 0  # how many they are

    def __repr__(self) -> str:
        return f"Engine(backend={self.backend!r}, model={self.model!r}, host={self.host!r})"

    # Accounting

    def cost_of(self, prompt_tokens: int, completion_tokens: int) -> float:
        if self.price is None:
            return 0.0
        return (prompt_tokens * self.price.prompt + completion_tokens * self.price.completion) / 1e6

    @property
    def cost(self) -> float | None:
        """USD of every reply used (cached ones at today's price), or None with no price."""
        if self.price is None:
            return None
        return self.cost_of(self.prompt_tokens, self.completion_tokens)

    def stats(self) -> dict[str, JsonValue]:
        """The figures a report keeps: the same for a run and its replay from the cache."""
        cost = self.cost
        price: JsonValue = (
            None
            if self.price is None
            else {"prompt": self.price.prompt, "completion": self.price.completion}
        )
        return {
            "backend": self.backend,
            "model": self.model,
            "endpoint_host": self.host,
            "batch_api": self.options.batch,
            "max_reply_tokens": self.options.max_tokens,
            "requests": self.replies,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if cost is None else round(cost, 6),
            "price_usd_per_million_tokens": price,
        }

    # Requests

    def structured(
        self,
        requests: Sequence[ChatRequest],
        schema: type[M],
        checks: Sequence[Callable[[M], str | None] | None] | None = None,
    ) -> list[M | Invalid]:
        """Per request, in order, its reply as `schema` (and passing its check, if any), or
        Invalid once a second reply, asked with the first one's error, failed as well.

        Two rounds: every first request, then a follow-up for each reply that failed. The
        checks run on this thread (they parse code, which CPython 3.11 does not do safely on
        two threads at once)."""
        fmt = response_format(schema)
        extra = list(checks) if checks is not None else [None] * len(requests)
        firsts = self._texts(requests, fmt)
        results: list[M | Invalid | str] = [
            parse_reply(text, schema, check) for text, check in zip(firsts, extra, strict=True)
        ]
        again = [i for i, r in enumerate(results) if isinstance(r, str)]
        followups = [
            requests[i].followup(
                firsts[i],
                f"That reply was not accepted: {results[i]}. Answer again with one JSON object "
                "that follows the schema and the instructions.",
            )
            for i in again
        ]
        for i, text in zip(again, self._texts(followups, fmt), strict=True):
            parsed = parse_reply(text, schema, extra[i])
            results[i] = parsed if not isinstance(parsed, str) else Invalid(parsed)
        return [r for r in results if not isinstance(r, str)]

    def _texts(self, requests: Sequence[ChatRequest], fmt: dict[str, Any] | None) -> list[str]:
        """The reply texts of `requests`, in order: through the Batch API first when the
        options ask for it (which fills the cache), else sent live on up to `concurrency`
        threads."""
        cap = self.options.max_tokens
        if cap is not None:
            requests = [replace(r, max_tokens=min(r.max_tokens, cap)) for r in requests]
        if self.options.batch and requests:
            self._through_batches(requests, fmt)
        return self._map(lambda i: self.complete(requests[i], fmt).text, len(requests))

    def complete(self, request: ChatRequest, fmt: dict[str, Any] | None = None) -> CachedReply:
        """The reply to `request`: from the cache, or sent (then cached) and counted."""
        key = self.key_of(request, fmt)
        reply = self.cache.get(key)
        if reply is None:
            worst = self._reserve(request, fmt)
            self._flying(1)
            try:
                reply = self._send(request, fmt)
                self.cache.put(key, reply)
            except BaseException:
                self._settle(worst, None)
                raise
            finally:
                self._flying(-1)
            self._settle(worst, reply)
        with self._lock:
            self.replies += 1
            self.prompt_tokens += reply.prompt_tokens
            self.completion_tokens += reply.completion_tokens
        self._show()
        return reply

    def figures(self) -> str:
        """What the progress display shows: replies, requests in flight, tokens and cost."""
        with self._lock:
            text = (
                f"{self.replies} replies ({self.sent} paid now), {self._in_flight} in flight, "
                f"{self.prompt_tokens + self.completion_tokens:,} tokens"
            )
        cost, limit = self.cost, self.options.max_cost
        if cost is not None:
            text += f", ${cost:.4f}" + ("" if limit is None else f" (budget ${limit:.2f})")
        return text

    def _flying(self, change: int) -> None:
        with self._lock:
            self._in_flight += change
        self._show()

    def _show(self, line: str = "") -> None:
        if self.watch is not None:
            self.watch(self.figures() + (f"; {line}" if line else ""))

    def key_of(self, request: ChatRequest, fmt: dict[str, Any] | None) -> str:
        """The cache key of `request`: what changes its answer, not how it was sent."""
        return request_key(
            {
                "backend": self.backend,
                "model": self.model,
                "messages": [list(m) for m in request.messages],
                "params": {
                    "temperature": request.temperature,
                    "max_tokens": request.max_tokens,
                    "seed": request.seed,
                },
                "response_format": fmt,
                "sample": request.sample,
            }
        )

    def body_of(self, request: ChatRequest, fmt: dict[str, Any] | None) -> dict[str, Any]:
        """The chat completion request's JSON body."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": r, "content": c} for r, c in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if fmt is not None:
            body["response_format"] = fmt
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def _through_batches(self, requests: Sequence[ChatRequest], fmt: dict[str, Any] | None) -> None:
        """Answer every uncached request of `requests` through the Batch API, into the cache.

        A batch an earlier run submitted and did not collect (killed while it waited) is
        collected first, so nothing is paid for twice. Requests whose lines failed go again in
        a new batch, up to `retries` times; a refused one (a 4xx other than 408, 409, 429) is
        one sentence. Under --max-cost only as many requests are sent as their worst cost
        allows, then the budget's sentence.
        """
        sender = BatchSender(
            self._open(), self.cache, poll=self.options.batch_poll,
            retries=self.options.retries, backoff=self.options.backoff,
            secret=self._secret, where=self.host,
            say=None if self.watch is None else self._show,
        )  # fmt: skip
        for batch_id in self.cache.pending_batches():
            self._keep(sender.collect(batch_id))
        missing: dict[str, ChatRequest] = {}
        for request in requests:
            key = self.key_of(request, fmt)
            if key not in missing and self.cache.get(key) is None:
                missing[key] = request
        failed_rounds = 0
        while missing:
            chosen = self._affordable(missing, fmt)
            self._flying(len(chosen))
            try:
                results = sender.collect(
                    sender.submit({key: self.body_of(missing[key], fmt) for key in chosen})
                )
            finally:
                self._flying(-len(chosen))
            failed = self._keep(results)
            for key in chosen:
                if key not in results:  # an expired batch never ran it
                    failed[key] = LineResult(None, 0, "the batch expired before it ran")
                if key not in failed:
                    del missing[key]
            refused = [r for r in failed.values() if _refusal(r.status)]
            if refused:
                raise UserError(
                    f"the Batch API at {self.host} refused a request for model {self.model!r}: "
                    f"status {refused[0].status}, {describe_line(refused[0], self._secret)}."
                )
            if failed:
                failed_rounds += 1
                if failed_rounds > self.options.retries:
                    raise UserError(
                        f"{len(missing)} requests to the Batch API at {self.host} still had no "
                        f"answer after {failed_rounds} batches (the last problem: "
                        f"{describe_line(next(iter(failed.values())), self._secret)}); the "
                        f"{self.sent} replies received are cached, so a rerun continues from them."
                    )

    def _affordable(
        self, missing: Mapping[str, ChatRequest], fmt: dict[str, Any] | None
    ) -> list[str]:
        """The keys of `missing`, in order, whose worst costs together fit what is left of the
        budget (all of them without --max-cost); the budget's UserError if not even one."""
        if self.options.max_cost is None:
            return list(missing)
        left, chosen = self.options.max_cost - self.spent, []
        for key, request in missing.items():
            left -= self.worst_cost(request, fmt)
            if left < 0:
                break
            chosen.append(key)
        if not chosen:
            raise self._spent_error()
        return chosen

    def _keep(self, results: Mapping[str, LineResult]) -> dict[str, LineResult]:
        """Cache the answered lines of a batch (each custom id is a cache key); the rest."""
        failed: dict[str, LineResult] = {}
        for key, result in results.items():
            try:
                if result.body is None:
                    raise _BadReply(result.problem)
                reply = _reply_of(result.body)
            except _BadReply as exc:
                failed[key] = result if result.body is None else LineResult(None, 0, str(exc))
                continue
            if self.cache.get(key) is None:
                self.cache.put(key, reply)
                self._settle(None, reply)
        return failed

    def _settle(self, reserved: float | None, reply: CachedReply | None) -> None:
        """Release a request's reservation and count what its reply (if any) cost, at once,
        so a request waiting for budget never sees the one without the other."""
        with self._budget:
            if reserved is not None:
                self._reserved -= reserved
                self._holding -= 1
            if reply is not None:
                self.sent += 1
                self.spent += self.cost_of(reply.prompt_tokens, reply.completion_tokens)
            self._budget.notify_all()

    def worst_cost(self, request: ChatRequest, fmt: dict[str, Any] | None) -> float:
        """The most `request` can cost: every byte of its messages (and schema) a token, plus
        a few per message for the chat format, and all of `max_tokens`."""
        prompt = sum(len(content.encode()) + 8 for _, content in request.messages)
        if fmt is not None:
            prompt += len(json.dumps(fmt).encode())
        return self.cost_of(prompt + 8, request.max_tokens)

    def _reserve(self, request: ChatRequest, fmt: dict[str, Any] | None) -> float | None:
        """Hold `request`'s worst cost against --max-cost until its reply is counted, so the
        requests in flight together can never spend past the budget. Waits while others are
        in flight (their replies usually cost less than feared); the budget's UserError when
        nothing is in flight and the request still does not fit."""
        limit = self.options.max_cost
        if limit is None:
            return None
        worst = self.worst_cost(request, fmt)
        with self._budget:
            while self.spent + self._reserved + worst > limit:
                if not self._holding:
                    raise self._spent_error()
                if self._stop.is_set():
                    raise _Stopped()
                self._budget.wait(0.2)
            self._reserved += worst
            self._holding += 1
        return worst

    def _spent_error(self) -> UserError:
        return UserError(
            f"the --max-cost budget of ${self.options.max_cost:.2f} is spent (${self.spent:.4f} "
            f"on {self.sent} requests to {self.host}, and the next could cost more than is "
            "left); the replies are cached, so rerunning with a higher --max-cost continues "
            "without paying for them again."
        )

    def _map(self, fn: Callable[[int], R], n: int) -> list[R]:
        """`fn(0..n-1)` on up to `concurrency` threads, results in order. The first failure
        stops the others (between attempts) and is raised once they have returned.

        The threads are daemons: on Ctrl-C or SIGTERM the main thread stops waiting at once,
        and the process exits without waiting for requests in flight (their replies are lost;
        what was cached stays, each reply committed on its own).
        """
        if self._stop.is_set():
            raise UserError(f"the {self.backend} engine for {self.host} was already stopped.")
        results: dict[int, R] = {}
        failures: list[BaseException] = []
        pending = iter(range(n))
        lock = threading.Lock()

        def work() -> None:
            while not self._stop.is_set():
                with lock:
                    i = next(pending, None)
                if i is None:
                    return
                try:
                    result = fn(i)
                except BaseException as exc:  # handed to the main thread, never lost
                    with lock:
                        failures.append(exc)
                    self._stop.set()
                    return
                with lock:
                    results[i] = result

        threads = [
            threading.Thread(target=work, name=f"emgen-{self.backend}-{k}", daemon=True)
            for k in range(min(self.options.concurrency, n))
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)  # a timed join lets a signal through at once
        except BaseException:
            self._stop.set()
            raise
        if failures:
            # The first real failure; the others only noticed that the run had stopped.
            raise next((f for f in failures if not isinstance(f, _Stopped)), failures[0])
        return [results[i] for i in range(n)]

    def _send(self, request: ChatRequest, fmt: dict[str, Any] | None) -> CachedReply:
        import openai

        client = self._open()
        body = self.body_of(request, fmt)
        attempt = 0
        while True:
            if self._stop.is_set():
                raise _Stopped()
            try:
                response = client.chat.completions.create(**body)
                reply = _reply_of(response)
            except (
                openai.APIConnectionError,  # timeouts and dropped connections too
                openai.RateLimitError,
                openai.InternalServerError,
                openai.APIResponseValidationError,
                _BadReply,
                json.JSONDecodeError,  # a 200 whose body is not JSON
            ) as exc:
                wait = self._failed(exc, attempt)
            except openai.APIStatusError as exc:
                if _refusal(exc.status_code):
                    raise UserError(
                        f"the {self.backend} endpoint at {self.host} refused a request for model "
                        f"{self.model!r}: {describe_error(exc, self._secret)}."
                    ) from None
                wait = self._failed(exc, attempt)
            except openai.OpenAIError as exc:
                raise UserError(
                    f"the {self.backend} endpoint at {self.host} failed a request for model "
                    f"{self.model!r}: {describe_error(exc, self._secret)}."
                ) from None
            else:
                with self._lock:
                    self._failures = 0
                return reply
            if self._stop.wait(wait):
                raise _Stopped()
            attempt += 1

    def _failed(self, exc: BaseException, attempt: int) -> float:
        """Count a failed attempt; the seconds to wait before the next, or the breaker's
        UserError when failures persist."""
        opts = self.options
        with self._lock:
            self._failures += 1
            in_a_row, answered = self._failures, self.sent
        if in_a_row >= max(opts.breaker, opts.concurrency) or attempt >= opts.retries:
            raise UserError(
                f"stopped after {in_a_row} failed requests in a row to the {self.backend} "
                f"endpoint at {self.host} (the last: {describe_error(exc, self._secret)}); the "
                f"{answered} replies received are cached, so a rerun continues from them."
            ) from None
        asked = retry_after(exc)
        wait = opts.backoff * 2**attempt if asked is None else asked
        return min(wait, opts.max_wait)

    def _open(self) -> openai.OpenAI:
        """The client, made (and the key read, or the local server started) when the first
        uncached request is sent."""
        with self._lock:
            if self._client is None:
                base_url, key_env = self.options.base_url, self.options.api_key_env
                timeout = self.options.timeout
                if self.backend == "vllm":
                    base_url, key_env = self._start_server(), LOCAL_KEY_ENV
                    # Our own server on a CPU writes about 10 tokens/s, so a long reply takes
                    # minutes; asking again after a timeout would only repeat the same work.
                    timeout = max(timeout, LOCAL_TIMEOUT)
                self._client, self._secret = open_client(
                    base_url,
                    key_env,
                    timeout,
                    UserError,
                    f"generating with model {self.model!r} at {self.host} needs an API key",
                )
            return self._client

    def _start_server(self) -> str:
        """Start `vllm serve` of the model (a local folder, or an id vLLM can resolve) under
        the model's own name, and return its URL."""
        python = find_vllm_python()
        if python is None:
            raise BackendError(f"the vllm backend needs a Python with vLLM; {SETUP_HINT}.")
        print(f"Starting {LOCAL_VLLM} of {self.model} (about a minute on CPU)...", file=sys.stderr)
        # The log stays beside the reply cache, so a server that fails can be read about.
        self._server = VLLMServer(
            self.model,
            python,
            max_model_len=None,
            served_model_name=self.model,
            log_path=self.cache.path.with_name("vllm-serve.log"),
            # A prompt prefilled in chunks rewinds its request's seeded generator, which vLLM's
            # CPU build cannot do (RuntimeError "CPU Generator does not use offset", 0.32): our
            # requests are seeded, so prompts are never split.
            extra_args=("--no-enable-chunked-prefill",),
        )
        self._server.start()
        return self._server.base_url

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            server, self._server = self._server, None
        if client is not None:
            client.close()
        if server is not None:
            server.stop()


def _refusal(status: int) -> bool:
    """A status that asking again will not change."""
    return 400 <= status < 500 and status not in (408, 409, 429)


def _reply_of(response: Any) -> CachedReply:
    """The text and token counts of a completion's first choice (the client's object, or a
    batch line's JSON body)."""

    def get(obj: Any, name: str) -> Any:
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)

    choices = get(response, "choices")
    if not choices:
        raise _BadReply("the server answered with no choices")
    text = get(get(choices[0], "message"), "content")
    usage = get(response, "usage")
    return CachedReply(
        text=text if isinstance(text, str) else "",
        prompt_tokens=int(get(usage, "prompt_tokens") or 0),
        completion_tokens=int(get(usage, "completion_tokens") or 0),
    )
