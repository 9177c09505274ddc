"""The RDS Query protocol, driven by botocore's own service model for RDS.

A request is form-encoded (``Action``, ``Version`` and the input shape flattened into keys such
as ``VpcSecurityGroupIds.member.1`` or ``ServerlessV2ScalingConfiguration.MinCapacity``); a
response is ``<XResponse><XResult>...</XResult><ResponseMetadata>`` shaped by the output shape
(``locationName`` s, list member names, ISO 8601 timestamps); an error is ``<ErrorResponse>``.
Nothing here knows an operation by name: :func:`parse` and :func:`serialize` walk the shapes, so
whatever botocore sends parses and whatever we answer is what botocore expects.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

XMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"

_model: Any = None
_model_lock = threading.Lock()


def service_model() -> Any:
    """botocore's model of RDS, loaded once (it takes a tenth of a second)."""
    global _model
    with _model_lock:
        if _model is None:
            import botocore.session

            _model = botocore.session.get_session().get_service_model("rds")
        return _model


class ProtocolError(Exception):
    """A request that does not fit the model: answered with ``code`` (a Sender error)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


# --- requests -------------------------------------------------------------------------------


def parse(shape: Any, form: dict[str, str]) -> dict[str, Any]:
    """The parameters of a request (``form`` without Action and Version) as botocore's caller
    wrote them: a dict by member name, lists, nested structures, ints, bools, datetimes."""
    prefixes = set()
    for key in form:
        parts = key.split(".")
        prefixes.update(".".join(parts[:i]) for i in range(1, len(parts)))
    used: set[str] = set()
    value = _parse(shape, "", form, prefixes, used) if shape is not None else {}
    unknown = sorted(set(form) - used)
    if unknown:
        raise ProtocolError("InvalidParameterValue", f"unknown parameter {unknown[0]}")
    return value or {}


def _parse(shape: Any, prefix: str, form: dict[str, str], prefixes: set[str], used: set[str]) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            full = f"{prefix}.{key}" if prefix else key
            if full in form or full in prefixes:
                out[name] = _parse(member, full, form, prefixes, used)
        for name in shape.required_members:
            if name not in out:
                raise ProtocolError("MissingParameter",
                                    f"The request must contain the parameter {prefix + '.' if prefix else ''}{name}")
        return out
    if kind == "list":
        if form.get(prefix) == "":
            used.add(prefix)
            return []
        member_name = shape.member.serialization.get("name", "member")
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.{member_name}"
        if shape.serialization.get("flattened") and shape.member.serialization.get("name"):
            base = ".".join([*prefix.split(".")[:-1], member_name])
        items, i = [], 1
        while f"{base}.{i}" in form or f"{base}.{i}" in prefixes:
            items.append(_parse(shape.member, f"{base}.{i}", form, prefixes, used))
            i += 1
        return items
    if kind == "map":
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        out, i = {}, 1
        while f"{base}.{i}.{key_name}" in form:
            k = _parse(shape.key, f"{base}.{i}.{key_name}", form, prefixes, used)
            out[k] = _parse(shape.value, f"{base}.{i}.{value_name}", form, prefixes, used)
            i += 1
        return out
    if prefix not in form:
        raise ProtocolError("InvalidParameterValue", f"{prefix} must be a single value")
    used.add(prefix)
    return _scalar(kind, prefix, form[prefix])


def _scalar(kind: str, name: str, raw: str) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("double", "float"):
            return float(raw)
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if kind == "timestamp":
            return parse_time(raw)
    except ValueError:
        raise ProtocolError("InvalidParameterValue", f"invalid value for {name}: {raw!r}") from None
    return raw


def parse_time(raw: str) -> datetime:
    """An ISO 8601 time (botocore's form) or Unix seconds, as an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except ValueError:
        pass
    t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


# --- responses ------------------------------------------------------------------------------


def serialize(operation: Any, result: dict[str, Any] | None, request_id: str) -> bytes:
    """The XML answer of ``operation`` (a botocore OperationModel) holding ``result``."""
    name = operation.name
    out = [f'<{name}Response xmlns="{XMLNS}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        out.append(f"<{wrapper}>")
        _members(out, shape, result or {})
        out.append(f"</{wrapper}>")
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>")
    return "".join(out).encode()


def _members(out: list[str], shape: Any, value: dict[str, Any]) -> None:
    members = shape.members
    for name, v in value.items():
        if v is None:
            continue
        member = members.get(name)
        if member is None:  # a bug of the mapping: the model has no such member
            raise KeyError(f"{shape.name} has no member {name}")
        _xml(out, member.serialization.get("name", name), member, v)


def _xml(out: list[str], tag: str, shape: Any, value: Any) -> None:
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{tag}>")
        _members(out, shape, value)
        out.append(f"</{tag}>")
    elif kind == "list":
        member_tag = shape.member.serialization.get("name", "member")
        if shape.serialization.get("flattened"):
            for v in value:
                _xml(out, member_tag if shape.member.serialization.get("name") else tag, shape.member, v)
        else:
            out.append(f"<{tag}>")
            for v in value:
                _xml(out, member_tag, shape.member, v)
            out.append(f"</{tag}>")
    elif kind == "map":
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        out.append(f"<{tag}>")
        for k, v in value.items():
            out.append("<entry>")
            _xml(out, key_tag, shape.key, k)
            _xml(out, value_tag, shape.value, v)
            out.append("</entry>")
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_text(kind, value)}</{tag}>")


def _text(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if isinstance(value, int | float):
            value = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str):
            value = parse_time(value)
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if kind in ("integer", "long"):
        return str(int(value))
    if kind in ("double", "float"):
        return repr(float(value))
    return escape(str(value))


def error_xml(code: str, message: str, request_id: str, sender: bool = True) -> bytes:
    kind = "Sender" if sender else "Receiver"
    return (f'<ErrorResponse xmlns="{XMLNS}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>").encode()


# Status codes of the errors every AWS Query API shares (the model lists only its own faults).
COMMON_STATUS = {"InternalFailure": 500, "ServiceUnavailable": 503, "MissingAuthenticationToken": 403,
                 "InvalidClientTokenId": 403, "SignatureDoesNotMatch": 403, "IncompleteSignature": 400,
                 "InvalidAction": 400}


_statuses: dict[str, int] = {}


def http_status(code: str) -> int:
    """The HTTP status AWS answers ``code`` with: from the model for its faults, else 400."""
    if code in COMMON_STATUS:
        return COMMON_STATUS[code]
    if not _statuses:
        model = service_model()
        for name in model.shape_names:
            error = model.shape_for(name).metadata.get("error")
            if error:
                _statuses[error.get("code", name)] = int(error.get("httpStatusCode", 400))
    return _statuses.get(code, 400)
