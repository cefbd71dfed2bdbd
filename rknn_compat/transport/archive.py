"""Members of a .zip or .tar.gz (a doctor bundle), read with a size cap: a board recording replays out of one.

``probe --device fixture:BUNDLE.zip#board-2`` replays ``boards/board-2.json`` of a bundle that
`rknn-compat doctor --bundle` wrote; with one board in it the ``#NAME`` may be left out.
"""

from __future__ import annotations

import tarfile
import zipfile

from ..errors import UsageError

MAX_MEMBER_BYTES = 64 << 20


def is_archive(path: str) -> bool:
    try:
        return zipfile.is_zipfile(path) or tarfile.is_tarfile(path)
    except OSError:
        return False


def read_member(path: str, name: str | None = None, prefix: str = "") -> tuple[str, bytes]:
    """One member of a bundle (``name``, or the only one under ``prefix``); one-line UsageError otherwise."""
    names, get = _open(path)
    if name is None:
        found = [n for n in names if n.startswith(prefix) and n.endswith(".json")]
        if len(found) != 1:
            raise UsageError(f"{path}: {len(found)} members under {prefix or '/'} ({', '.join(found) or 'none'}); "
                             f"name one with {path}#NAME")
        name = found[0]
    if name not in names:
        alt = next((n for n in names if n.endswith("/" + name) or n.endswith("/" + name + ".json")), None)
        if alt is None:
            raise UsageError(f"{path}: no member {name!r} (members: {', '.join(sorted(names))})")
        name = alt
    return name, get(name)


def _open(path: str):
    try:
        if zipfile.is_zipfile(path):
            zf = zipfile.ZipFile(path)
            infos = {i.filename: i for i in zf.infolist()}
            return list(infos), lambda n: _capped(zf.open(n), infos[n].file_size, path)
        if tarfile.is_tarfile(path):
            tf = tarfile.open(path)
            infos = {i.name: i for i in tf.getmembers() if i.isfile()}
            return list(infos), lambda n: _capped(tf.extractfile(infos[n]), infos[n].size, path)
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise UsageError(f"cannot read bundle {path}: {exc}") from None
    raise UsageError(f"{path}: not a bundle (neither a zip nor a tar.gz)")


def _capped(fh, size: int, path: str) -> bytes:
    if size > MAX_MEMBER_BYTES:
        raise UsageError(f"{path}: a member larger than {MAX_MEMBER_BYTES} bytes; not a bundle of ours")
    with fh:
        return fh.read(MAX_MEMBER_BYTES + 1)


