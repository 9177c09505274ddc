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
from typing import NamedTuple

MAGIC = b"AUR1"
FORMAT_VERSION = 1
KIND_PAGE = 1
SKIP_PAGE = 0xFFFFFFFF
"""The page number of a record that only holds its LSN: a version of some page superseded
within the same batch, left out when a global database's replication merges batches (its
LSNs stay contiguous, so recovery finds the batch whole). Its body is empty; SQLite never
has a page with this number, so no read finds it, and it is collected like any superseded
version."""

_HEADER = struct.Struct("<4sBBHIIIQQQQQdIIII")
_HEADER_CRC_AT = _HEADER.size - 4
HEADER_SIZE = _HEADER.size


class RecordError(ValueError):
    """A record could not be decoded: ``torn`` when bytes are missing, else corrupt."""

    def __init__(self, message: str, torn: bool = False) -> None:
        super().__init__(message)
        self.torn = torn


class RecordHeader(NamedTuple):
    """A decoded header: the fields in their on-disk order, so that decoding is one
    ``unpack_from`` and no per-field work (a node decodes every record it receives)."""

    magic: bytes
    version: int
    kind: int
    flags: int
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
    header_crc: int

    @property
    def size(self) -> int:
        return HEADER_SIZE + self.body_len


_new_header = tuple.__new__


def encode_header(
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
    """The header of one page record with this body; the record is the header then the body
    (a writer joins a whole piece's headers and bodies at once, one copy of each body)."""
    head = _HEADER.pack(
        MAGIC, FORMAT_VERSION, KIND_PAGE, 0, epoch, file, pg, volume, lsn, prev_lsn,
        batch_first, cpl, ts, page, len(body), zlib.crc32(body), 0,
    )
    crc = zlib.crc32(memoryview(head)[:_HEADER_CRC_AT])
    return head[:_HEADER_CRC_AT] + crc.to_bytes(4, "little")


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
    return encode_header(volume=volume, epoch=epoch, file=file, pg=pg, lsn=lsn, prev_lsn=prev_lsn,
                         batch_first=batch_first, cpl=cpl, ts=ts, page=page, body=body) + body


def decode_header(buf: bytes | memoryview, offset: int = 0) -> RecordHeader:
    """Decode and check the header at ``offset``; the body is not read."""
    if len(buf) - offset < HEADER_SIZE:
        raise RecordError("truncated record header", torn=True)
    header: RecordHeader = _new_header(RecordHeader, _HEADER.unpack_from(buf, offset))
    if zlib.crc32(memoryview(buf)[offset : offset + _HEADER_CRC_AT]) != header.header_crc:
        raise RecordError(f"record header checksum mismatch at offset {offset}")
    if header.magic != MAGIC or header.version != FORMAT_VERSION:
        raise RecordError(f"unknown record format {header.magic!r} v{header.version}")
    return header


def body_ok(header: RecordHeader, body: bytes | memoryview) -> bool:
    return len(body) == header.body_len and zlib.crc32(body) == header.body_crc


def iter_records(buf: bytes | memoryview) -> list[tuple[RecordHeader, memoryview]]:
    """Split a buffer of whole records (a WRITE payload), checking every checksum."""
    view = memoryview(buf)
    total = len(view)
    out: list[tuple[RecordHeader, memoryview]] = []
    crc32 = zlib.crc32
    offset = 0
    while offset < total:
        header = decode_header(view, offset)
        body_at = offset + HEADER_SIZE
        end = body_at + header.body_len
        if end > total:
            raise RecordError("truncated record body", torn=True)
        if crc32(view[body_at:end]) != header.body_crc:
            raise RecordError(f"record body checksum mismatch (lsn {header.lsn})")
        out.append((header, view[offset:end]))
        offset = end
    return out
