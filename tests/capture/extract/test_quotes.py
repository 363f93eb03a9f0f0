"""Quotes and speakers on short texts: one rule per test."""

from __future__ import annotations

from capture.extract.quotes import extract_quotes


def run(*paras: str, authors=None):
    text = "\n\n".join(paras)
    offsets, pos = [], 0
    for p in paras:
        offsets.append((pos, p))
        pos += len(p) + 2
    quotes = extract_quotes(text, offsets, None, authors)
    for q in quotes:
        if q.start >= 0:
            assert text[q.start : q.end] == q.text
    return [(q.text, q.speaker) for q in quotes], quotes


def test_speaker_after_with_said_first():
    got, qs = run('"We will rebuild," said Mayor Alma Ruiz, who toured the site on Friday.')
    assert got == [("We will rebuild", "Alma Ruiz")]
    assert qs[0].role == "Mayor" and qs[0].cue == "said"


def test_speaker_after_name_first_with_apposition():
    got, qs = run("“Prices will keep falling,” Jonas Petrauskas, an economist at Baltic Rate Partners, said.")
    assert got == [("Prices will keep falling", "Jonas Petrauskas")]
    assert qs[0].role == "an economist at Baltic Rate Partners"


def test_colon_form_and_continuation_in_next_paragraph():
    got, _ = run(
        "Fire Chief Nadia Obi said: “The wind changed twice in an hour.”",
        "“We pulled every crew back to the ridge.”",
    )
    assert got == [("The wind changed twice in an hour.", "Nadia Obi"),
                   ("We pulled every crew back to the ridge.", "Nadia Obi")]


def test_split_quote_around_said_gives_two_entries():
    got, _ = run("“The numbers are bad,” she said, “and they are getting worse.”")
    assert [t for t, _ in got] == ["The numbers are bad", "and they are getting worse."]


def test_pronoun_resolves_to_last_named_person_not_a_place():
    got, _ = run(
        "Ruth Anders, who has run a bakery on Elm Street since 1998, opposed the plan.",
        "“I am not leaving,” she said.",
    )
    assert got == [("I am not leaving", "Ruth Anders")]


def test_surname_resolves_to_full_name_given_earlier():
    got, _ = run(
        "The talks were led by Ambassador Sergei Volkonsky, a veteran negotiator.",
        "“Nothing is agreed until everything is agreed,” Volkonsky told reporters.",
    )
    assert got == [("Nothing is agreed until everything is agreed", "Sergei Volkonsky")]


def test_told_outlet_that_partial_quote():
    got, _ = run('Senator Ann Kowal told the Chicago Tribune that the bill was "dead on arrival."')
    assert got == [("dead on arrival.", "Ann Kowal")]


def test_according_to_before_quote():
    got, _ = run("According to Detective Lena Morrow, the suspect “left in a hurry and never came back.”")
    assert got == [("left in a hurry and never came back.", "Lena Morrow")]


def test_present_tense_says_and_unnamed_role():
    got, _ = run(
        "“Nobody wants to say it out loud,” says one veteran nurse at the hospital.",
        "“The unit is short every single night,” a union steward said.",
    )
    assert got == [("Nobody wants to say it out loud", "one veteran nurse"),
                   ("The unit is short every single night", "a union steward")]


def test_organisation_speaker_and_it_said():
    got, _ = run(
        "Northwind Energy said on Tuesday that repairs would take a week.",
        "It said it was “deeply sorry for the disruption.”",
    )
    assert got == [("deeply sorry for the disruption.", "Northwind Energy")]


def test_multi_paragraph_quote_is_one_entry():
    got, qs = run(
        "Councilwoman Iris Tan read a letter from residents at the meeting.",
        "“We have waited eleven years for a crosswalk on this road.",
        "“We are done waiting,” Tan said.",
    )
    assert got == [("We have waited eleven years for a crosswalk on this road. We are done waiting", "Iris Tan")]
    assert qs[0].start == -1  # spans two paragraphs


def test_scare_quotes_titles_and_nicknames_are_not_speech():
    got, _ = run(
        "The so-called “reform” package passed on Monday.",
        "Her memoir, “A House Without Doors,” sold 40,000 copies.",
        "The film “Night Harbor” opens Friday.",
        "Guard Darnell “Bucket” Hayes scored 30 points.",
        "Engineers call the problem “ghost loading” in their reports.",
    )
    assert got == []


def test_headline_style_single_quotes_are_left_alone_in_body():
    got, _ = run("Players said the coach's ‘next man up’ speech mattered.")
    assert got == []


def test_short_partial_quote_with_speech_verb_is_a_quote():
    got, _ = run("Council member Luis Ortega, who voted no, called the deal “a giveaway” and left early.")
    assert got == [("a giveaway", "Luis Ortega")]


def test_trailing_comma_dropped_final_period_kept():
    got, _ = run("“It works,” said Ada Byrne. “It just works.”")
    assert got == [("It works", "Ada Byrne"), ("It just works.", "Ada Byrne")]


def test_straight_quotes_and_nested_single_quotes():
    got, _ = run("\"He told me, 'Run,' and I ran,\" said Marta Quill.")
    assert got == [("He told me, 'Run,' and I ran", "Marta Quill")]


def test_first_person_essay_speaker_is_the_author():
    got, _ = run("“I was wrong about this,” I wrote in 2019.", authors=["June Park"])
    assert got == [("I was wrong about this", "June Park")]


def test_repeated_quote_counted_once():
    got, _ = run("“Build it now,” said Omar Reyes.", "“Build it now,” said Omar Reyes.")
    assert len(got) == 1


def test_role_reference_resolves_to_the_titled_person():
    got, qs = run("Mayor Jane Holt toured the flooded blocks.", "“This is the worst I have seen,” the mayor said.")
    assert got == [("This is the worst I have seen", "Jane Holt")]
    assert qs[0].role == "the mayor"


def test_abbreviated_title_and_party_label():
    got, qs = run("“This,” said Rep. Anna Glick (D-Ohio), “is a disgrace.”")
    assert got == [("This", "Anna Glick"), ("is a disgrace.", "Anna Glick")]
    assert qs[0].role == "Rep."


def test_age_is_not_a_role_and_apposition_after_name():
    got, qs = run("“We're not done,” said Carlos Mendes, 34, who coaches the team.")
    assert got == [("We're not done", "Carlos Mendes")]
    assert qs[0].role is None


def test_term_in_quotes_followed_by_unrelated_clause_is_not_speech():
    got, _ = run("The “Great Resignation” is over, economists say.")
    assert got == []


def test_org_spokesperson_before_name():
    got, qs = run("A spokeswoman for the Department of Health, Carla Diaz, said the agency was “reviewing the findings.”")
    assert got == [("reviewing the findings.", "Carla Diaz")]
    assert qs[0].role == "A spokeswoman for the Department of Health"


def test_titles_named_after_the_quote_and_title_case_signs():
    got, _ = run(
        "She first appeared in “Night Harbor,” a 2019 documentary about fishing towns.",
        "Marchers carried banners that said “Housing Is A Right” through downtown.",
    )
    assert got == []


def test_participle_after_a_quote_does_not_name_the_speaker():
    got, _ = run("In a statement, Skylark said the change would “speed up boarding,” adding that most fliers travel light.")
    assert got == [("speed up boarding", "Skylark")]


def test_pronoun_skips_a_later_person_of_the_other_gender():
    got, _ = run(
        "Maria Delgado runs the food bank on Fifth Street.",
        "Volunteers said demand doubled after Robert Klein closed his grocery in March.",
        "“We ran out of eggs by noon,” she said.",
    )
    assert got == [("We ran out of eggs by noon", "Maria Delgado")]


def test_honorific_gives_the_gender():
    got, _ = run(
        "Taylor Quinn and Jordan Blake both ran for the seat. Mr. Blake won by 40 votes.",
        "Quinn conceded on Wednesday. “I called to congratulate him,” she said.",
    )
    assert got == [("I called to congratulate him", "Taylor Quinn")]


def test_colon_at_the_end_of_the_previous_paragraph():
    got, _ = run("In a letter to parents, Principal Dana Okoro wrote:", "“We will reopen the gym on Monday after the inspection.”")
    assert got == [("We will reopen the gym on Monday after the inspection.", "Dana Okoro")]


def test_single_quote_house_style():
    got, _ = run(
        "Labour’s housing spokesman, Tom Reddy, said: ‘We won’t build our way out of this in a year.’",
        "‘The workers’ union agrees,’ he added.",
    )
    assert got == [("We won’t build our way out of this in a year.", "Tom Reddy"),
                   ("The workers’ union agrees", "Tom Reddy")]


def test_wire_style_article_roles_signs_and_statements():
    got, qs = run(
        "Police Chief Maria Lopez said the investigation was continuing. “We will find everyone,” she said.",
        "Asked whether more arrests were expected, Lopez said: “Yes.”",
        "A sign taped to his door said “Closed for repairs.”",
        "In a statement, the Springfield Downtown Alliance said it “welcomes the arrest” and thanked police.",
    )
    assert got == [("We will find everyone", "Maria Lopez"), ("Yes.", "Maria Lopez"),
                   ("welcomes the arrest", "Springfield Downtown Alliance")]
    assert qs[1].role is None and qs[2].role is None  # "Asked whether ...", "In a statement" are not roles


def test_party_labels_state_abbreviations_and_predicates():
    got, qs = run(
        "“This is a sad day for working families,” Senate Majority Leader Chuck Schumer, D-N.Y., said on the floor.",
        "Sen. Joe Manchin, D-W.Va., joined Republicans in opposing the measure, saying he had “serious concerns” about it.",
    )
    assert got == [("This is a sad day for working families", "Chuck Schumer"), ("serious concerns", "Joe Manchin")]
    assert qs[0].role == "Senate Majority Leader"
    assert qs[1].role == "Sen."
