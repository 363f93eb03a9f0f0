"""Cited outlets: cues in running text, links, footers, the gazetteer, the publisher rule."""

from __future__ import annotations

import json
from importlib import resources

from capture.extract.sources import find_citations, load_outlets, outlet_by_name, outlet_for_domain


def names(text, links=(), footers=(), publisher="Daily Example", url="https://www.dailyexample.com/a"):
    return [c.name for c in find_citations(text, list(links), list(footers), publisher, url)]


def test_gazetteer_is_large_and_well_formed():
    data = json.loads(resources.files("resources").joinpath("outlets.json").read_text("utf-8"))
    outlets = data["outlets"]
    assert len(outlets) >= 300
    assert len({o["name"] for o in outlets}) == len(outlets)
    kinds = {o["kind"] for o in outlets}
    assert {"wire", "broadcaster", "newspaper"} <= kinds
    assert all(isinstance(o["aliases"], list) and isinstance(o["domains"], list) for o in outlets)
    assert len(load_outlets()) == len(outlets)


def test_aliases_and_domains_resolve():
    assert outlet_by_name("NYT").name == "The New York Times"
    assert outlet_by_name("the new york times").name == "The New York Times"
    assert outlet_for_domain("www.nytimes.com").name == "The New York Times"
    assert outlet_for_domain("edition.cnn.com").name == "CNN"
    assert outlet_for_domain("example.org") is None


def test_attribution_cues():
    assert names("The minister told The Guardian that talks had stalled.") == ["The Guardian"]
    assert names("Reuters reported on Monday that the plant had closed.") == ["Reuters"]
    assert names("The deal is worth $2 billion, according to Bloomberg.") == ["Bloomberg"]
    assert names("In an interview with NPR, she said the bill was dead.") == ["NPR"]
    assert names("The figures were first reported by the Financial Times.") == ["Financial Times"]
    assert names("ESPN’s latest projection lists the team as a No. 9 seed.") == ["ESPN"]
    assert names("As the Boston Globe documented in 2019, prices doubled.") == ["The Boston Globe"]
    assert names("Several riders told Time magazine the fees were too high.") == ["Time"]


def test_via_gives_both_outlets():
    assert sorted(names("The footage aired on Sky News via Reuters.")) == ["Reuters", "Sky News"]


def test_mentions_without_a_citation_cue_are_not_sources():
    assert names("The Washington Post building was sold last year to a developer.") == []
    assert names("Time is running out for the council, members said.") == []
    assert names("The company hired a former CNN producer.") == []
    assert names("People said they were worried about the fees.") == []
    assert names("Oxford University Press reported strong sales.") == []


def test_publisher_itself_is_never_a_source():
    got = names("The mayor told The Boston Globe on Friday that she would run again.",
                publisher="The Boston Globe", url="https://www.bostonglobe.com/metro/x")
    assert got == []


def test_each_outlet_once_with_every_mention():
    text = "Reuters reported the sale. Later, Reuters reported the price."
    (c,) = find_citations(text, [], [], "Daily Example", None)
    assert c.name == "Reuters" and len(c.mentions) == 2
    for start, end in c.mentions:
        assert text[start:end] == "Reuters"
    assert c.context.startswith("Reuters reported the sale")


def test_unknown_outlets_by_shape_and_call_sign():
    assert names("He told local radio station Radio Mirador that the road was closed.") == ["Radio Mirador"]
    assert names("The line had been flagged, the Tri-Valley Courier reported last year.") == ["Tri-Valley Courier"]
    assert names("The sheriff told WXYZ that two people were hurt.") == ["WXYZ"]
    assert names("The sheriff told WHO officials nothing.") == []


def test_links_to_outlet_domains():
    text = "As Bloomberg reported, the pledge echoes an earlier one."
    links = [("https://www.bloomberg.com/news/articles/x", "Bloomberg reported", 3, 21)]
    (c,) = find_citations(text, links, [], "Daily Example", None)
    assert c.name == "Bloomberg" and c.url == "https://www.bloomberg.com/news/articles/x"
    links = [("https://www.wsj.com/articles/y", "a report last week", -1, -1)]
    assert names("Other banks are nervous, a report last week said.", links) == ["The Wall Street Journal"]


def test_internal_links_are_not_sources():
    links = [("https://www.dailyexample.com/related", "our earlier story", -1, -1)]
    assert names("See our earlier story.", links) == []


def test_sources_footer_with_run_together_links():
    footer = [("Sources: Reuters via CNBCThe Washington Post",
               [("https://www.cnbc.com/x", "Reuters via CNBC"), ("https://www.washingtonpost.com/y", "The Washington Post")])]
    got = find_citations("Body text.", [], footer, "Daily Example", None)
    assert sorted(c.name for c in got) == ["CNBC", "Reuters", "The Washington Post"]
    assert {c.kind for c in got} == {"footer"}
