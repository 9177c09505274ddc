"""The RDS API's access key: one per AURORA_HOME, made on first use.

It lives in ``daemon/api-credentials.toml`` (0600, in the daemon's 0700 folder) and is what
``aurora api credentials`` prints, for a profile in ``~/.aws/credentials``. aurorad and the
CLI may both be first: the file is created exclusively, and whoever loses reads the winner's.
"""

from __future__ import annotations

import os
import secrets
import string
import time
from pathlib import Path
from typing import Annotated, TypedDict

from aurora.engine.layout import DEFAULT_REGION, Layout, ensure_private_dir, read_toml

PROFILE = "aurora"


class Credentials(TypedDict):
    access_key_id: Annotated[str, "the access key id, AKIA followed by 16 characters"]
    secret_access_key: Annotated[str, "its secret (40 characters)"]
    region: Annotated[str, "a region name to sign with (any region is accepted)"]
    endpoint_url: Annotated[str | None, "http://127.0.0.1:PORT while aurorad serves the RDS API, else null"]
    profile: Annotated[str, "a profile for ~/.aws/credentials"]


def credentials_file(layout: Layout) -> Path:
    return layout.daemon_dir / "api-credentials.toml"


def load(layout: Layout) -> dict[str, str]:
    """The access key id and secret, made now if there are none yet."""
    path = credentials_file(layout)
    for _ in range(50):
        try:
            data = read_toml(path)
            if data.get("access_key_id") and data.get("secret_access_key"):
                return {"access_key_id": data["access_key_id"], "secret_access_key": data["secret_access_key"]}
        except FileNotFoundError:
            _create(path)
            continue
        except ValueError:
            pass  # being written by the other side this very moment
        time.sleep(0.01)
    raise ValueError(f"{path} holds no access key: remove it and a new key is made")


def _create(path: Path) -> None:
    ensure_private_dir(path.parent)
    alphabet = string.ascii_uppercase + "234567"
    key_id = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(f'access_key_id = "{key_id}"\nsecret_access_key = "{secret}"\n')
        f.flush()
        os.fsync(f.fileno())


def describe(layout: Layout) -> Credentials:
    """What ``aurora api credentials`` prints: the key, the port recorded by ``aurora daemon
    start --api-port``, and a profile for the AWS tools (credentials, then config)."""
    from aurora.engine.control.settings import load_settings

    key = load(layout)
    port = load_settings(layout.daemon_dir).get("api_port")
    url = f"http://127.0.0.1:{port}" if port else None
    profile = (f"# ~/.aws/credentials\n[{PROFILE}]\naws_access_key_id = {key['access_key_id']}\n"
               f"aws_secret_access_key = {key['secret_access_key']}\n\n"
               f"# ~/.aws/config\n[profile {PROFILE}]\nregion = {DEFAULT_REGION}\n"
               + (f"endpoint_url = {url}\n" if url else ""))
    return {**key, "region": DEFAULT_REGION, "endpoint_url": url, "profile": profile}  # type: ignore[typeddict-item]
