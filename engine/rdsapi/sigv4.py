"""Signature Version 4, checked the way AWS checks it, for the RDS API's one access key.

The client signs a canonical form of its request (method, path, query, the headers it lists,
the body's SHA-256) with a key derived from the secret, the date, the region and the service
(``rds``); we build the same canonical request and compare. Any region is accepted (every
region here lives on this machine); the request time must be within 15 minutes of ours.
Failures are the AWS errors of the same name: MissingAuthenticationToken, IncompleteSignature,
InvalidClientTokenId, SignatureDoesNotMatch.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from calendar import timegm
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "rds"
MAX_SKEW_S = 15 * 60


class SignatureError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def signing_key(secret: str, date: str, region: str, service: str = SERVICE) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_request(method: str, path: str, query: str, headers: dict[str, str], signed: list[str],
                      body: bytes) -> str:
    """``headers`` by lower-case name; ``path`` and ``query`` as sent (still percent-encoded)."""
    uri = quote(unquote(path or "/"), safe="/~")
    pairs = sorted((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~"))
                   for k, _, v in (p.partition("=") for p in query.split("&") if p))
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    canonical_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    return "\n".join([method, uri, canonical_query, canonical_headers, ";".join(signed), payload])


def verify(method: str, path: str, query: str, headers: dict[str, str], body: bytes,
           secrets: dict[str, str], now: float | None = None) -> str:
    """Check the request's Authorization header; return the region it was signed for.

    ``headers`` by lower-case name; ``secrets`` maps access key ids to their secrets."""
    auth = headers.get("authorization")
    if not auth:
        raise SignatureError("MissingAuthenticationToken", "Request is missing Authentication Token")
    algorithm, _, rest = auth.partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError("IncompleteSignature", f"Unsupported AWS 'algorithm': '{algorithm}'")
    fields = {}
    for part in rest.split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise SignatureError("IncompleteSignature",
                             f"Authorization header requires '{missing[0]}' parameter. Authorization={auth}")
    scope = fields["Credential"].split("/")
    if len(scope) != 5:
        raise SignatureError("IncompleteSignature", f"Credential must have exactly 5 slash-delimited elements, "
                             f"e.g. keyid/date/region/service/term, got '{fields['Credential']}'")
    key_id, date, region, service, term = scope
    if key_id not in secrets:
        raise SignatureError("InvalidClientTokenId", "The security token included in the request is invalid.")
    if headers.get("x-amz-security-token"):
        raise SignatureError("InvalidClientTokenId", "The security token included in the request is invalid.")
    if service != SERVICE or term != "aws4_request":
        raise SignatureError("SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{SERVICE}'.")
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed:
        raise SignatureError("SignatureDoesNotMatch", "'Host' must be a signed header.")
    amz_date = headers.get("x-amz-date", "")
    try:
        when = timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise SignatureError("IncompleteSignature", "Authorization header requires existence of either a "
                             "'X-Amz-Date' or a 'Date' header.") from None
    if not amz_date.startswith(date):
        raise SignatureError("SignatureDoesNotMatch", f"Date in Credential scope does not match YYYYMMDD from "
                             f"ISO-8601 version of date from HTTP: '{date}' != '{amz_date[:8]}'")
    now = time.time() if now is None else now
    if abs(now - when) > MAX_SKEW_S:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        raise SignatureError("SignatureDoesNotMatch", f"Signature expired: {amz_date} is now earlier than "
                             f"{stamp} - 15 min." if when < now else
                             f"Signature not yet current: {amz_date} is still later than {stamp} + 15 min.")
    creq = canonical_request(method, path, query, headers, signed, body)
    to_sign = "\n".join([ALGORITHM, amz_date, "/".join(scope[1:]), hashlib.sha256(creq.encode()).hexdigest()])
    expected = hmac.new(signing_key(secrets[key_id], date, region, service), to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["Signature"]):
        raise SignatureError("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                             "signature you provided. Check your AWS Secret Access Key and signing method. "
                             "Consult the service documentation for details.")
    return region
