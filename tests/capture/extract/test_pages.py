"""Whole-page extraction on fixture pages mimicking real publishing stacks."""

from __future__ import annotations

import pytest

from .conftest import PAGES, load

WP_URL = "https://northbaybeacon.org/2025/01/14/ferry-winter-schedule/"
ALL_PAGES = sorted(p.name for p in PAGES.glob("*.html"))


def quotes_by_text(ex):
    return {q.text: q for q in ex.quotes}


@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_offset_points_at_its_text(name):
    ex = load(name, "https://www.example.org/story")
    assert ex.text.strip()
    for q in ex.quotes:
        if q.start >= 0:
            assert ex.text[q.start : q.end] == q.text
    for c in ex.citations:
        for start, end in c.mentions:
            assert 0 <= start < end <= len(ex.text)
    assert "\n\n\n" not in ex.text
    assert "\x00" not in ex.text


@pytest.mark.parametrize("name", ALL_PAGES)
def test_reader_html_is_clean(name):
    ex = load(name, "https://www.example.org/story")
    html = ex.reader_html
    assert html.startswith("<")
    for bad in ("<script", "<style", "<iframe", "onclick", "<div", "<span", "class="):
        assert bad not in html
    assert "<p>" in html


def test_wordpress_yoast_graph(page):
    ex = page("wordpress_yoast.html", WP_URL)
    assert ex.title == "Ferry operator cancels winter schedule as crew shortage deepens"
    assert ex.authors == ["Tomasz Wierzbicki"]  # Person linked by @id in the @graph
    assert ex.published == "2025-01-14T07:30:00-08:00"  # the site's own offset, not UTC
    assert ex.modified.startswith("2025-01-15")
    assert ex.publisher == "Northbay Beacon"
    assert ex.language == "en-US"
    paras = ex.text.split("\n\n")
    assert paras[0].startswith("The only ferry line serving Marrow Island")
    assert "A problem years in the making" in paras  # subhead kept as its own paragraph
    for junk in ("Skip to content", "Donate today", "Sign up for our free newsletter", "We use cookies",
                 "Ferry fares to rise", "nobody plans ahead", "Tagged", "Transportation", "Photo by"):
        assert junk not in ex.text
    q = quotes_by_text(ex)
    assert q["We have been warning about this for two years. Nobody wanted to pay for training."].speaker == "Ingrid Solvang"
    reyes = q["My mother has dialysis three times a week"]
    assert (reyes.speaker, reyes.role) == ("Paulo Reyes", "a retired electrician")
    assert q["Two boats a week does not work for her."].speaker == "Paulo Reyes"
    assert q["I got a form letter back"].speaker == "Paulo Reyes"  # "he said"
    assert q["a slow-motion emergency"].speaker == "Marguerite Okafor-Hayes"  # "She called ..."
    assert "Boats Not Excuses" not in q  # a protest sign
    assert "Salt on the Rail" not in q  # a memoir title
    assert {c.name for c in ex.citations} == {"The Seattle Times", "KING 5"}
    assert [(c.photographer, c.provider) for c in ex.credits] == [("Greta Lindholm", "Getty Images")]
    assert ex.images[0].role == "lead"
    assert ex.images[0].url == "https://northbaybeacon.org/wp-content/uploads/2025/01/ferry-dock-1024x683.jpg"
    assert ex.images[0].credit == "Greta Lindholm/Getty Images"


def test_arc_body_split_by_ads(page):
    ex = page("arc_metro.html", "https://www.lakeviewledger.com/metro/2024/09/03/fare-cap/")
    assert ex.authors == ["Dana Whitcombe", "Omar Haddad"]  # the Organization author is not a writer
    assert ex.published.startswith("2024-09-03T17:40")
    assert ex.publisher == "The Lakeview Ledger"
    for junk in ("Advertisement", "Read more", "Fare study finds", "Most read", "Riders will pay no more",
                 "Metro", "Credit:"):
        assert junk not in ex.text
    assert "Who pays" in ex.text.split("\n\n")
    q = quotes_by_text(ex)
    assert q["the biggest change for riders in a generation."].speaker == "Felicia Moyo"
    assert q["We are making a promise we have not figured out how to keep"].speaker == "Grant Ellison"
    (ap,) = ex.citations
    assert ap.name == "The Associated Press"
    assert ex.text[ap.mentions[0][0] : ap.mentions[0][1]] == "The Associated Press"
    assert ap.url == "https://apnews.com/article/lakeview-transit-fare-cap-0f1e"
    assert {(c.photographer, c.provider) for c in ex.credits} == {("Lucia Marquez", "AP")}


def test_amp_page(page):
    ex = page("amp_story.html", "https://www.valleycourierpost.com/news/heat-wave-grid-record/amp/")
    assert ex.title == "Heat wave strains power grid as demand hits record"
    assert ex.authors == ["Lucía Herrera-Bly"]
    assert "Advertisement" not in ex.text and "Weather forecast center" not in ex.text
    q = quotes_by_text(ex)
    nested = next(t for t in q if t.startswith("My supervisor"))
    assert "'Keep the lights on, whatever it takes.'" in nested  # nested single quotes stay inside
    assert "Keep the lights on, whatever it takes." not in q
    assert q[nested].speaker == "Ravi Chandrasekhar"
    assert q[nested].role == "a spokesman for the Southwest Grid Council"
    assert q["It felt like sleeping in an oven"].speaker == "Maria Vasquez"  # nickname form resolved
    assert "Coco" not in q
    assert [c.name for c in ex.citations] == ["KJZZ"]
    assert ex.images[0].url == "https://www.valleycourierpost.com/img/2024/07/substation.jpg"
    assert ex.credits[0].photographer == "Marcus Tillman"


def test_microdata_only(page):
    ex = page("microdata_blox.html", "https://www.cfsentinel.com/news/library-sunday-hours/")
    assert ex.title == "Library expands Sunday hours after petition"
    assert ex.authors == ["Priya Venkataraman"]
    assert ex.published == "2024-02-11T18:30:00-06:00"
    assert ex.publisher == "Cedar Falls Sentinel"
    assert "Finally" not in ex.text  # comment
    q = quotes_by_text(ex)
    assert "The Orchard Keepers" not in q
    assert q["I figured the worst they could say was no"].speaker == "Tessa Grummond"
    assert [(c.photographer, c.provider) for c in ex.credits] == [("Jonah Feld", "Cedar Falls Sentinel")]
    assert ex.images and ex.images[0].url.endswith("library.jpg")


def test_liveblog_in_order(page):
    ex = page("liveblog.html", "https://www.harborstatedaily.com/live/election-night/")
    assert ex.authors == ["Mateo Lindgren", "Aisha Kamara"]  # per-update authors
    paras = ex.text.split("\n\n")
    assert paras[0].startswith("Polls closed at 8 p.m.")  # key points first
    assert paras.index("Turnout tops 2020 in three counties") < paras.index("Polls close across the state")
    assert "9:10 p.m." not in ex.text and "Share this post" not in ex.text
    assert "What to know" not in paras
    assert ex.quotes[0].speaker == "Evelyn Ostrowski"


def test_wire_story(page):
    ex = page("wire_dateline.html", "https://www.globewire.example/world/rice-strike/")
    paras = ex.text.split("\n\n")
    assert paras[0].startswith("HO CHI MINH CITY, May 20 (GWS) -")
    assert paras[-1].startswith("(Reporting by Nguyen Thi Lan")
    assert ex.authors == ["Nguyen Thi Lan"]  # editors and additional reporters are not authors
    assert "Sign up here" not in ex.text
    q = quotes_by_text(ex)
    duc = q["Nothing is moving. We have 40 containers sitting at the gate"]
    assert duc.speaker == "Pham Van Duc"
    assert duc.role.startswith("export manager at Mekong Grain Trading")
    assert q["working urgently to resolve the dispute"].speaker == "Saigon Port Authority"
    assert q["If it lasts another week, we will miss the June contracts"].speaker == "Pham Van Duc"
    assert [c.name for c in ex.citations] == ["Nikkei Asia"]


def test_windows_1252_page(page):
    ex = page("legacy_cp1252.html", "http://www.millcreekobserver.com/news/2014/0207cafe.html")
    assert ex.title == "Café owner reopens after 40° freeze burst pipes"
    assert ex.publisher == "The Mill Creek Observer"
    assert ex.authors == ["Agnes Thornbury"]
    assert ex.published == "2014-02-07"
    assert "“We lost every bag of flour" in ex.text
    assert "©" not in ex.text and "Home" not in ex.text
    assert ex.quotes[0].speaker == "Renée Castellanos"


def test_lazy_images(page):
    ex = page("lazy_images.html", "https://www.riversidesport.example/rowing/dunmore-title/")
    urls = [i.url for i in ex.images]
    assert urls[0] == "https://www.riversidesport.example/media/2024/06/regatta-1600.jpg"  # data-srcset
    assert not any(u.startswith("data:") for u in urls)
    assert urls.count("https://www.riversidesport.example/media/2024/06/regatta-800.jpg") == 0  # noscript twin
    assert "https://www.riversidesport.example/media/2024/06/podium-600.jpg" in urls
    assert {(c.photographer, c.provider) for c in ex.credits} == {("Tom Rees", "Shutterstock"), ("Ailsa Grant", "Flickr")}
    q = quotes_by_text(ex)
    assert "Our cox just kept shouting one word: ‘Now.’" in q
    assert q["the best race of the season"].speaker == "Moira Baxter"
    assert 'src="https://www.riversidesport.example/media/2024/06/regatta-1600.jpg"' in ex.reader_html
    # the in-body figure sits between the paragraphs around it in the reader, never in the text
    html = ex.reader_html
    assert html.index("Our cox") < html.index("podium-600.jpg") < html.index("best race of the season")
    assert html.count("regatta-1600.jpg") == 1
    assert "The crew on the podium" not in ex.text


def test_to_json_shape(page):
    data = page("arc_metro.html", None).to_json()
    for key in ("title", "authors", "published", "publisher", "text", "quotes", "sources", "photo_credits"):
        assert key in data
    assert set(data["quotes"][0]) >= {"quote", "speaker"}
    assert set(data["sources"][0]) >= {"name", "kind", "url"}
    assert set(data["photo_credits"][0]) >= {"credit", "photographer", "provider"}


def test_broadcaster_components_and_image_source_credit(page):
    ex = page("broadcaster_bbc_like.html", "https://www.nib.example/news/isles-123")
    assert ex.authors == ["Morag Sinclair"]  # byline spans: name and job title apart
    assert ex.publisher == "Northern Isles Broadcasting"
    assert "Ferry operator apologises" not in ex.text  # internal teaser link list
    assert "More on this story" not in ex.text and "Image caption" not in ex.text
    assert "'Welcome but overdue'" in ex.text.split("\n\n")
    q = quotes_by_text(ex)
    assert q["welcome but overdue"].speaker == "Isla Grant"
    first = next(t for t in q if t.startswith("Islanders have told us"))
    assert q[first].speaker == "Ewan Macrae"  # "Transport Secretary" is a title, not a name
    assert [(c.photographer, c.provider) for c in ex.credits] == [(None, "Getty Images")]


def test_legacy_br_paragraphs_without_p_tags(page):
    ex = page("br_paragraphs.html", "http://www.hollowcreekherald.example/story.php?id=88")
    assert ex.title == "Mill Street bridge to close for repairs"
    assert ex.publisher == "Hollow Creek Herald"
    assert ex.authors == ["Colm Brady"]
    paras = ex.text.split("\n\n")
    assert len(paras) == 4
    assert paras[0].startswith("The Mill Street bridge will close")
    assert "Classifieds" not in ex.text and "Contact us" not in ex.text
    assert ex.quotes[0].speaker == "Paula Ekdahl" and ex.quotes[0].role == "county engineer"


def test_pull_quote_and_embedded_tweet_left_out():
    from capture.extract import extract

    html = """<html><body><article><h1>Council backs new park</h1>
    <p>The council voted 6-1 on Monday to turn the old rail yard into a park with a playground and a pond.</p>
    <p>“Every neighborhood deserves green space within a short walk,” said council member Rosa Ibarra, who sponsored the plan.</p>
    <blockquote><p>Every neighborhood deserves green space within a short walk</p></blockquote>
    <blockquote class="twitter-tweet"><p>Huge win for the east side tonight! #parks</p>— Rosa Ibarra (@rosaibarra)</blockquote>
    <p>Construction is expected to start next spring and take about 18 months, according to the parks department.</p>
    </article></body></html>"""
    ex = extract(html, "https://www.example.org/news/park")
    paras = ex.text.split("\n\n")
    assert len(paras) == 3
    assert "Huge win" not in ex.text
    assert [q.text for q in ex.quotes] == ["Every neighborhood deserves green space within a short walk"]


def test_inline_time_and_cite_stay_in_sentences():
    from capture.extract import extract

    html = """<html><body><article><h1>Library hours</h1>
    <div class="meta"><time datetime="2024-05-01">May 1, 2024</time></div>
    <p>The library will reopen on <time datetime="2024-05-06">Monday</time> with a reading of <cite>The Salt Orchard</cite> by its author, who grew up in the town and now teaches nearby.</p>
    <p>Staff spent three weeks repairing shelves damaged in the March storm, the director said on Tuesday.</p>
    </article></body></html>"""
    ex = extract(html)
    assert "reopen on Monday with a reading of The Salt Orchard by its author" in ex.text
    assert "May 1, 2024" not in ex.text


def test_images_skip_teasers_logos_and_placeholders():
    from capture.extract import extract

    html = """<html><head><meta property="og:image" content="https://cdn.example.org/og.jpg"></head><body>
    <main><article><h1>Tide gates fail</h1>
    <figure><img src="data:image/gif;base64,R0lGOD" data-lazy-src="/img/tide-gate.jpg" alt="Gate"><figcaption>Image caption, The gate on Friday.</figcaption></figure>
    <p>The tide gates at the north end of the bay failed on Friday, flooding two streets for the third time this year.</p>
    <p>Crews from the county worked through the night to close them by hand, officials said on Saturday.</p>
    <img src="/static/site-logo.png" alt="logo">
    <div class="related-stories"><img src="/img/teaser-other-story.jpg" alt=""><a href="/x">Other story</a></div>
    </article></main></body></html>"""
    ex = extract(html, "https://www.example.org/news/tide")
    assert [(i.url, i.role) for i in ex.images] == [("https://www.example.org/img/tide-gate.jpg", "lead")]
    assert ex.images[0].caption == "The gate on Friday."


def test_next_story_of_an_infinite_scroll_is_left_out():
    from capture.extract import extract

    story = "<p>{}</p>"
    first = "".join(story.format(f"First story paragraph {i} about the harbor dredging plan and its cost to the city budget.") for i in range(6))
    second = "".join(story.format(f"Second story paragraph {i} about a bakery opening on Elm Street next to the old cinema.") for i in range(8))
    html = f"""<html><body><main>
    <article><h1>Harbor dredging approved</h1><div class="story-body">{first}</div></article>
    <article><h1>Bakery opens on Elm</h1><div class="story-body">{second}</div></article>
    </main></body></html>"""
    ex = extract(html, "https://www.example.org/news/harbor")
    assert "First story paragraph 5" in ex.text
    assert "Second story" not in ex.text


def test_marked_body_does_not_grow_into_dek_and_byline(page):
    ex = page("guardian_like.html", "https://www.thecoastline.example/environment/2024/feb/20/wind-farm")
    paras = ex.text.split("\n\n")
    assert paras[0].startswith("A 60-turbine offshore wind farm")
    assert paras[-1].startswith("Construction is due to start in 2026")
    for junk in ("Ministers approve 60-turbine", "Energy correspondent", "Offshore wind auction fails", "Sign up",
                 "Explore more", "Reuse this content", "Most viewed", "Share on Facebook", "Photograph"):
        assert junk not in ex.text
    assert ex.authors == ["Hana O'Dell"]
    q = quotes_by_text(ex)
    assert q["crumbs"].speaker == "Bryony Tullett" and q["crumbs"].role == "Its chair"
    nested = next(t for t in q if t.startswith("They keep telling us"))
    assert "‘the sea looks big until you try to fish it,’" in nested
    assert [c.name for c in ex.citations] == ["BBC"]
    assert [(c.photographer, c.provider) for c in ex.credits] == [("Owen Pryce", "Alamy")]
    assert ex.images[0].url == "https://i.coastline.example/img/turbines/1000.jpg"


def test_truncated_jsonld_article_body_does_not_cut_the_page_text():
    from capture.extract import extract

    paras = [f"Paragraph {i} of the story describes the flood defences along the river in some detail." for i in range(8)]
    body_json = paras[0]  # a paywall excerpt
    html = ('<html><head><script type="application/ld+json">{"@type":"NewsArticle","headline":"Flood walls",'
            f'"articleBody":"{body_json}"}}</script></head><body><article><h1>Flood walls</h1>'
            + "".join(f"<p>{p}</p>" for p in paras) + "</article></body></html>")
    ex = extract(html, "https://www.example.org/flood")
    assert len(ex.text.split("\n\n")) == 8


def test_section_named_article_body_with_header_dek_and_print_note(page):
    ex = page("metro_times_like.html", "https://www.metrotimes.example/2024/06/27/nyregion/rent-freeze.html")
    paras = ex.text.split("\n\n")
    assert paras[0].startswith("The City Council voted 31 to 19")
    for junk in ("The vote, the first freeze", "Supported by", "Advertisement", "SKIP ADVERTISEMENT",
                 "A version of this article appears in print", "Related Content", "Tenants Rally"):
        assert junk not in ex.text
    assert ex.authors == ["Priya Shah", "Leo Marchetti"]
    assert ex.published == "2024-06-27T22:14:00-04:00"  # the page's own offset (the UTC day is the 28th)
    q = quotes_by_text(ex)
    assert q["the right call in a hard year."].speaker == "Denise Harmon"


def test_utility_class_layout(page):
    ex = page("tailwind_utility_classes.html", "https://gridbeat.example/2024/05/cellcycle")
    paras = ex.text.split("\n\n")
    assert len(paras) == 4  # the "hidden md:block" paragraph is shown on desktops
    assert "Most popular" not in ex.text and "Solar tariffs" not in ex.text
    assert ex.quotes[0].speaker == "Maya Lindqvist" and ex.quotes[0].role == "chief executive"


def test_newsletter_sign_off_is_kept():
    from capture.extract import extract

    html = """<html><body><article><h1>Weekly notes</h1>
    <p>Good morning. This week the county budget hearings begin, and the schedule is longer than usual this year.</p>
    <p>The first session is on Tuesday at 6 p.m. in the council chambers, with public comment at the end.</p>
    <p>See you next week,</p><p>Marcus</p>
    <p>Reuse this content</p></article></body></html>"""
    ex = extract(html, "https://ledger.example/p/weekly-notes")
    paras = ex.text.split("\n\n")
    assert paras[-2:] == ["See you next week,", "Marcus"]


@pytest.mark.parametrize("line", ["Related stories", "ALSO READ", "More from Politics", "You may also like", "Most read",
                                  "Advertisement", "Story continues below advertisement", "READ MORE: Fares rise again",
                                  "Sign up for our newsletter to get the news in your inbox", "Nov 7, 2023",
                                  "Updated 4:52 p.m. PST", "© 2024 Example Media. All rights reserved."])
def test_furniture_lines(line):
    from capture.extract.body import is_boilerplate_text

    assert is_boilerplate_text(line)


@pytest.mark.parametrize("line", ["Related coverage is below and the mayor spoke.", "Print editions fell 10 percent.",
                                  "Loading docks were closed for the day.", "Copyright law is changing, lawyers say.",
                                  "Email is how most residents reached the council.", "Polls closed at 8 p.m."])
def test_sentences_that_look_like_furniture_are_kept(line):
    from capture.extract.body import is_boilerplate_text

    assert not is_boilerplate_text(line)
