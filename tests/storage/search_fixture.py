"""A small archive for the search tests, the same on every back-end: four articles
(English, Russian, Hebrew), six fillers that keep their words rare, quotes, claims,
a photo credit, citations, tags and a collection. Invented text."""

from __future__ import annotations

from storage.db import Database
from storage.models import (
    Article,
    Citation,
    Claim,
    Collection,
    PhotoCredit,
    Quote,
    Tag,
    article_tags,
    collection_articles,
    collection_claims,
    quote_tags,
)

HARBOUR = (
    "The council approved new flood defences for the harbour on Tuesday after a decade of "
    "storms. \"We will not let the harbour flood again,\" said the mayor, Lena Park. "
    "Engineers say the wall will cost 3 million euros. A reader sent a note reading "
    "<script>alert(1)</script> & other things, which the editors kept as evidence."
)
BUDGET = (
    "The budget row deepened on Monday as ministers traded blame. \"The budget is a "
    "disgrace,\" said Omar Haddad. Officials claimed spending rose by 40 percent, citing "
    "Reuters. Lena Park said the harbour repairs were \"long overdue\". A minor flood of "
    "complaints followed at the café."
)


def article(n: int, **kw: object) -> Article:
    values: dict[str, object] = {"canonical_url": f"https://news.example/{n}",
                                 "url": f"https://news.example/{n}", "site": "news.example"}
    values.update(kw)
    return Article(**values)


def fill_search_archive(db: Database) -> dict[str, int]:
    with db.writer() as s:
        a1 = article(1, title="Harbour flood defences approved", authors=["Jane Roe"],
                      publisher="The Coastal Herald", site="coastalherald.example",
                      published="2024-03-05", text=HARBOUR)
        a2 = article(2, title="Council budget row deepens", authors=["Piotr Müller", "Ann Bo"],
                      publisher="Daily Ledger", site="www.ledger.example",
                      published="2023-11-20T08:00:00+00:00", text=BUDGET)
        a3 = article(3, title="Москва открывает новый мост", authors=["Иван Петров"],
                      publisher="Вести", site="vesti.example", published="2022-01-10",
                      text="Мэр Москвы открыл новый мост через реку.")
        a4 = article(4, title="שלום לכולם", publisher="Haaretz Example", site="he.example",
                      published="2021-06-01", text="ירושלים היא עיר עתיקה")
        s.add_all([a1, a2, a3, a4])
        s.flush()
        s.add_all([article(10 + n, title=f"Weather report {n}", site="weather.example",
                            text="Sunny spells and light winds along the coast.")
                   for n in range(6)])
        at = BUDGET.index
        q1 = Quote(article_id=a1.id, text="We will not let the harbour flood again",
                   speaker="Lena Park", start=HARBOUR.index("We will"),
                   end=HARBOUR.index("We will") + 39)
        q2 = Quote(article_id=a2.id, text="The budget is a disgrace", speaker="Omar Haddad",
                   start=at("The budget is"), end=at("The budget is") + 24)
        q3 = Quote(article_id=a2.id, text="long overdue", speaker="Lena Park",
                   start=at("long overdue"), end=at("long overdue") + 12)
        c1 = Claim(article_id=a2.id, text="spending rose by 40 percent", start=at("spending"),
                   end=at("spending") + 27, note="Treasury figures show 12 percent",
                   verdict="false")
        c2 = Claim(article_id=a1.id, text="the wall will cost 3 million euros",
                   start=HARBOUR.index("the wall"), end=HARBOUR.index("the wall") + 34,
                   note="", verdict="unverified")
        cr = PhotoCredit(article_id=a1.id, credit="Photo: Tom Reyes/Northlight Images",
                         photographer="Tom Reyes", provider="Northlight Images",
                         caption="The harbour wall at high tide")
        s.add_all([q1, q2, q3, c1, c2, cr, Citation(article_id=a2.id, name="Reuters"),
                   Citation(article_id=a1.id, name="Associated Press")])
        budget, floods = Tag(name="Budget", key="budget"), Tag(name="Floods", key="floods")
        coll = Collection(name="Harbour inquiry")
        s.add_all([budget, floods, coll])
        s.flush()
        s.execute(article_tags.insert().values(articles_id=a2.id, tags_id=budget.id))
        s.execute(quote_tags.insert().values(quotes_id=q1.id, tags_id=floods.id))
        s.execute(collection_articles.insert().values(collections_id=coll.id, articles_id=a1.id))
        s.execute(collection_claims.insert().values(collections_id=coll.id, claims_id=c1.id))
        return {"a1": a1.id, "a2": a2.id, "a3": a3.id, "a4": a4.id, "q1": q1.id, "q2": q2.id,
                "q3": q3.id, "c1": c1.id, "c2": c2.id, "cr": cr.id}
