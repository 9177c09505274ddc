"""Redo records: the unit the volume is written in, on the wire and on disk alike.

A record is a fixed header followed by a body (a full page image). The header carries its
own CRC32 and the body's, so a torn tail and a flipped bit are told apart: a record whose
header is sound but whose body is not is a corrupt copy, to be repaired from a peer. The
bytes a writer sends are the bytes a storage node appends to its log.

Fields (little-endian): magic ``AUR1``, format version, kind, flags, epoch, file, protection
group (index within the file), volume id, LSN, segment backlink (the previous LSN of the same
protection group, which is how a node knows its log is complete), the batch's first LSN and
commit point (CPL), the writer's wall clock, the page number, body length, body CRC, header CRC.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

MAGIC = b"AUR1"
FORMAT_VERSION = 1
KIND_PAGE = 1

_HEADER = struct.Struct("<4sBBHIIIQQQQQdIIII")
_HEADER_CRC_AT = _HEADER.size - 4
HEADER_SIZE = _HEADER.size


class RecordError(ValueError):
    """A record could not be decoded: ``torn`` when bytes are missing, else corrupt."""

    def __init__(self, message: str, torn: bool = False) -> None:
        super().__init__(message)
        self.torn = torn


@dataclass(frozen=True, slots=True)
class RecordHeader:
    epoch: int
    file: int
    pg: int
    volume: int
    lsn: int
    prev_lsn: int
    batch_first: int
    cpl: int
    ts: float
    page: int
    body_len: int
    body_crc: int
    kind: int = KIND_PAGE

    @property
    def size(self) -> int:
        return HEADER_SIZE + self.body_len


def encode(
    *,
    volume: int,
    epoch: int,
    file: int,
    pg: int,
    lsn: int,
    prev_lsn: int,
    batch_first: int,
    cpl: int,
    ts: float,
    page: int,
    body: bytes,
) -> bytes:
    """Encode one page record."""
    head = _HEADER.pack(
        MAGIC, FORMAT_VERSION, KIND_PAGE, 0, epoch, file, pg, volume, lsn, prev_lsn,
        batch_first, cpl, ts, page, len(body), zlib.crc32(body), 0,
    )
    crc = zlib.crc32(memoryview(head)[:_HEADER_CRC_AT])
    return head[:_HEADER_CRC_AT] + crc.to_bytes(4, "little") + body


def decode_header(buf: bytes | memoryview, offset: int = 0) -> RecordHeader:
    """Decode and check the header at ``offset``; the body is not read."""
    if len(buf) - offset < HEADER_SIZE:
        raise RecordError("truncated record header", torn=True)
    fields = _HEADER.unpack_from(buf, offset)
    (magic, version, kind, _flags, epoch, file, pg, volume, lsn, prev_lsn, batch_first, cpl,
     ts, page, body_len, body_crc, header_crc) = fields
    if zlib.crc32(memoryview(buf)[offset : offset + _HEADER_CRC_AT]) != header_crc:
        raise RecordError(f"record header checksum mismatch at offset {offset}")
    if magic != MAGIC or version != FORMAT_VERSION:
        raise RecordError(f"unknown record format {magic!r} v{version}")
    return RecordHeader(epoch, file, pg, volume, lsn, prev_lsn, batch_first, cpl, ts, page,
                        body_len, body_crc, kind)


def body_ok(header: RecordHeader, body: bytes | memoryview) -> bool:
    return len(body) == header.body_len and zlib.crc32(body) == header.body_crc


def iter_records(buf: bytes | memoryview) -> list[tuple[RecordHeader, memoryview]]:
    """Split a buffer of whole records (a WRITE payload), checking every checksum."""
    view = memoryview(buf)
    out: list[tuple[RecordHeader, memoryview]] = []
    offset = 0
    while offset < len(view):
        header = decode_header(view, offset)
        end = offset + header.size
        if end > len(view):
            raise RecordError("truncated record body", torn=True)
        body = view[offset + HEADER_SIZE : end]
        if not body_ok(header, body):
            raise RecordError(f"record body checksum mismatch (lsn {header.lsn})")
        out.append((header, view[offset:end]))
        offset = end
    return out
