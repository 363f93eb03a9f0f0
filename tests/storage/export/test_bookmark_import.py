"""Importing a bookmark file (File > Import, ``cuttings import``): its folders become the
articles' tags, one per folder, and each link's ADD_DATE is kept with its queued job."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from capture.types import Extracted
from storage.archive import Archive
from storage.export import import_path
from tests.support.captures import fetched

BOOKMARKS = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
    <DT><H3 ADD_DATE="1690000000" PERSONAL_TOOLBAR_FOLDER="true">Bookmarks bar</H3>
    <DL><p>
        <DT><H3 ADD_DATE="1690000200">Politik</H3>
        <DL><p>
            <DT><A HREF="https://ledger.example/haushalt" ADD_DATE="1690000100">Haushalt</A>
            <DT><H3>Wahl 2026</H3>
            <DL><p>
                <DT><A HREF="https://herald.example/umfrage?utm_source=x" ADD_DATE="1690000400">Umfrage</A>
            </DL><p>
            <DT><H3>Umfragen</H3>
            <DL><p>
                <DT><A HREF="https://herald.example/umfrage" ADD_DATE="1690000900">Umfrage</A>
            </DL><p>
        </DL><p>
        <DT><A HREF="https://post.example/ferry">Ferry</A>
        <DT><A HREF="https://post.example/archived" ADD_DATE="1690000700">Archived</A>
        <DT><A HREF="javascript:alert(1)">bad</A>
    </DL><p>
</DL><p>
"""


def _tags(archive: Archive, article_id: int) -> list[str]:
    data = archive.article(article_id)
    assert data is not None
    return sorted(data["tags"])


def test_folders_become_tags_and_dates_are_kept(empty: Archive, tmp_path: Path) -> None:
    # one of the bookmarks is already archived, and filed in a folder
    old = empty.store_capture(fetched("https://post.example/archived"),
                              Extracted(title="Archived", text="Already here."), ())
    marks = tmp_path / "bookmarks.html"
    marks.write_text(BOOKMARKS.replace(
        '<DT><A HREF="https://post.example/archived"',
        '</DL><p><DT><H3>Hafen</H3><DL><p><DT><A HREF="https://post.example/archived"'),
        encoding="utf-8")

    report = import_path(empty, marks)

    assert report.kind == "bookmarks" and report.queued == 3
    assert report.already_archived == 1
    assert any(r.startswith("javascript:alert(1)") for r in report.refused_urls)
    assert report.folder_tags == ["Politik", "Wahl 2026", "Umfragen", "Hafen"]
    assert report.dated == 2
    assert "folders kept as tags: Politik, Wahl 2026, Umfragen, Hafen" in report.summary()
    assert "2 with the date bookmarked" in report.summary()
    jobs = {j.url: j for j in empty.jobs(["queued"])}
    assert set(jobs) == {"https://ledger.example/haushalt", "https://herald.example/umfrage",
                         "https://post.example/ferry"}
    poll = jobs["https://herald.example/umfrage"]
    assert poll.tags == ("Politik", "Wahl 2026", "Umfragen")  # filed in two folders
    assert poll.bookmarked_at == datetime.fromtimestamp(1690000400, UTC)
    assert jobs["https://post.example/ferry"].tags == ()
    assert jobs["https://post.example/ferry"].bookmarked_at is None
    # the archived one got its folder's tag at once
    assert _tags(empty, old.article_id) == ["Hafen"]

    # the capture, when it is stored, gives the article its folders as tags
    stored = empty.store_capture(fetched(poll.url), Extracted(title="Umfrage", text="Die."),
                                 (), job_id=poll.id)
    assert _tags(empty, stored.article_id) == ["Politik", "Umfragen", "Wahl 2026"]
    plain = empty.store_capture(fetched("https://post.example/ferry"),
                                Extracted(title="Ferry", text="F."), (),
                                job_id=jobs["https://post.example/ferry"].id)
    assert _tags(empty, plain.article_id) == []
