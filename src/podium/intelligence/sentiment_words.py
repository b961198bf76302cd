"""The words and phrases `SentimentScorer` reads.

VADER's negations and boosters, and the complaint cues this project adds (see
`podium.intelligence.sentiment` for the method).

Kept apart from the scorer so that its rules read at once; valences are on the lexicon's
-4 ... +4 scale.
"""

from __future__ import annotations

import re

# VADER's booster increments (Hutto & Gilbert 2014, section 3.2).
B_INCR = 0.293
B_DECR = -0.293

NEGATIONS = frozenset(
    """aint arent cannot cant couldnt darent didnt doesnt dont hadnt hasnt havent isnt
    mightnt mustnt neither neednt never none nope nor not nothing nowhere oughtnt shant
    shouldnt uhuh wasnt werent without wont wouldnt rarely seldom despite no nobody""".split()
)

BOOSTERS: dict[str, float] = {
    **dict.fromkeys(
        """absolutely amazingly awfully completely considerable considerably decidedly deeply
        effing enormous enormously entirely especially exceptional exceptionally extreme
        extremely fabulously flipping flippin frackin fracking fricking frickin frigging
        friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible
        incredibly intensely major majorly more most particularly purely quite really
        remarkably so substantially thoroughly total totally tremendous tremendously uber
        unbelievably unusually utter utterly very""".split(),
        B_INCR,
    ),
    **dict.fromkeys(
        """almost barely hardly kinda kindof less little marginal marginally occasional
        occasionally partly scarce scarcely slight slightly somewhat sorta sortof""".split(),
        B_DECR,
    ),
}

# Complaint vocabulary on the lexicon's -4 ... +4 scale; it overrides the lexicon where both
# have a word (VADER rates "delayed" -0.9 and "cancel" -1.0 as general words; to a support
# desk they are the complaint itself).
COMPLAINT_WORDS: dict[str, float] = {
    "delayed": -1.6,
    "delay": -1.5,
    "delays": -1.5,
    "cancelled": -1.6,
    "canceled": -1.6,
    "cancellation": -1.3,
    "cancel": -1.2,
    "refund": -0.9,
    "refunds": -0.9,
    "stranded": -2.4,
    "stuck": -1.6,
    "missed": -1.2,
    "missing": -1.3,
    "lost": -1.6,
    "broken": -2.1,
    "damaged": -2.0,
    "defective": -2.2,
    "faulty": -2.0,
    "late": -1.0,
    "overbooked": -2.0,
    "overcharged": -2.4,
    "unacceptable": -2.6,
    "unprofessional": -2.2,
    "unhelpful": -2.1,
    "incompetent": -2.5,
    "outage": -1.8,
    "glitch": -1.3,
    "crashed": -1.6,
    "crashes": -1.5,
    "disconnected": -1.3,
    "diverted": -1.1,
    "rebooked": -0.8,
    "complaint": -1.5,
    "complaints": -1.5,
    "waited": -1.1,
    "waiting": -0.9,
    "hrs": -0.3,
    "nobody": -1.0,
    "ripoff": -2.5,
    "scam": -2.6,
    "unreachable": -1.6,
    "nightmare": -2.6,
    "ugh": -1.8,
    "smh": -1.5,
    "wtf": -2.2,
    "fail": -2.0,
    "fails": -2.0,
    "failed": -2.0,
    "sucks": -2.2,
    "worse": -2.1,
    "worst": -3.1,
    "hassle": -1.6,
    "rude": -2.2,
    "disappointing": -2.2,
    "unusable": -2.2,
    "error": -1.2,
    "errors": -1.2,
    "overdue": -1.4,
    "runaround": -2.0,
    "issue": -0.8,
    "issues": -0.8,
    "nonexistent": -2.0,
    "non-existent": -2.0,
    "joke": -0.5,
    "crashing": -1.6,
    "freezes": -1.4,
    "freezing": -0.8,
    "returned": -0.8,
    "unanswered": -1.6,
    "rebook": -0.6,
    "downgraded": -1.6,
    # Words that read as positive in general but, in a request to a support desk, signal a
    # problem as often as not ("please help, my bag is lost"): close to neutral here.
    "help": 0.4,
    "please": 0.3,
    "pls": 0.3,
    "plz": 0.3,
}

# Complaint emoji missing from (or weak in) the emoji lexicon.
COMPLAINT_EMOJI: dict[str, float] = {
    "😡": -2.6,
    "🤬": -3.0,
    "😤": -2.0,
    "👎": -2.0,
    "🙄": -1.5,
    "😒": -1.5,
    "😞": -1.8,
    "😢": -1.8,
    "😭": -1.6,
    "😩": -1.8,
    "😫": -1.8,
    "💩": -1.8,
    "👍": 1.5,
    "🙏": 1.0,
}

_NUM = (
    r"(?:\d+(?:\.\d+)?|a few|few|several|many|an|a|two|three|four|five|six|seven|eight|nine"
    r"|ten|twelve)"
)
_DUR = _NUM + r" (?:hours?|hrs?|minutes|mins|days|weeks|months)"
# Phrase cues, matched on the lower-cased text with straight apostrophes; each counts once.
# Each cue has its trigger literals ("a|b"): the regex runs only when one is in the text.
PHRASES: list[tuple[tuple[str, ...], re.Pattern[str], float]] = [
    (tuple(t.split("|")), re.compile(p), v)
    for t, p, v in [
        (
            "still",
            r"\bstill (?:waiting|wait|no|not|nothing|haven'?t|hasn'?t|have not|has not|"
            r"don'?t|doesn'?t|can'?t|unable|stuck|on hold)\b",
            -1.8,
        ),
        (
            "never",
            r"\bnever (?:again|received|got|arrived|showed|came|heard|answered|responded|"
            r"called|fixed|delivered)\b",
            -2.2,
        ),
        (
            "no |zero|not a|not any|without",
            r"\b(?:no|zero|not a|not any|without (?:a|any)) (?:response|reply|answer|help|"
            r"update|updates|call ?back|information|info|communication|explanation)\b",
            -1.8,
        ),
        ("hold", r"\b(?:on|put on) hold\b", -1.5),
        ("hung", r"\bhung up\b", -1.6),
        ("waste", r"\bwaste of (?:time|money)\b", -2.4),
        (
            "fed up|sick of|tired of|enough|so much for|again| time",
            r"\b(?:fed up|sick of|tired of|had enough|so much for|yet again|for the "
            r"(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time)\b",
            -1.8,
        ),
        (
            "n't|nt |not|never|stopped|going to",
            r"\b(?:doesn'?t|does not|don'?t|do not|didn'?t|did not|won'?t|will not|isn'?t|"
            r"is not|not|never|stopped|wasn'?t|can'?t|cannot|going to) (?:work|working|works|"
            r"load|loading|arrive|arrived|show up|showed up|respond|responding|fixed|help|"
            r"helping|play|charge|charging|connect|turn on|open|start|print|sync|install|"
            r"recognize|fit|refund|reply|replied|call back|get back)\b",
            -1.8,
        ),
        (
            "n't|nt |cannot|unable",
            r"\b(?:can'?t|cannot|could ?n'?t|unable to) (?:get|reach|find|log|access|contact|"
            r"talk|speak|check|change|book|cancel|use|believe)\b",
            -1.3,
        ),
        (
            "want|need|give me|demand|where",
            r"\b(?:want|need|give me|demand|where'?s|where is) (?:my|a|the) (?:money|refund|"
            r"bag|bags|luggage|order|package)\b",
            -1.6,
        ),
        ("money", r"\bmoney back\b", -1.6),
        (
            "my ",
            r"\b(?:cancel|close|closing|cancelling|canceling) my (?:account|subscription|"
            r"order|membership|card|service|booking|reservation|flight)\b",
            -1.6,
        ),
        ("joke", r"\b(?:is|was|what) a joke\b", -2.0),
        ("nothing", r"\bthanks? for nothing\b", -2.8),
        (
            "lef|leav",
            r"\b(?:left|leaving|leave) (?:us|me|them|people|passengers|customers) "
            r"(?:stranded|waiting|hanging|stuck)\b",
            -2.0,
        ),
        (
            "customer|guest",
            r"\b(?:customer|guest) (?:service|support|care)\b.{0,40}\b(?:not|no|never|nobody|"
            r"n'?t)\b",
            -1.0,
        ),
        # a duration spent waiting: "waited 3 hours", "2 hrs late", "for 40 minutes and counting"
        (
            "hour|hr|min|day|week|month",
            r"\b(?:wait\w*|delayed|late|hold|stuck|sat|sitting|been|over|still|for)\W+(?:\w+\W+)?"
            + _DUR
            + r"\b",
            -1.2,
        ),
        (
            "hour|hr|min|day|week|month",
            _DUR + r"\W+(?:\w+\W+)?(?:late|delay\w*|wait\w*|on hold|on the tarmac|and counting|"
            r"now|later|and still|with no|without)\b",
            -1.2,
        ),
        (
            "kidding",
            r"\b(?:are you|you'?re|you are|you have got to be|you've got to be) kidding\b",
            -1.8,
        ),
        (
            "get ",
            r"\b(?:can'?t|cannot|couldn'?t|unable to) get (?:through|anyone|a hold|ahold|an "
            r"answer)\b",
            -1.2,
        ),
        (
            "no one|noone|nobody",
            r"\b(?:no one|noone|nobody) (?:is |has |will |was )?(?:answer|answering|answered|"
            r"respond|responding|responded|help|helping|helped|there|available|picks|picked|"
            r"call|called|cares)\b",
            -1.6,
        ),
        (
            "back",
            r"\b(?:sent|send|sending|return|returned|returning|take|took|taking) (?:it|them|this|"
            r"the \w+|mine) back\b",
            -1.6,
        ),
        (
            "suppos|should|promised|if only",
            r"\b(?:supposed to|suppose to|should have|should've|was promised|were promised|"
            r"if only)\b",
            -0.8,
        ),
        (
            "easier|better|happier|more ",
            r"\b(?:couldn'?t|could not|can'?t|cannot) (?:be|have been) (?:any )?(?:easier|better|"
            r"happier|more pleased|more satisfied)\b",
            3.0,
        ),
        ("customer", r"\bcustomer (?:service|support|care)\b", -0.5),
        (
            "charged",
            r"\b(?:charged (?:me )?(?:twice|double|two times|again)|double charged)\b",
            -1.5,
        ),
        ("point", r"\bwhat'?s the point\b", -1.5),
        ("how ", r"\bhow (?:hard|difficult) (?:is it|can it be|could it be)\b", -1.6),
    ]
]

# A sentence that ends in "?" and opens like this chases or reproaches.
RHETORICAL = re.compile(
    r"(?:^|[.!?]\s+|\s)(?:why|how come|seriously|really|what happened|where is|where'?s|"
    r"when will|how long|how many more|are you kidding|is anyone|is anybody|does anyone)"
    r"\b[^.!?]{0,160}\?"
)
CHASE_VALUE = -1.2
