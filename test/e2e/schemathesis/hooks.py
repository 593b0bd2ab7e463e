"""Schemathesis hooks for the API contract run (see schemathesis.toml)."""

import ast
import builtins
import json
import threading

import schemathesis
from hypothesis.internal import lambda_sources

# CPython 3.11 keeps one AST recursion counter per interpreter, not per thread (gh-106905): when two threads build or
# compile ASTs at once, a run ends in "AST constructor recursion depth mismatch", a crash of the tool rather than a
# finding. Hypothesis parses and compiles source to describe lambdas, and Schemathesis runs several workers in
# threads, so every AST conversion is serialized here; nothing about the API under test changes.
_ast_lock = threading.RLock()


def _serialized(fn):
    def wrapper(*args, **kwargs):
        with _ast_lock:
            return fn(*args, **kwargs)

    return wrapper


ast.parse = _serialized(ast.parse)
_compile = builtins.compile


def _compile_serialized(source, *args, **kwargs):
    if isinstance(source, ast.AST) or (len(args) >= 3 and args[2] & ast.PyCF_ONLY_AST) or kwargs.get("flags", 0) & ast.PyCF_ONLY_AST:
        with _ast_lock:
            return _compile(source, *args, **kwargs)
    return _compile(source, *args, **kwargs)


builtins.compile = _compile_serialized
lambda_sources._lambda_description = _serialized(lambda_sources._lambda_description)

# The one 400 each operation may answer to schema-valid data: (error code, field named in its details).
CROSS_FIELD_REFUSALS = {
    "GET /v1/analytics/events/statistics": ("ANALYTICS.TOO_MANY_BUCKETS", "interval"),
    "GET /v1/analytics/events/trends": ("ANALYTICS.TOO_MANY_BUCKETS", "interval"),
    "GET /v1/analytics/payments/volume": ("ANALYTICS.TOO_MANY_BUCKETS", "interval"),
    "GET /v1/events": ("InvalidQuery", "cursor"),
    "GET /v1/payments/events": ("InvalidQuery", "cursor"),
    "GET /v1/analytics/search": ("InvalidQuery", "cursor"),
    "POST /v1/workflows": ("ValidationError", "steps"),
}


@schemathesis.check
def only_documented_cross_field_refusals(ctx, response, case):
    """A schema-valid request refused with 400 must be refused for the cross-field rule its operation documents."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    label = f"{case.method.upper()} {case.operation.path}"
    expected = CROSS_FIELD_REFUSALS.get(label)
    if expected is None:
        return None  # positive_data_acceptance reports it
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{label}: a 400 whose body is not JSON")
    code, field = expected
    details = body.get("details") if isinstance(body, dict) else None
    fields = [d.get("field") for d in details or [] if isinstance(d, dict)]
    if body.get("error") != code or field not in fields:
        raise AssertionError(
            f"{label}: schema-valid data refused with {body.get('error')} {fields}; "
            f"the only refusal the document states for valid data is {code} on {field}"
        )
    return None
