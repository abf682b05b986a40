"""The debugger PIN: derived from facts about the user, the application and the machine.

The PIN only has to be *stable* (the same user running the same app on the same machine gets
the same PIN after a restart, so the developer can remember it) and *not guessable from the
outside* (it mixes in the machine id and the MAC address, which the debugger page never
shows). What makes the console safe is not the PIN's secrecy alone but the lock-out after
ten wrong tries and the per-process signing key of the cookie (see :mod:`.auth`).

``HIPFLASK_DEBUG_PIN`` overrides the PIN (``123-456-789`` or ``123456789``) or disables it
(``off``). Differences from Werkzeug's ``get_pin_and_cookie_name``: the application's
``import_name`` and ``root_path`` are part of the mix, so two hipflask apps of one user get
different PINs (Werkzeug gives every Flask app of a user the same PIN); the cookie name is
returned even when the PIN is off; a malformed ``HIPFLASK_DEBUG_PIN`` is reported with a
warning instead of being silently ignored.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import re
import subprocess
import sys
import typing as t
import uuid

__all__ = ["PIN_ENV", "format_pin", "get_machine_id", "get_pin_and_cookie_name", "hash_pin"]

PIN_ENV = "HIPFLASK_DEBUG_PIN"

logger = logging.getLogger("hipflask.debug")

_machine_id: bytes | None = None
_machine_id_read = False


def _read_first_line(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.readline().strip()
    except OSError:
        return b""


def _linux_machine_id() -> bytes:
    value = b""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id", "/proc/sys/kernel/random/boot_id"):
        value = _read_first_line(path)
        if value:
            break
    # Containers of one host share the machine id; the cgroup tells them apart.
    cgroup = _read_first_line("/proc/self/cgroup").rpartition(b"/")[2]
    return value + cgroup


def _mac_machine_id() -> bytes:
    try:
        out = subprocess.run(
            ["ioreg", "-c", "IOPlatformExpertDevice", "-d", "2"],
            capture_output=True,
            timeout=5,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return b""
    found = re.search(rb'"IOPlatformUUID" = "([^"]+)"', out) or re.search(
        rb'"serial-number" = <([^>]+)', out
    )
    return found.group(1) if found else b""


def _windows_machine_id() -> bytes:
    try:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        key = winreg.OpenKey(  # type: ignore[attr-defined,unused-ignore]
            winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined,unused-ignore]
            "SOFTWARE\\Microsoft\\Cryptography",
            0,
            winreg.KEY_READ | winreg.KEY_WOW64_64KEY,  # type: ignore[attr-defined,unused-ignore]
        )
        with key:
            value, _ = winreg.QueryValueEx(key, "MachineGuid")  # type: ignore[attr-defined,unused-ignore]
    except (ImportError, OSError):
        return b""
    return value.encode() if isinstance(value, str) else bytes(value)


def get_machine_id() -> bytes | None:
    """A value identifying this machine (and container), stable across reboots; read once.

    Linux: ``/etc/machine-id`` (or D-Bus's, or the boot id) plus the process's cgroup;
    macOS: the platform UUID; Windows: the ``MachineGuid``. None if none is available.
    """
    global _machine_id, _machine_id_read
    if not _machine_id_read:
        if sys.platform.startswith("win"):
            value = _windows_machine_id()
        elif sys.platform == "darwin":
            value = _mac_machine_id()
        else:
            value = _linux_machine_id()
        _machine_id, _machine_id_read = value or None, True
    return _machine_id


def hash_pin(pin: str) -> str:
    """A digest of *pin* that the auth cookie carries, so a changed PIN voids old cookies."""
    return hashlib.sha256(f"hipflask-debug-pin:{pin}".encode("utf-8", "replace")).hexdigest()[:24]


def format_pin(digits: str) -> str:
    """Group a string of digits for reading: ``123456789`` -> ``123-456-789``."""
    for size in (3, 4):
        if len(digits) % size == 0 and len(digits) > size:
            return "-".join(digits[i : i + size] for i in range(0, len(digits), size))
    return digits


def _username() -> str | None:
    try:
        return getpass.getuser()
    except (ImportError, KeyError, OSError):  # no pwd entry (containers), no pwd module
        return None


def _app_facts(app: t.Any) -> list[object]:
    module_name = getattr(app, "__module__", None) or type(app).__module__
    module = sys.modules.get(module_name)
    return [
        _username(),
        module_name,
        getattr(app, "__name__", None) or type(app).__name__,
        getattr(module, "__file__", None),
        getattr(app, "import_name", None),
        getattr(app, "root_path", None),
    ]


def _env_pin() -> tuple[bool, str | None]:
    """(overridden, pin) from ``HIPFLASK_DEBUG_PIN``; pin None means "off"."""
    value = os.environ.get(PIN_ENV, "").strip()
    if not value:
        return False, None
    if value.lower() == "off":
        return True, None
    if value.replace("-", "").isdecimal():
        return True, value if "-" in value else format_pin(value)
    logger.warning(
        " * %s=%r is neither digits (123-456-789) nor 'off'; using the generated PIN.",
        PIN_ENV,
        value,
    )
    return False, None


def get_pin_and_cookie_name(app: t.Any) -> tuple[str | None, str]:
    """The debugger PIN for *app* (None when ``HIPFLASK_DEBUG_PIN=off``) and the name of the
    cookie remembering that a browser entered it.

    Both are derived from the user name, the app's module, name, file, ``import_name`` and
    ``root_path``, the MAC address and the machine id, so they stay the same across
    restarts. The PIN has the form ``nnn-nnn-nnn``.
    """
    digest = hashlib.sha256(b"hipflask-debugger")
    for fact in [*_app_facts(app), str(uuid.getnode()), get_machine_id()]:
        raw = fact if isinstance(fact, bytes) else str(fact or "").encode("utf-8", "replace")
        # Length-prefix each fact so ("ab", "c") and ("a", "bc") mix differently.
        digest.update(len(raw).to_bytes(4, "big") + raw)

    cookie_digest = digest.copy()
    cookie_digest.update(b"cookie-name")
    cookie_name = f"__hfd{cookie_digest.hexdigest()[:20]}"

    overridden, pin = _env_pin()
    if not overridden:
        digest.update(b"pin")
        pin = format_pin(f"{int(digest.hexdigest(), 16) % 10**9:09d}")
    return pin, cookie_name
