"""Photo credits: where they are printed and how they split into photographer and provider."""

from __future__ import annotations

import pytest

from capture.extract.credits import credit_from_caption, extract_credits, split_credit, strip_label
from capture.extract.dom import parse_html


@pytest.mark.parametrize(
    ("credit", "photographer", "provider"),
    [
        ("Jane Doe/Getty Images", "Jane Doe", "Getty Images"),
        ("AP Photo/John Roe", "John Roe", "AP"),
        ("Gage Hollis/Flickr", "Gage Hollis", "Flickr"),
        ("Ana Lima / Reuters", "Ana Lima", "Reuters"),
        ("REUTERS/Ana Lima", "Ana Lima", "Reuters"),
        ("Aaron Bell on Unsplash", "Aaron Bell", "Unsplash"),
        ("Rowan Hale for Coast & Current", "Rowan Hale", "Coast & Current"),
        ("Getty Images", None, "Getty Images"),
        ("Mei Lin Zhou", "Mei Lin Zhou", None),
    ],
)
def test_split_credit(credit, photographer, provider):
    assert split_credit(credit) == (photographer, provider)


def test_labels_and_parentheses_are_dropped():
    assert strip_label("Photo credit: Ana Lima/Flickr") == "Ana Lima/Flickr"
    assert strip_label("(Photo by Ana Lima/Getty Images)") == "Ana Lima/Getty Images"
    assert strip_label("Credit: AP Photo/John Roe") == "AP Photo/John Roe"
    assert strip_label("Image source, Ana Lima") == "Ana Lima"
    assert strip_label("Photograph: Ana Lima/EPA") == "Ana Lima/EPA"


def test_credit_inside_caption_text():
    assert credit_from_caption("Crowds gather on Monday. (Photo by Ana Lima/Getty Images)") == "Ana Lima/Getty Images"
    assert credit_from_caption("Crowds gather on Monday. Staff photo by Ana Lima") == "Ana Lima"
    assert credit_from_caption("Workers leave the mine on June 5. MERIDIAN/Ana Lima") == "MERIDIAN/Ana Lima"
    assert credit_from_caption("Crowds gather on Monday.") is None


@pytest.mark.parametrize(
    ("caption", "photographer", "provider"),
    [
        ("President speaks in Washington. (AP Photo/Evan Vucci)", "Evan Vucci", "AP"),
        ("The stadium at night. Getty Images", None, "Getty Images"),
        ("A dog. Illustration by Maya Ito", "Maya Ito", None),
        ("Firefighters work. [Jane Doe | Tampa Bay Times]", "Jane Doe", "Tampa Bay Times"),
        ("The ship. EPA-EFE/ANDY RAIN", "Andy Rain", "EPA-EFE"),
        ("Street scene. © Jane Doe", "Jane Doe", None),
        ("Crowds gather. Courtesy of the city of Springfield", None, "the city of Springfield"),
    ],
)
def test_caption_credit_formats(caption, photographer, provider):
    credit = strip_label(credit_from_caption(caption))
    assert split_credit(credit) == (photographer, provider)


def test_credits_from_figures_spans_and_jsonld():
    root = parse_html(
        """<html><body><article>
        <figure><img src="/a.jpg"><figcaption>Boats at dawn. <span class="credit">Photo: Kai Moreno / The Tide</span></figcaption></figure>
        <figure><img src="/b.jpg"><figcaption>A dock. Photo credit: Lea Brun/Flickr</figcaption></figure>
        <p>Text.</p></article></body></html>"""
    )
    images = [{"@type": "ImageObject", "url": "https://x.org/c.jpg", "creditText": "Oskar Lind",
               "copyrightHolder": {"@type": "Organization", "name": "Nordic Wire"}}]
    got = extract_credits(root, images, None, ["Photo credits: Ines Paz/AFP"])
    assert [(c.photographer, c.provider) for c in got] == [
        ("Kai Moreno", "The Tide"), ("Lea Brun", "Flickr"), ("Oskar Lind", None), ("Ines Paz", "AFP")]
    assert got[0].caption.startswith("Boats at dawn.")
    assert got[0].image_url == "/a.jpg"
