"""Reader-facing texts for each canonical technique (our own wording). Stdlib only.

Keys are the SemEval-2023 Task 3 technique ids. Each entry has a human ``name``, a short
``definition`` for media-literacy teachers and fact-checkers, an invented news-like ``example``
(fictional people and places, not taken from any dataset) and a list of ``cues`` a reader can check.
"""

from __future__ import annotations

TECHNIQUE_TEXTS: dict[str, dict[str, object]] = {
    # --- Attack on reputation -------------------------------------------------------------
    "Name_Calling-Labeling": {
        "name": "Name calling / labeling",
        "definition": (
            "Attaching a short insulting or flattering label to a person or group so that the label "
            "does the work of an argument. The reader is invited to judge the target by the tag "
            "rather than by what it says or does."
        ),
        "example": (
            "The so-called 'budget wizards' at city hall have once again left taxpayers with the bill."
        ),
        "cues": [
            "a label attached to a person or group instead of an argument",
            "nicknames, scare quotes or 'so-called' in front of a name",
            "the label would carry the sentence's point even if the facts were removed",
        ],
    },
    "Guilt_by_Association": {
        "name": "Guilt by association",
        "definition": (
            "Discrediting a person, group or idea by linking it to someone or something the audience "
            "already despises, such as a dictator, an extremist movement or a criminal. The link itself "
            "is offered as the reason for rejection."
        ),
        "example": (
            "The mayor's housing plan is straight out of the playbook of the regime that starved its "
            "own farmers."
        ),
        "cues": [
            "a comparison to a widely hated figure, regime or group",
            "'that is exactly what ... did' used as the whole rebuttal",
            "the link is asserted without showing the two things are actually alike",
        ],
    },
    "Doubt": {
        "name": "Casting doubt",
        "definition": (
            "Undermining trust in a person, organisation or claim by questioning their competence, "
            "honesty or motives without presenting concrete evidence. The doubt is meant to make the "
            "audience dismiss the target rather than examine it."
        ),
        "example": "Can we really trust a health agency that changed its advice three times in one winter?",
        "cues": [
            "rhetorical questions about someone's competence or sincerity",
            "insinuation ('one has to wonder', 'some say') instead of evidence",
            "suspicion raised about motives rather than about the substance of the claim",
        ],
    },
    "Appeal_to_Hypocrisy": {
        "name": "Appeal to hypocrisy",
        "definition": (
            "Attacking someone by accusing them of inconsistency or double standards, such as doing what "
            "they condemn or having once said the opposite, so that their current position is dismissed. "
            "Whether the position itself is right is never addressed (tu quoque)."
        ),
        "example": (
            "The senator who now lectures us on saving water had his own lawn sprinklers running all summer."
        ),
        "cues": [
            "the critic's own past words or deeds are used to dismiss what they say now",
            "'look who's talking' or 'they did the same' framing",
            "no reply to whether the current claim is true",
        ],
    },
    "Questioning_the_Reputation": {
        "name": "Questioning the reputation",
        "definition": (
            "Damaging the standing of a person or group with strong negative claims about their character "
            "or morals, often unverified or unrelated to the issue under discussion. The aim is to make "
            "the target look untrustworthy in general, not to rebut a specific argument."
        ),
        "example": (
            "Before taking the union leader's strike demands seriously, remember he has never held an "
            "honest job."
        ),
        "cues": [
            "sweeping claims about someone's character rather than their argument",
            "unsourced allegations or smears about past behaviour",
            "the attack would apply to anything the target says, whatever the topic",
        ],
    },
    # --- Justification --------------------------------------------------------------------
    "Flag_Waving": {
        "name": "Flag waving",
        "definition": (
            "Justifying or opposing an idea by appealing to pride in, or the supposed interest of, a group "
            "the audience belongs to, such as a nation, region, religion or party. Loyalty to the group "
            "replaces reasons about the idea itself."
        ),
        "example": "No true Valdorian would ever accept a trade deal written in foreign capitals.",
        "cues": [
            "'true patriots', 'real citizens', 'our people' used as a reason",
            "the group's honour or interest is invoked instead of evidence",
            "disagreement is framed as disloyalty to the group",
        ],
    },
    "Appeal_to_Authority": {
        "name": "Appeal to authority",
        "definition": (
            "Presenting a claim as true mainly because a person or institution with status endorses it, "
            "especially when that authority is not an expert on the question or is cited instead of the "
            "evidence. Citing the author's own authority also counts."
        ),
        "example": "A Nobel-winning physicist has said the new vaccine is unsafe, so the debate is over.",
        "cues": [
            "a title, prize or institution named as the main reason to believe",
            "the authority's expertise does not match the topic",
            "the endorsement is used to end the discussion rather than to point to evidence",
        ],
    },
    "Appeal_to_Popularity": {
        "name": "Appeal to popularity",
        "definition": (
            "Arguing that a claim is true or an action is right because many people, or 'everyone', "
            "already believe or do it. Popularity is offered in place of reasons (bandwagon)."
        ),
        "example": (
            "Millions of families have already switched to the new diet, so why are you still waiting?"
        ),
        "cues": [
            "'everyone knows', 'most people agree', 'millions already'",
            "pressure to join a majority or not be left behind",
            "numbers of supporters stand in for evidence about the claim",
        ],
    },
    "Appeal_to_Values": {
        "name": "Appeal to values",
        "definition": (
            "Linking an idea to values the audience holds dear, such as freedom, fairness, tradition, "
            "faith or democracy, so that supporting the idea feels like supporting the value itself. "
            "How the idea actually serves that value is left unexplained."
        ),
        "example": (
            "Voting for the new zoning law is voting for freedom and the values our grandparents fought for."
        ),
        "cues": [
            "big abstract values ('freedom', 'justice', 'tradition') used as the argument",
            "no explanation of how the proposal actually advances the value",
            "opposing the idea is made to sound like opposing the value",
        ],
    },
    "Appeal_to_Fear-Prejudice": {
        "name": "Appeal to fear / prejudice",
        "definition": (
            "Promoting or rejecting an idea by stirring up fear, anxiety or hostility towards it, its "
            "alternative, or a group of people, often by exploiting existing prejudices. The emotion is "
            "meant to override a calm assessment of the risks."
        ),
        "example": "If the border station closes, gangs will be walking into our schools by next spring.",
        "cues": [
            "vivid threats or disaster scenarios without evidence of likelihood",
            "a group of people presented as a danger to the audience",
            "urgent emotional language about safety, children or survival",
        ],
    },
    # --- Simplification -------------------------------------------------------------------
    "Causal_Oversimplification": {
        "name": "Causal oversimplification",
        "definition": (
            "Blaming a complex problem or outcome on a single cause, or crediting it to one, while "
            "ignoring other plausible factors. Often used to pin responsibility on one person or group."
        ),
        "example": "Rents doubled in Port Ellis for one reason only: the students who moved in last year.",
        "cues": [
            "'the only reason', 'all because of', 'simply due to'",
            "one person or group blamed for a problem with many known causes",
            "no mention of other factors that experts usually discuss",
        ],
    },
    "False_Dilemma-No_Choice": {
        "name": "False dilemma / no choice",
        "definition": (
            "Presenting only two options, one clearly unacceptable, as if no others existed, or presenting "
            "a single course of action as the only possible one. Middle ground and alternatives are "
            "silently excluded."
        ),
        "example": "Either we build the motorway through the valley, or the region's economy dies.",
        "cues": [
            "'either ... or', 'you are with us or against us'",
            "an obviously bad alternative set against the favoured option",
            "compromises or other options exist but are not mentioned",
        ],
    },
    "Consequential_Oversimplification": {
        "name": "Consequential oversimplification (slippery slope)",
        "definition": (
            "Claiming that a first step will inevitably set off a chain of increasingly extreme "
            "consequences, without showing why each step would follow. Used to reject (or, more rarely, "
            "to promote) the first step."
        ),
        "example": "Allow a four-day school week today, and tomorrow there will be no school at all.",
        "cues": [
            "a chain of 'then ... then ...' predictions ending in an extreme outcome",
            "each step is asserted rather than supported",
            "a modest proposal is judged by its imagined worst end point",
        ],
    },
    # --- Distraction ----------------------------------------------------------------------
    "Straw_Man": {
        "name": "Straw man",
        "definition": (
            "Replacing an opponent's actual position with a distorted, exaggerated or weaker version and "
            "then attacking that version. Refuting the substitute is presented as refuting the original."
        ),
        "example": (
            "The cyclists' group wants safer bike lanes; in other words, they want to ban cars from the city."
        ),
        "cues": [
            "'so what they are really saying is ...' followed by an extreme version",
            "the opponent's position is paraphrased, never quoted",
            "the rebuttal targets a claim the opponent did not make",
        ],
    },
    "Red_Herring": {
        "name": "Red herring",
        "definition": (
            "Introducing a topic that is irrelevant to the question being discussed in order to pull "
            "attention away from it. The new topic may be true and even interesting, but it does not "
            "bear on the original point."
        ),
        "example": (
            "Asked about the missing hospital funds, the minister spoke at length about the national team's "
            "great season."
        ),
        "cues": [
            "a sudden change of subject when a hard question is asked",
            "the new topic does not help answer the original question",
            "the original issue is never returned to",
        ],
    },
    "Whataboutism": {
        "name": "Whataboutism",
        "definition": (
            "Deflecting criticism by pointing to a different, supposedly comparable wrongdoing by the critic "
            "or by others, instead of answering the criticism. The focus moves from the issue raised to the "
            "other party's record."
        ),
        "example": (
            "Critics complain about our delayed rail project, but what about the stadium their party "
            "never finished?"
        ),
        "cues": [
            "'what about ...?' or 'and what did they do?' in reply to criticism",
            "a different case is raised instead of addressing the one criticised",
            "the original accusation is left unanswered",
        ],
    },
    # --- Call -----------------------------------------------------------------------------
    "Slogans": {
        "name": "Slogans",
        "definition": (
            "Using a brief, catchy and memorable phrase, often a label or stereotype, to push a position "
            "or a call to action. The phrase replaces explanation and is easy to repeat."
        ),
        "example": "Residents gathered outside the plant chanting 'Our river, our rules!'",
        "cues": [
            "a short punchy phrase that could fit on a placard or hashtag",
            "the phrase is repeated or presented as a rallying cry",
            "no argument accompanies it",
        ],
    },
    "Conversation_Killer": {
        "name": "Conversation killer (thought-terminating cliché)",
        "definition": (
            "Shutting down discussion or critical thinking with a stock phrase that sounds final, such as "
            "'it is what it is' or 'enough said'. It discourages the reader from asking further questions."
        ),
        "example": (
            "Asked why the audit was cancelled, the spokesperson said: 'Rules are rules. End of story.'"
        ),
        "cues": [
            "stock phrases like 'it is what it is', 'end of discussion', 'enough said'",
            "the phrase closes the topic instead of answering a question",
            "questioning is framed as pointless or illegitimate",
        ],
    },
    "Appeal_to_Time": {
        "name": "Appeal to time",
        "definition": (
            "Pushing for action by insisting that the moment has come and that it is now or never, so that "
            "the urgency itself becomes the argument. The deadline may be real, exaggerated or invented."
        ),
        "example": (
            "The time for debate is over: the council must approve the tower this week or lose it forever."
        ),
        "cues": [
            "'now or never', 'the time has come', 'we cannot wait any longer'",
            "deadlines that leave no room for scrutiny",
            "urgency is stressed more than the merits of the action",
        ],
    },
    # --- Manipulative wording -------------------------------------------------------------
    "Loaded_Language": {
        "name": "Loaded language",
        "definition": (
            "Choosing words and phrases with strong emotional connotations, positive or negative, to sway "
            "the reader's feelings about a subject instead of describing it neutrally."
        ),
        "example": "The reckless tax grab will bleed hard-working families dry.",
        "cues": [
            "emotionally charged words where neutral ones were available",
            "vivid verbs and adjectives ('devastating', 'heroic', 'grab', 'bleed')",
            "the sentence tells you how to feel before it tells you what happened",
        ],
    },
    "Obfuscation-Vagueness-Confusion": {
        "name": "Obfuscation / intentional vagueness / confusion",
        "definition": (
            "Using deliberately unclear, ambiguous or convoluted wording so that the audience can read in "
            "whatever meaning suits them, or so that a claim cannot be pinned down and checked."
        ),
        "example": (
            "The ministry said certain adjustments to some programmes may be considered in due course, "
            "as appropriate."
        ),
        "cues": [
            "vague terms ('certain measures', 'some people', 'in due course') where specifics matter",
            "statements that cannot be checked because they commit to nothing",
            "jargon or long sentences that hide who does what",
        ],
    },
    "Exaggeration-Minimisation": {
        "name": "Exaggeration / minimisation",
        "definition": (
            "Making something seem much larger, better or worse than it is, or downplaying it so that it "
            "seems smaller or less important than it is. The distortion shapes the reader's judgement."
        ),
        "example": (
            "The chemical spill, which closed the river for a month, was described by the company as "
            "'a minor hiccup'."
        ),
        "cues": [
            "superlatives and absolutes ('the worst ever', 'never', 'everyone')",
            "serious events described as trivial ('a small hiccup', 'just a joke')",
            "the wording does not match the figures or facts reported",
        ],
    },
    "Repetition": {
        "name": "Repetition",
        "definition": (
            "Repeating the same word, phrase or message several times so that it sticks and starts to feel "
            "true or accepted through familiarity rather than evidence."
        ),
        "example": "Safe streets. Safe schools. Safe jobs. Only our plan keeps you safe.",
        "cues": [
            "the same phrase or slogan appears again and again",
            "repetition adds emphasis but no new information",
            "the message relies on familiarity rather than support",
        ],
    },
}
