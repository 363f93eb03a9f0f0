"""The HTML report names the collection and the tags, and marks each claim in the
sentence it marks (issue 22); still no script, a CSP, everything escaped."""

from __future__ import annotations

from pathlib import Path

import lxml.html
from sqlalchemy import select

from storage.export import Include, Selection, export
from storage.models import Article, Claim, Collection, Tag
from tests.storage.export.test_formats import assert_safe_html

MARKUP = '<img src=x onerror="alert(1)"><b>bold</b>'


def _report(archive, tmp_path: Path, selection: Selection,
            **kw) -> tuple[str, lxml.html.HtmlElement]:
    path = tmp_path / "r.html"
    export(archive, selection, "html", path, **kw)
    text = path.read_text(encoding="utf-8")
    assert_safe_html(text)
    return text, lxml.html.document_fromstring(text)


def test_collection_and_tags_are_named(built, tmp_path: Path) -> None:
    archive, _ids, _ = built
    with archive.db.writer() as s:
        coll = s.scalar(select(Collection).where(Collection.name == "Harbour files"))
        coll.description = f"Wall repairs {MARKUP}\nsecond line"
        claim = s.scalars(select(Claim).order_by(Claim.id)).first()
        extra = Tag(name=f"claim-tag {MARKUP}", key=f"claim-tag {MARKUP}".casefold())
        s.add(extra)
        claim.tags.append(extra)
    text, doc = _report(archive, tmp_path, Selection(collection="harbour FILES"))
    (section,) = doc.xpath('//header/section[@class="collection"]')
    assert "Harbour files" in section.text_content()
    assert f"Wall repairs {MARKUP}" in section.text_content()  # escaped: shown, not parsed
    assert not section.xpath(".//img|.//b")
    for art in doc.xpath("//article"):
        chips = [t.text_content() for t in art.xpath('./p[@class="meta"]/span[@class="tag"]')]
        assert chips == ["Harbour"], chips
    legend_tags = {t.text_content()
                   for t in doc.xpath('//ol[@class="claims"]//span[@class="tag"]')}
    assert f"claim-tag {MARKUP}" in legend_tags
    footer = [t.text_content() for t in doc.xpath('//footer//span[@class="tag"]')]
    assert footer == sorted(["Harbour", f"claim-tag {MARKUP}"])
    assert "onerror" not in "".join(e.get("onerror") or "" for e in doc.iter())


def test_claims_are_marked_where_they_stand(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    with archive.db.writer() as s:
        art = s.get(Article, ids[1])
        start = art.text.index("The council told Reuters")
        end = start + len("The council told Reuters")
        claim = Claim(article_id=ids[1], capture_id=art.latest_capture_id,
                      text=art.text[start:end], start=start, end=end,
                      note=f"Reuters never ran it {MARKUP}", verdict="misleading", evidence=[])
        s.add(claim)
        # a claim whose text changed since it was marked: listed, not marked
        stale = Claim(article_id=ids[1], capture_id=art.latest_capture_id,
                      text="words no longer there", start=0, end=21, note="",
                      verdict="disputed", evidence=[], anchor_state="changed")
        s.add(stale)
        art_text = art.text
    _text, doc = _report(archive, tmp_path, Selection(article_ids=(ids[1],)))
    (article,) = doc.xpath("//article")
    marks = article.xpath('.//div[@class="body"]//mark')
    got = {(m.get("class"), m.text_content()) for m in marks}
    first_words = " ".join(art_text.split()[:4])  # the helper's claim: the first four words
    assert got == {("v-false", first_words), ("v-misleading", "The council told Reuters")}
    # each mark is followed by a numbered link to its note, which gives verdict and note
    legend = {li.get("id"): li for li in article.xpath('.//ol[@class="claims"]/li')}
    assert len(legend) == 3
    for m in marks:
        (ref,) = m.xpath('following-sibling::sup[@class="ref"][1]/a')
        li = legend[ref.get("href")[1:]]
        assert li.get("class") == m.get("class")
        assert li.xpath('./span[@class="verdict"]')[0].text_content() == m.get("class")[2:]
    notes = " ".join(li.text_content() for li in legend.values())
    assert f"Reuters never ran it {MARKUP}" in notes
    stale_li = [li for li in legend.values() if "words no longer there" in li.text_content()]
    assert stale_li and "Not marked in the text" in stale_li[0].text_content()
    # the article's image is still there, embedded
    assert article.xpath('.//div[@class="body"]//img[starts-with(@src, "data:image/png")]')


def test_overlapping_claims_and_text_markup_are_escaped(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    with archive.db.writer() as s:
        art = s.get(Article, ids[0])
        art.text = f"Alpha {MARKUP} beta gamma.\n\nDelta epsilon."
        t = art.text
        spans = ((0, t.index(" beta") + 5, "false"), (t.index("beta"), t.index("."), "supported"),
                 (t.index("Delta"), len(t), "disputed"))
        for a, b, v in spans:
            s.add(Claim(article_id=ids[0], capture_id=art.latest_capture_id, text=t[a:b],
                        start=a, end=b, note="", verdict=v, evidence=[]))
    text, doc = _report(archive, tmp_path, Selection(article_ids=(ids[0],)),
                        include=Include.only(["claims"]))
    (body,) = doc.xpath('//div[@class="body"]')
    assert not body.xpath(".//b") and not body.xpath(".//img")
    refs = body.xpath('.//sup[@class="ref"]')
    assert len(refs) == 3  # the helper's claim no longer matches the changed text
    for sup in refs:
        sup.drop_tree()
    paras = [p.text_content() for p in body.xpath("./p")]
    assert paras == [f"Alpha {MARKUP} beta gamma.", "Delta epsilon."]
    marks = [(m.get("class"), m.text_content()) for m in body.xpath(".//mark")]
    # "beta" lies in both of the first two claims: marked once, in the first's colour
    assert marks == [("v-false", f"Alpha {MARKUP} "), ("v-false", "beta"),
                     ("v-supported", " gamma"), ("v-disputed", "Delta epsilon.")]
    assert [li.get("class") for li in doc.xpath('//ol[@class="claims"]/li')] == [
        "v-false", "v-false", "v-supported", "v-disputed"]
