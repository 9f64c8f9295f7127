"""A ready secrets provider backed by environment variables and, optionally, files."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

from gestalt.core import InvalidArgumentError, nonblocking
from gestalt.secrets._provider import SecretNotFound, SecretsProvider

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


class EnvSecretsProvider(SecretsProvider):
    """Secrets from environment variables, then from files in a directory.

    Naming rule: secret ``name`` is the variable ``prefix + NAME``, where ``NAME`` is the
    name upper-cased with every character other than an ASCII letter or digit replaced by
    ``_`` (``db/password`` with prefix ``APP_`` is ``APP_DB_PASSWORD``). When no such
    variable exists and a directory is set, the file ``directory/name`` is read (``name``
    must be a relative path without ``..``); one trailing newline is dropped. An empty
    variable or file is a valid empty secret. An empty ``directory`` means no directory.

    gestaltd passes a provider only the ``env:`` map of its config (HOST.md 2.1), so list
    the variables there. Config keys ``prefix`` and ``directory`` override the arguments.

    Args:
        prefix: Prefix of the variable names.
        directory: Folder of secret files (for example ``/run/secrets``), or ``None``.
    """

    def __init__(self, prefix: str = "", directory: str | Path | None = None) -> None:
        self.prefix = prefix
        self.directory = Path(directory) if directory else None

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Take ``prefix`` and ``directory`` from the config when present."""
        prefix = config.get("prefix", self.prefix)
        directory = config.get("directory", self.directory)
        if not isinstance(prefix, str):
            raise InvalidArgumentError("config 'prefix' must be a string")
        if directory is not None and not isinstance(directory, str | Path):
            raise InvalidArgumentError("config 'directory' must be a string")
        self.prefix = prefix
        # An empty string would become Path("") == "." and read the working directory.
        self.directory = Path(directory) if directory else None

    def variable_for(self, name: str) -> str:
        """The environment variable that holds secret ``name``."""
        return self.prefix + _NOT_ALNUM.sub("_", name).upper()

    # Marked: an environment lookup, or a read from a secret mount (tmpfs in practice),
    # costs less than a trip to the thread pool.
    @nonblocking
    def get_secret(self, name: str) -> str:
        """The secret's value from its variable or file; ``SecretNotFound`` otherwise."""
        value = os.environ.get(self.variable_for(name))
        if value is not None:
            return value
        if self.directory is not None:
            relative = PurePosixPath(name)
            # A NUL byte cannot name a file (open() raises ValueError): treat as missing.
            safe = name and "\x00" not in name and not relative.is_absolute()
            if safe and ".." not in relative.parts:
                try:
                    text = (self.directory / relative).read_text(encoding="utf-8")
                except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                    pass
                except OSError as error:
                    if error.errno != errno.ENAMETOOLONG:  # a name no file can have: missing
                        raise
                else:
                    return text[:-1] if text.endswith("\n") else text
        raise SecretNotFound(name)
