"""The search query language: each construct, each error message, and any input at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.query import (
    QUERY_HELP,
    AnyOf,
    Filter,
    Query,
    QueryError,
    Term,
    fts_phrase,
    parse,
    tokens,
)


def test_words_are_anded_and_quoted_for_fts() -> None:
    q = parse("Climate  Budget")
    assert q.clauses == (Term(("climate",)), Term(("budget",)))
    assert q.match_expression() == '"climate" AND "budget"'


def test_phrase_keeps_its_words_together() -> None:
    q = parse('"flood defences" council')
    assert q.clauses[0] == Term(("flood", "defences"), phrase=True)
    assert q.match_expression() == '"flood defences" AND "council"'


def test_prefix() -> None:
    q = parse("minist*")
    assert q.clauses == (Term(("minist",), prefix=True),)
    assert q.match_expression() == '"minist" *'


def test_exclusions_of_words_and_phrases() -> None:
    q = parse('river -flood -"storm surge"')
    assert [t.words for t in q.excluded] == [("flood",), ("storm", "surge")]
    assert all(t.negated for t in q.excluded)
    assert q.excluded_expression() == '"flood" OR "storm surge"'


def test_or_between_terms() -> None:
    q = parse('flood OR "storm surge" OR drought council')
    assert q.clauses[0] == AnyOf((Term(("flood",)), Term(("storm", "surge"), phrase=True),
                                  Term(("drought",))))
    assert q.match_expression() == '("flood" OR "storm surge" OR "drought") AND "council"'


def test_lowercase_or_is_a_word() -> None:
    assert parse("flood or drought").clauses[1] == Term(("or",))


def test_parentheses_are_ignored() -> None:
    assert parse("(flood OR drought) council").match_expression() == \
        '("flood" OR "drought") AND "council"'


def test_fts_syntax_in_user_text_is_plain_text() -> None:
    q = parse('NEAR(a b) title:x ^start col:"y" AND')
    expr = q.match_expression()
    assert expr is not None
    # Every piece is inside its own quoted string; no bare FTS operators remain.
    assert expr == '"near" AND "a" AND "b" AND "title x" AND "start" AND "col y" AND "and"'


def test_quotes_inside_are_escaped() -> None:
    assert fts_phrase(('say "hi"',)) == '"say ""hi"""'


def test_punctuated_words_become_phrases() -> None:
    q = parse("covid-19 don't")
    assert q.match_expression() == '"covid 19" AND "don t"'


def test_unclosed_quote_runs_to_the_end() -> None:
    assert parse('"jane ro').clauses == (Term(("jane", "ro"), phrase=True),)


def test_emoji_only_is_empty_not_an_error() -> None:
    q = parse("😀 🎉")
    assert q.is_empty and q.match_expression() is None


def test_non_latin_scripts() -> None:
    assert parse("Москва").clauses == (Term(("москва",)),)
    assert parse("שלום").clauses == (Term(("שלום",)),)


def test_tokens_like_unicode61() -> None:
    assert tokens("Jane Roe-Smith, 2024!") == ("jane", "roe", "smith", "2024")
    assert tokens("🎉 ... ") == ()


@pytest.mark.parametrize(("text", "expected"), [
    ('speaker:"Jane Roe"', Filter("speaker", "Jane Roe")),
    ("source:Reuters", Filter("source", "Reuters")),
    ("site:example.com", Filter("site", "example.com")),
    ('author:"Ann  Bo"', Filter("author", "Ann Bo")),
    ("tag:budget", Filter("tag", "budget")),
    ('collection:"Flood inquiry"', Filter("collection", "Flood inquiry")),
    ("is:quote", Filter("is", "quote")),
    ("is:Claims", Filter("is", "claim")),
    ("is:article", Filter("is", "article")),
    ("is:credit", Filter("is", "credit")),
    ("verdict:False", Filter("verdict", "false")),
    ("before:2024", Filter("before", "2024")),
    ("after:2024-3", Filter("after", "2024-03")),
    ("after:2024-03-05", Filter("after", "2024-03-05")),
    ("-tag:budget", Filter("tag", "budget", negated=True)),
    ("SPEAKER:Roe", Filter("speaker", "Roe")),
])
def test_each_filter(text: str, expected: Filter) -> None:
    q = parse(text)
    assert q.filters == (expected,)
    assert q.clauses == ()


def test_filters_combine_with_words() -> None:
    q = parse('budget speaker:"Jane Roe" after:2023 -is:claim')
    assert q.match_expression() == '"budget"'
    assert [f.field for f in q.filters] == ["speaker", "after", "is"]


def test_kinds() -> None:
    assert parse("x").kinds() == ("article", "quote", "claim", "credit")
    assert parse("x is:quote").kinds() == ("quote",)
    assert parse("x is:quote is:claim").kinds() == ("quote", "claim")
    assert parse("x -is:credit").kinds() == ("article", "quote", "claim")
    assert parse("x speaker:Roe").kinds() == ("quote",)
    assert parse("x verdict:false").kinds() == ("claim",)
    assert parse("x speaker:Roe verdict:false").kinds() == ()


def test_unknown_field_is_searched_as_words() -> None:
    q = parse("http://example.com/a 10:30")
    assert q.filters == ()
    assert q.match_expression() == '"http example com a" AND "10 30"'


@pytest.mark.parametrize(("text", "message"), [
    ("OR flood", "could not understand 'OR': OR needs a word or phrase before it"),
    ("flood OR", "could not understand 'OR': OR needs a word or phrase after it"),
    ("flood OR OR drought", "could not understand 'OR OR': OR needs a word or phrase on each side"),
    ("flood OR -drought",
     "could not understand 'OR -drought': an excluded term cannot be one side of OR"),
    ("flood OR tag:x", "could not understand 'OR tag:x': OR joins words or phrases, not filters"),
    ("-flood", "could not understand '-flood': say what to look for as well as what to leave out"),
    ("a*", "could not understand 'a*': a prefix needs at least 2 letters before the *"),
    ("*", "could not understand '*': a * must follow the start of a word, e.g. minist*"),
    ("speaker:", "could not understand 'speaker:': speaker: needs a value after the colon, "
                 'e.g. speaker:"Jane Roe"'),
    ('tag:""', "could not understand 'tag:\"\"': tag: needs a value after the colon, "
               "e.g. tag:budget"),
    ("speaker:!!", "could not understand 'speaker:!!': speaker: needs a name with letters or "
                   "digits"),
    ("is:photo", "could not understand 'is:photo': is: takes one of article, quote, claim, "
                 "credit"),
    ("verdict:meh", "could not understand 'verdict:meh': verdict: takes one of unverified, "
                    "supported, disputed, false, misleading"),
    ("before:yesterday", "could not understand 'before:yesterday': dates are written 2024, "
                         "2024-03 or 2024-03-15"),
    ("after:2024-02-30", "could not understand 'after:2024-02-30': there is no such date "
                         "(day is out of range for month)"),
    ("-before:2020 x", "could not understand '-before:2020': a date filter cannot be excluded; "
                       "use after: instead"),
    ("x " * 70, "could not understand the query: it has more than 64 words"),
    ("x" * 2001, "could not understand the query: it is longer than 2000 characters"),
])
def test_each_error_message(text: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert str(info.value) == message


def test_long_fragment_is_shortened_in_messages() -> None:
    with pytest.raises(QueryError) as info:
        parse("is:" + "z" * 100)
    assert "..." in str(info.value) and len(str(info.value)) < 140


def test_help_documents_every_filter() -> None:
    for name in ("speaker:", "source:", "site:", "author:", "tag:", "collection:", "is:quote",
                 "is:claim", "is:article", "is:credit", "verdict:", "before:", "after:", "OR",
                 '"exact phrase"', "*", "-word"):
        assert name in QUERY_HELP


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_parses_or_says_why(text: str) -> None:
    try:
        q = parse(text)
    except QueryError as exc:
        assert str(exc).startswith("could not understand")
        return
    assert isinstance(q, Query)
    expr = q.match_expression()
    if expr is not None:
        assert expr.count('"') % 2 == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(['"', "-", "*", "OR", "(", ")", ":", "tag:", "is:", "speaker:",
                                 "after:", "x", "é", "😀", " ", "\x00", "\ud800", "before:20"]),
                max_size=12))
def test_query_syntax_soup(parts: list[str]) -> None:
    text = "".join(parts)
    try:
        parse(text)
    except QueryError as exc:
        assert str(exc).startswith("could not understand")
