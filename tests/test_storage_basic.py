from __future__ import annotations

from storage_support import open_volume, page, run

pytestmark = __import__("pytest").mark.integration


def test_write_read_and_versions(fleet):
    async def go():
        vol = await open_volume(fleet)
        l1 = await vol.commit({(0, 0): page("a"), (0, 1): page("b")})
        l2 = await vol.commit({(0, 0): page("c")})
        assert l2 > l1 == vol.vdl - 1 or l2 == vol.vdl
        assert await vol.read_page(0, 0) == page("c")
        assert await vol.read_page(0, 0, as_of=l1) == page("a")
        assert await vol.read_page(0, 1) == page("b")
        assert await vol.read_page(0, 2) is None
        # pages past the end of the volume grow it by protection groups (64 pages each here)
        await vol.commit({(0, 200): page("far"), (1, 5): page("other file")})
        assert set(vol.meta.pgs) == {(0, 0), (0, 3), (1, 0)}
        assert await vol.read_page(0, 200) == page("far")
        await vol.close()
    run(go())
