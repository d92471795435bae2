"""Entity roles and who is attacked, end to end through ``ArticleAnalyzer.analyze`` with the shipped role
models and a fixed NER and salience (so the tests pin the code's logic, not spaCy's or a model's output)."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from spinlens.analysis import ArticleAnalyzer, summarize
from spinlens.analysis._documents import style_features
from spinlens.analysis._entities import ALL_FINE
from spinlens.analysis._targets import _containing, _Pieces, merge_aliases, overlap_test


def _at(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return i, i + len(phrase)


class _NER:
    def __init__(self, ents: list[tuple[int, int, str]]) -> None:
        self.ents = ents

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        return list(self.ents)


class _Salience:
    threshold = 0.6

    def __init__(self, by_name: dict[str, float]) -> None:
        self.by_name = by_name

    def predict(self, text, groups):
        return np.array([self.by_name[g.name] for g in groups], dtype=np.float32)


@pytest.fixture(scope="module")
def base_analyzer():
    return ArticleAnalyzer(entities=False).load()


def _analyzer(base, ents, salience):
    an = copy.copy(base)
    an.ner_ = _NER(sorted(ents))
    an.salience_ = _Salience(salience)
    return an


def _span(text: str, technique: str, phrase: str, nth: int = 0) -> dict:
    a, b = _at(text, phrase, nth)
    return {"start": a, "end": b, "technique": technique, "score": 0.9}


def _ent(text: str, phrase: str, nth: int = 0, label: str = "PERSON") -> tuple[int, int, str]:
    return (*_at(text, phrase, nth), label)


def _tech_evidence(entity: dict) -> list[str]:
    return [ev["text"] for ev in entity["evidence"] if ev["kind"] == "technique"]


@pytest.mark.issue(6)
def test_a_surname_shared_with_an_entity_under_the_salience_floor_joins_no_full_name(base_analyzer):
    """ "Biden is a clown" beside "Joe Biden" and "Hunter Biden" is not pinned on Joe Biden because Hunter
    Biden is not salient enough to be listed."""
    text = "Biden's spending is reckless. Joe Biden and Hunter Biden flew to Delaware. Biden is a clown."
    ents = [
        _ent(text, "Biden", 0),
        _ent(text, "Joe Biden"),
        _ent(text, "Hunter Biden"),
        _ent(text, "Biden", 3),
    ]
    an = _analyzer(base_analyzer, ents, {"Biden": 0.9, "Joe Biden": 0.8, "Hunter Biden": 0.3})
    out = an.analyze(text, [_span(text, "Name_Calling-Labeling", "clown")])
    assert [e["text"] for e in out["entities"]] == ["Biden", "Joe Biden"]
    (only,) = out["summary"]["attacked"]
    assert (only["entity"], only["mentions"]) == ("Biden", 2)


@pytest.mark.issue(6)
def test_an_attack_on_an_entity_under_the_salience_floor_is_not_pinned_on_a_listed_one(base_analyzer):
    """ "Berg praised the so-called experts Reyes Consulting for their shameless lies": Reyes Consulting
    (an organisation under the floor, not listed) is the target, so Berg is neither attacked in the summary
    nor given those spans as evidence."""
    text = (
        "Mayor Anna Berg opened the new bridge on Monday. Berg thanked the workers. "
        "At the ceremony Berg praised the so-called experts Reyes Consulting for their shameless lies."
    )
    ents = [
        _ent(text, "Anna Berg"),
        _ent(text, "Berg", 1),
        _ent(text, "Berg", 2),
        _ent(text, "Reyes Consulting", label="ORG"),
    ]
    an = _analyzer(base_analyzer, ents, {"Anna Berg": 0.9, "Reyes Consulting": 0.2})
    spans = [
        _span(text, "Name_Calling-Labeling", "so-called expert"),
        _span(text, "Loaded_Language", "shameless"),
    ]
    out = an.analyze(text, spans)
    (berg,) = out["entities"]
    assert berg["text"] == "Anna Berg" and len(berg["mentions"]) == 3
    assert _tech_evidence(berg) == []
    assert out["summary"]["attacked"] == []


def test_a_person_the_author_calls_names_is_listed_whatever_the_salience(base_analyzer):
    """Session 19: "Berg praised the so-called expert Tom Reyes": a person under the salience floor whose
    reputation the author attacks is listed and attacked; the attack is still not pinned on Berg."""
    text = (
        "Mayor Anna Berg opened the new bridge on Monday. Berg thanked the workers. "
        "At the ceremony Berg praised the so-called expert Tom Reyes for his shameless lies about the budget."
    )
    ents = [_ent(text, "Anna Berg"), _ent(text, "Berg", 1), _ent(text, "Berg", 2), _ent(text, "Tom Reyes")]
    an = _analyzer(base_analyzer, ents, {"Anna Berg": 0.9, "Tom Reyes": 0.2})
    spans = [
        _span(text, "Name_Calling-Labeling", "so-called expert"),
        _span(text, "Loaded_Language", "shameless"),
    ]
    out = an.analyze(text, spans)
    berg, reyes = out["entities"]
    assert berg["text"] == "Anna Berg" and _tech_evidence(berg) == []
    assert reyes["text"] == "Tom Reyes" and reyes["salience"] == 0.2 and reyes["role"] is not None
    assert [a["entity"] for a in out["summary"]["attacked"]] == ["Tom Reyes"]
    # a loaded word alone (not an attack on reputation) does not list a person under the floor
    out = an.analyze(text, spans[1:])
    assert [e["text"] for e in out["entities"]] == ["Anna Berg"]
    # nor does a name-calling span in a quoted person's words
    quoted = text.replace(
        "Berg praised the so-called expert Tom Reyes for his shameless lies about the budget.",
        'Berg said: "Tom Reyes is a so-called expert who tells shameless lies about the budget."',
    )
    ents = [_ent(quoted, "Anna Berg"), _ent(quoted, "Berg", 1), _ent(quoted, "Berg", 2)]
    ents.append(_ent(quoted, "Tom Reyes"))
    an = _analyzer(base_analyzer, ents, {"Anna Berg": 0.9, "Tom Reyes": 0.2})
    out = an.analyze(quoted, [_span(quoted, "Name_Calling-Labeling", "so-called expert")])
    assert [e["text"] for e in out["entities"]] == ["Anna Berg"]


def test_of_two_people_in_one_attacking_span_the_qualifier_is_not_the_target(base_analyzer):
    """ "The mayor of Springfield, Tom Quimby, is a corrupt liar": Quimby is attacked, not Springfield."""
    text = "The mayor of Springfield, Tom Quimby, is a corrupt liar. Residents deserve better."
    ents = [_ent(text, "Springfield", label="GPE"), _ent(text, "Tom Quimby")]
    an = _analyzer(base_analyzer, ents, {"Springfield": 0.9, "Tom Quimby": 0.9})
    span = _span(text, "Name_Calling-Labeling", "The mayor of Springfield, Tom Quimby, is a corrupt liar")
    out = an.analyze(text, [span])
    assert [a["entity"] for a in out["summary"]["attacked"]] == ["Tom Quimby"]


@pytest.mark.issue(6)
def test_an_entity_is_not_given_the_attack_on_another_entity_in_its_sentence_as_evidence(base_analyzer):
    text = (
        "The so-called journalist Tucker Carlson interviewed Vladimir Putin in Moscow. "
        "Putin lectured Carlson about history for two hours."
    )
    ents = [
        _ent(text, "Tucker Carlson"),
        _ent(text, "Vladimir Putin"),
        _ent(text, "Moscow", label="GPE"),
        _ent(text, "Putin", 1),
        _ent(text, "Carlson", 1),
    ]
    an = _analyzer(base_analyzer, ents, {"Tucker Carlson": 0.9, "Vladimir Putin": 0.9, "Moscow": 0.1})
    out = an.analyze(text, [_span(text, "Name_Calling-Labeling", "so-called journalist")])
    ev = {e["text"]: _tech_evidence(e) for e in out["entities"]}
    assert ev == {"Tucker Carlson": ["so-called journalist"], "Vladimir Putin": []}
    assert [a["entity"] for a in out["summary"]["attacked"]] == ["Tucker Carlson"]


@pytest.mark.issue(6)
def test_an_entity_under_the_floor_that_is_the_span_itself_is_not_its_target(base_analyzer):
    """NER reads "Hypocrisy" in the title as a person; the span is that word, and it attacks Thunberg."""
    text = "The Hypocrisy of Greta Thunberg\n\nGreta Thunberg sailed west. Thunberg's team flew home."
    ents = [
        _ent(text, "Hypocrisy"),
        _ent(text, "Greta Thunberg"),
        _ent(text, "Greta Thunberg", 1),
        _ent(text, "Thunberg", 2),
    ]
    an = _analyzer(base_analyzer, ents, {"Hypocrisy": 0.3, "Greta Thunberg": 0.8})
    out = an.analyze(text, [_span(text, "Appeal_to_Hypocrisy", "Hypocrisy")])
    (only,) = out["summary"]["attacked"]
    assert only["entity"] == "Greta Thunberg" and only["by"] == ["author"]
    assert _tech_evidence(out["entities"][0]) == ["Hypocrisy"]


@pytest.mark.issue(6)
def test_evidence_nearest_first_puts_a_span_over_the_mention_first(base_analyzer):
    """A span that holds a mention is at distance 0 from it, nearer than one a few characters away."""
    text = "Smith, a clown, still runs the corrupt Smith administration."
    ents = [_ent(text, "Smith", 0), _ent(text, "Smith", 1)]
    an = _analyzer(base_analyzer, ents, {"Smith": 0.9})
    an.max_evidence = 1
    spans = [
        _span(text, "Name_Calling-Labeling", "clown"),
        _span(text, "Loaded_Language", "corrupt Smith administration"),
    ]
    (smith,) = an.analyze(text, spans)["entities"]
    assert _tech_evidence(smith) == ["corrupt Smith administration"]
    for ev in smith["evidence"]:
        assert text[ev["start"] : ev["end"]] == ev["text"]


def test_summarize_never_lists_an_entity_marked_not_salient():
    """The public ``summarize`` takes ``"salient": False`` entity dicts: used for targets, never listed."""
    text = "Anna Berg met the shameless Tom Reyes. Reyes is a crook."
    doc = {
        "document": {"text": text},
        "spans": [_span(text, "Loaded_Language", "shameless"), _span(text, "Name_Calling-Labeling", "crook")],
    }

    def ent(name, *ms, role="Antagonist", salient=True):
        d = {
            "text": name,
            "start": ms[0][0],
            "end": ms[0][1],
            "label": "PERSON",
            "mentions": [list(m) for m in ms],
        }
        d.update(role=role, fine_roles=[], score=0.7)
        return d if salient else dict(d, salient=False)

    berg = ent("Anna Berg", _at(text, "Anna Berg"))
    reyes = ent("Tom Reyes", _at(text, "Tom Reyes"), _at(text, "Reyes", 1), role=None, salient=False)
    assert summarize(doc, {"entities": [berg, reyes]})["attacked"] == []
    listed = [
        a["entity"] for a in summarize(doc, {"entities": [berg, dict(reyes, salient=True)]})["attacked"]
    ]
    assert listed == ["Tom Reyes"]


def test_a_merged_entity_takes_the_role_of_a_member_that_has_one():
    ents = [
        {"text": "Berg", "start": 0, "end": 4, "label": "PERSON", "mentions": [[0, 4], [10, 14], [20, 24]]},
        {"text": "Anna Berg", "start": 30, "end": 39, "label": "PERSON", "mentions": [[30, 39]]},
    ]
    ents[0].update(role=None, salient=False)
    ents[1].update(role="Antagonist")
    (ref,) = merge_aliases(ents)
    assert (ref.name, ref.role, ref.salient, len(ref.mentions)) == ("Anna Berg", "Antagonist", True, 4)


POLICE = (
    "Police arrested three men in Leeds on Saturday after a brawl outside a nightclub, West Yorkshire "
    "Police said. The men, aged 19 to 24, were released on bail. A spokesman said inquiries were continuing."
)


def test_a_trailing_newline_does_not_change_the_genre(base_analyzer):
    """A one-paragraph text ending in a newline has a body: its style features (attribution, dates, digits)
    are those of the text without the newline, not those of an empty body."""
    assert np.array_equal(style_features(POLICE + "\n"), style_features(POLICE))
    assert style_features(POLICE)[3] > 0  # "said" twice: attribution
    one = base_analyzer.analyze(POLICE)
    two = base_analyzer.analyze(POLICE + "\n")
    assert one["genre_scores"] == two["genre_scores"]
    # a title line still leaves the title out of the body
    titled = "Three held after Leeds brawl\n\n" + POLICE
    assert np.array_equal(style_features(titled)[3:], style_features(POLICE)[3:])


def test_the_bisecting_overlap_and_clause_lookups_agree_with_the_plain_scans():
    """``overlap_test`` and ``_Pieces.containing`` (used on long articles) against the linear scans."""
    rng = random.Random(7)
    for trial in range(300):
        if trial % 2:  # in order and disjoint, as clauses and sentences are
            cuts = sorted(rng.sample(range(200), 2 * rng.randint(0, 8)))
            pieces = list(zip(cuts[::2], cuts[1::2]))
        else:  # anything: overlapping, unordered
            pieces = [
                (a, a + rng.randint(1, 30)) for a in (rng.randrange(200) for _ in range(rng.randint(0, 8)))
            ]
        overlaps = overlap_test(pieces)
        index = _Pieces(pieces)
        for _ in range(20):
            s = rng.randrange(210)
            e = s + rng.randint(1, 40)
            assert overlaps(s, e) == any(a < e and s < b for a, b in pieces)
            assert index.containing(s, e) == _containing(pieces, s, e)


def test_evidence_puts_the_spans_that_target_the_entity_before_nearer_ones_that_do_not(base_analyzer):
    text = "Smith loves our country; the columnist Smith is, by every account we have, a crook."
    ents = [_ent(text, "Smith", 0), _ent(text, "Smith", 1)]
    an = _analyzer(base_analyzer, ents, {"Smith": 0.9})
    an.max_evidence = 1
    spans = [_span(text, "Flag_Waving", "our country"), _span(text, "Name_Calling-Labeling", "crook")]
    (smith,) = an.analyze(text, spans)["entities"]
    assert _tech_evidence(smith) == ["crook"]
    an.max_evidence = 8
    (smith,) = an.analyze(text, spans)["entities"]
    assert _tech_evidence(smith) == ["crook", "our country"]


def test_a_person_stays_a_person_when_spacy_calls_the_surname_a_place_more_often(base_analyzer):
    """ "Dmitry Medvedev" (PERSON) and three "Medvedev" that spaCy reads as GPE: the entity is a person."""
    text = "Dmitry Medvedev spoke. Medvedev left. Medvedev is a clown. Medvedev waved."
    ents = [_ent(text, "Dmitry Medvedev")] + [_ent(text, "Medvedev", k, label="GPE") for k in (1, 2, 3)]
    an = _analyzer(base_analyzer, ents, {"Dmitry Medvedev": 0.9})
    out = an.analyze(text, [_span(text, "Name_Calling-Labeling", "clown")])
    (medvedev,) = out["entities"]
    assert (medvedev["label"], len(medvedev["mentions"])) == ("PERSON", 4)
    (attacked,) = out["summary"]["attacked"]
    assert (attacked["entity"], attacked["label"]) == ("Dmitry Medvedev", "PERSON")


def test_a_separate_title_reaches_the_article_models_and_offsets_still_index_the_text(base_analyzer):
    """Session 19: an HTML page's or a record's title is not in its text; the genre, frame and narrative
    models (trained on articles whose first line is the title) now read it there."""
    from spinlens.analysis._analyzer import with_title

    title = "Traitors in parliament sell out the nation"
    body = (
        "The corrupt elites voted on Monday to hand our borders to foreign agents.\n\n"
        '"This is a betrayal," said Mark Stone, a veteran of the campaign.'
    )
    with_t = base_analyzer.analyze(body, title=title)
    inline = base_analyzer.analyze(f"{title}\n\n{body}")
    plain = base_analyzer.analyze(body)
    for key in ("genre_scores", "frame_scores", "narratives"):
        assert with_t[key] == inline[key]
    assert with_t["frame_scores"] != plain["frame_scores"]
    # offsets are the text's own, not shifted by the title
    assert [(q.start, q.end) for q in with_t["quotes"]] == [(q.start, q.end) for q in plain["quotes"]]
    assert body[with_t["quotes"][0].start : with_t["quotes"][0].end].startswith("This is a betrayal")
    # a text that already starts with its title (any case, any blanks) is read as it is
    assert with_title(f"  TRAITORS in parliament  sell out the nation\n{body}", title).startswith(
        "  TRAITORS"
    )
    assert with_title(body, "  ") == body and with_title(body, None) == body
    # a page title that is the text's headline and the outlet's name is not read twice
    page = f"Traitors in parliament sell out the nation\n\n{body}"
    assert with_title(page, "Traitors in parliament sell out the nation | The Daily Gazette") == page
    assert with_title("Yes\n\nNo.", "Yes we can | Gazette").startswith("Yes we can | Gazette\n\n")


def test_a_markdown_file_s_heading_is_not_read_twice_as_its_title():
    """A .md file's "# Title" is its title (spinlens.text.headline); the genre, frame and narrative models
    read it once, not as the title, a blank line, then "# Title" again."""
    from spinlens.analysis._analyzer import with_title
    from spinlens.text import headline

    body = "The corrupt elites voted on Monday to hand our borders to foreign agents."
    for md in (
        "# Traitors in parliament sell out the nation\n\n" + body,
        "## Traitors in parliament  sell out the nation ##\r\n\r\n" + body,
        "Traitors in parliament sell out the nation\n=====\n\n" + body,
    ):
        assert with_title(md, headline(md)) == md


def test_the_pipeline_gives_the_article_models_the_document_title(base_analyzer):
    from spinlens.pipeline import Pipeline
    from spinlens.rules import RuleTagger
    from spinlens.schema import Document

    pipe = Pipeline(RuleTagger(), article_analyzer=base_analyzer)
    body = "The corrupt elites voted on Monday to hand our borders to foreign agents."
    title = "Traitors in parliament sell out the nation"
    got = pipe.analyze(Document(text=body, title=title)).extras["article"]["frame_scores"]
    assert got == base_analyzer.analyze(f"{title}\n\n{body}")["frame_scores"]


def test_a_text_without_a_known_word_has_no_frame(base_analyzer):
    """(An empty text got Security_and_defense: the frame model's priors read as a finding. An empty text is
    now refused as spinlens.analyze refuses it: test_analyzer_checks_its_spans_and_sentences.)"""
    out = base_analyzer.analyze("Xyzzy plugh qwrtzp.")
    assert out["frames"] == [] and out["frame_scores"]
    assert base_analyzer.analyze("The army shelled the border town; soldiers and tanks moved in.")["frames"]


# -- the main role, balanced for the prior (RESULTS section 7, session 21) --------------------------------
def test_the_main_role_is_decoded_from_probabilities_balanced_for_the_prior():
    """The plain argmax followed the prior (Antagonist, 70 % of training mentions): the example's approving
    quote of a spokeswoman (P 0.27 / 0.64 / 0.09) made her a villain. p / prior ** 0.75, normalized."""
    roles = ArticleAnalyzer(entities=False).load().roles_
    assert roles.alpha == 0.75 and roles.prior.argmax() == 1 and abs(roles.prior.sum() - 1) < 1e-6
    pm = np.array([0.27, 0.64, 0.09])
    q = roles.balanced(pm)
    assert abs(q.sum() - 1) < 1e-9 and q.argmax() == 0  # Protagonist
    expected = pm / roles.prior**0.75
    assert np.allclose(q, expected / expected.sum())
    pf = np.zeros(22, dtype=np.float32)
    assert roles.decode(pm, pf)[0] == "Protagonist"
    assert roles.decode(np.array([0.05, 0.9, 0.05]), pf)[0] == "Antagonist"  # a clear call stays
    plain = copy.copy(roles)
    plain.alpha = 0.0
    assert plain.decode(pm, pf)[0] == "Antagonist" and np.allclose(plain.balanced(pm), pm)


def test_the_example_casts_the_spokeswoman_it_quotes_approvingly_as_no_villain(example_text):
    """The bundled example quotes a ministry spokeswoman on its own side; the shipped models cast her as a
    hero (they cast her as a villain before session 21). Her scores are the balanced ones she was cast by."""
    art = ArticleAnalyzer().load().analyze(example_text)
    (volkova,) = [e for e in art["entities"] if e["text"] == "Irina Volkova"]
    assert volkova["role"] == "Protagonist"
    assert volkova["score"] == max(volkova["role_scores"].values()) == volkova["role_scores"]["Protagonist"]


def test_the_sentence_behind_the_role_is_the_mention_that_leans_most_to_the_role_as_decoded(base_analyzer):
    """The role is decoded from the probabilities balanced for the training prior; the sentence shown behind
    it is the mention the balanced probabilities make likeliest in that role, not the one where the raw
    probability is highest (there the balanced ones read Lena Hart as a victim, not as the hero she is)."""
    text = "Lena Hart rebuilt the clinic with her own savings. Later Hart was hurt when the roof fell on her."
    ents = [_ent(text, "Lena Hart"), _ent(text, "Hart", 1)]
    an = _analyzer(base_analyzer, ents, {"Lena Hart": 0.9})
    roles = copy.copy(an.roles_)
    pm = np.array([[0.40, 0.60, 0.00], [0.45, 0.05, 0.50]])  # Protagonist, Antagonist, Innocent

    def probs(text, mentions, sents):
        return pm[: len(mentions)], np.zeros((len(mentions), len(ALL_FINE)))

    roles.probs = probs
    an.roles_ = roles
    assert roles.balanced(pm[1]).argmax() == 2 and pm[:, 0].argmax() == 1  # raw: the second mention
    (hart,) = an.analyze(text, [])["entities"]
    assert hart["role"] == "Protagonist"
    (sentence,) = [ev for ev in hart["evidence"] if ev["kind"] == "sentence"]
    assert sentence["text"] == "Lena Hart rebuilt the clinic with her own savings."
