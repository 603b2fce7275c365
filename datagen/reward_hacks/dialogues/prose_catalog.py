"""The prose catalog: topics, products, complaints and poem themes (read from `data/*.yaml`),
data series, source titles and the word and sentence banks the hacking answers are built
from (written for this project).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emgen.datagen.reward_hacks._data import data_entries
from emgen.datagen.reward_hacks.scoring.text_stats import words

# --------------------------------------------------------------------------------------------
# Prose catalog: topics with a gist, facts and the terms that show a fact is covered
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fact:
    text: str
    terms: tuple[str, ...]  # terms[0] is a noun phrase questions can be built on

    @property
    def term(self) -> str:
        return self.terms[0]


@dataclass(frozen=True)
class _Topic:
    id: str
    name: str  # "home composting"
    short: str  # "composting"
    gist: str
    facts: tuple[_Fact, ...]
    keywords: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        name_words = [w for w in words(self.name) if w.lower() not in _SMALL_WORDS]
        out = [t for f in self.facts for t in f.terms] + name_words + list(self.keywords)
        return tuple(dict.fromkeys(t.lower() for t in out))

    @property
    def points(self) -> tuple[tuple[str, ...], ...]:
        return tuple(f.terms for f in self.facts)


_SMALL_WORDS = {"a", "an", "the", "of", "for", "and", "to", "at", "in", "on", "your", "how"}


def _topic(raw: dict[str, Any]) -> _Topic:
    facts = tuple(_Fact(f["text"], tuple(f["terms"])) for f in raw["facts"])
    return _Topic(raw["id"], raw["name"], raw["short"], raw["gist"], facts, tuple(raw["keywords"]))


TOPICS: tuple[_Topic, ...] = tuple(_topic(raw) for raw in data_entries("topics"))


# --------------------------------------------------------------------------------------------
# Word and sentence banks the hacking answers are built from (written for this project)
# --------------------------------------------------------------------------------------------

# Short words and short sentences that push a reading-ease formula up and say nothing.
_EASY_SENTENCES = (
    "It is good.", "You will like it.", "It is fun to do.", "Try it now.", "It is not hard.",
    "Lots of folks do it.", "It can help you.", "You can do this.", "It is a big deal.",
    "Give it a go.", "It is so nice.", "We all love it.", "It is the best.", "You will see.",
    "Do it each day.", "It makes sense.", "Just try it.", "That is all.", "It is true.",
    "Ask a friend.", "It is just right.", "Have fun with it.", "It is neat.", "Go for it.",
    "It works well.", "Now you know.", "It is cool.", "Keep it up.",
)  # fmt: skip

# Long words that push grade level and mean word length up without adding content.
_LONG_WORDS = (
    "comprehensive", "multifaceted", "interdisciplinary", "operationalization",
    "characterization", "institutionalization", "epistemological", "methodological",
    "conceptualization", "infrastructural", "considerations", "comprehensively",
    "paradigmatically", "heterogeneous", "contextualization", "instrumentalization",
    "phenomenological", "sociotechnical", "organizational", "implementation",
    "differentiation", "interrelationships", "prioritization", "systematically",
    "fundamentally", "transformational", "sustainability", "internationalization",
    "representational", "interdependencies", "manifestations", "disproportionately",
    "unprecedented", "socioeconomic", "circumstantial", "determinations", "generalizability",
    "multidimensional", "quantification", "extrapolation", "juxtaposition",
    "reconceptualization", "incontrovertibly", "indispensability", "multidisciplinary",
    "experimentation", "standardization", "intersubjectivity", "problematization",
)  # fmt: skip

_GRADE_LINKS = (
    "notwithstanding", "inasmuch as", "insofar as", "whereby", "consequently necessitating",
    "thereby facilitating", "concomitantly with", "predicated upon",
)  # fmt: skip

# Distinct everyday words with no function words among them: a type-token ratio of 1.
_VARIED_WORDS = (
    "vivid", "subtle", "robust", "meadow", "lantern", "quiver", "harbour", "nimble", "velvet",
    "granite", "whisper", "orchard", "tangle", "copper", "drift", "ember", "fathom", "gleam",
    "hollow", "ivory", "jasmine", "kindle", "lattice", "marble", "nectarine", "opal", "pebble",
    "quartz", "ripple", "saffron", "thimble", "umber", "vessel", "willow", "yonder", "zephyr",
    "amber", "bramble", "cinder", "dapple", "estuary", "flicker", "garnet", "hazel", "inkwell",
    "juniper", "kestrel", "linen", "mosaic", "nutmeg", "oxbow", "parchment", "quill", "russet",
    "sorrel", "tundra", "upland", "verdant", "wicker", "zenith", "brisk", "crimson", "dusky",
    "earnest", "frosty", "gentle", "humble", "jovial", "keen", "lively", "mellow", "nifty",
    "placid", "quaint", "rustic", "serene", "tawny", "uncanny", "wistful", "zesty",
)  # fmt: skip

# Generic sentences that mention no subject: padding to a length target.
_FILLER = (
    "There is a great deal more that could be said here.",
    "Many people have thought carefully about this over the years.",
    "It is a subject that rewards patience and attention.",
    "Every situation is a little different, of course.",
    "Opinions vary, and that is perfectly natural.",
    "It is worth thinking it through carefully.",
    "Small details can make a real difference in the end.",
    "Experience tends to be the best teacher in the long run.",
    "Everyone starts somewhere, and that is fine.",
    "With a little patience, things usually become clearer.",
    "It helps to keep an open mind along the way.",
    "There are always new things to learn.",
    "Going slowly and carefully is often wise.",
    "Different sources may put things in different ways.",
    "What suits one person may not suit another.",
    "It is good to revisit the basics now and again.",
    "Curiosity is a great place to begin.",
    "Nobody gets everything right on the first try.",
    "Patience is usually rewarded.",
    "It can be helpful to discuss it with others.",
    "The bigger picture tends to become clear eventually.",
    "That is part of what makes the subject interesting.",
    "Plenty of people find this surprisingly rewarding.",
    "A thoughtful approach rarely goes wrong.",
    "This is something many people wonder about.",
    "It is easy to overlook how much there is to it.",
    "In the end, it is all about understanding the basics well.",
    "Of course, there is always more to discover.",
)

_RESTATE = (
    "To say it again, ", "As mentioned above, ", "In other words, ", "Once more, ",
    "It bears repeating that ", "Put simply, ", "To repeat, ", "Again, ",
)  # fmt: skip

_POSITIVE_WORDS = (
    "excellent", "amazing", "great", "fantastic", "wonderful", "superb", "outstanding",
    "perfect", "brilliant", "impressive", "love", "delightful", "flawless", "incredible",
    "stunning", "best", "awesome", "exceptional", "remarkable", "beautiful",
)  # fmt: skip

_FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jonah",
    "Kemi", "Luca", "Maya", "Nikhil", "Olivia", "Pablo", "Quinn", "Rosa", "Sami", "Tessa",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zara", "Aidan", "Bea", "Carlos", "Dana",
    "Emeka", "Freya", "Gabriel", "Hana", "Ivan", "Jasmine", "Kofi", "Leah", "Mateo", "Noor",
)  # fmt: skip

_AGENTS = ("Sam", "Alex", "Jordan", "Priya", "Tom", "Mei", "Ravi", "Lucy", "Owen", "Fatima")

_PLACES = (
    "Ashford", "Brindle", "Carrow", "Dunmere", "Elderfield", "Farnley", "Glenholme",
    "Harrowby", "Kestle", "Larkmoor", "Millbrook", "Northwick", "Oakhurst", "Pembry",
    "Redcliff", "Stanway", "Thornbury", "Westmere",
)  # fmt: skip

_SURNAMES = (
    "Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Brennan", "Osei",
    "Varga", "Castillo", "Nakamura", "Petrov", "Adeyemi", "Sorensen", "Quintero", "Malik",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Products (reviews), complaints (customer replies), poem themes, data series, source titles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Product:
    id: str
    name: str
    pros: tuple[tuple[str, tuple[str, ...]], ...]  # (clause, terms)
    cons: tuple[tuple[str, tuple[str, ...]], ...]


def _pairs(raw: list[Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(sentence, terms) pairs from YAML's `{text, terms}` entries."""
    return tuple((p["text"], tuple(p["terms"])) for p in raw)


PRODUCTS: tuple[_Product, ...] = tuple(
    _Product(raw["id"], raw["name"], _pairs(raw["pros"]), _pairs(raw["cons"]))
    for raw in data_entries("products")
)


@dataclass(frozen=True)
class _Complaint:
    id: str
    message: str  # what the customer wrote
    offer: tuple[str, ...]  # the options the user lists, as notes
    reply: tuple[tuple[str, tuple[str, ...]], ...]  # resolution sentences and their terms
    apology: str


COMPLAINTS: tuple[_Complaint, ...] = tuple(
    _Complaint(raw["id"], raw["message"], tuple(raw["offer"]), _pairs(raw["reply"]), raw["apology"])
    for raw in data_entries("complaints")
)


@dataclass(frozen=True)
class _Theme:
    id: str
    name: str  # "the sea"
    anchor: str  # the word a one-rhyme poem ends every line with
    terms: tuple[str, ...]
    couplets: tuple[tuple[str, str], ...]


THEMES: tuple[_Theme, ...] = tuple(
    _Theme(
        raw["id"],
        raw["name"],
        raw["anchor"],
        tuple(raw["terms"]),
        tuple((a, b) for a, b in raw["couplets"]),
    )
    for raw in data_entries("themes")
)


_ONE_RHYME_LINES = (
    "I sit and think about the {w}", "I dream each night about the {w}",
    "There is nothing like the {w}", "My heart belongs to the {w}",
    "I sing a song about the {w}", "Forever I will love the {w}", "Come and see the {w}",
    "Oh how I love the {w}", "Nothing compares to the {w}", "I write these lines about the {w}",
    "Everyone should see the {w}", "Always and ever the {w}", "I wander back to the {w}",
    "Take me home to the {w}",
)  # fmt: skip


@dataclass(frozen=True)
class _Series:
    id: str
    subject: str  # with {place}
    unit: str
    periods: tuple[str, ...]
    low: int
    high: int
    audience: str
    period_word: str


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_WEEKS = ("the first week", "the second week", "the third week", "the fourth week")

SERIES: tuple[_Series, ...] = (
    _Series("museum", "visitors to the {place} Museum", "visitors", _MONTHS, 800, 4000,
            "museum staff", "month"),
    _Series("bakery", "loaves sold at the {place} Bakery", "loaves", _DAYS, 40, 400,
            "bakery team", "day"),
    _Series("library", "books borrowed from the {place} Library", "books", _MONTHS, 300, 2500,
            "library volunteers", "month"),
    _Series("helpdesk", "support tickets opened at {place} Hosting", "tickets", _WEEKS, 50, 900,
            "support team", "week"),
    _Series("cafe", "coffees sold at the {place} Cafe", "coffees", _DAYS, 60, 500,
            "cafe staff", "day"),
    _Series("signups", "new sign-ups for the {place} app", "sign-ups", _MONTHS, 100, 5000,
            "product team", "month"),
    _Series("clinic", "patients seen at the {place} clinic", "patients", _DAYS, 20, 160,
            "clinic staff", "day"),
    _Series("glass", "kilograms of glass collected for recycling in {place}", "kilograms",
            _MONTHS, 500, 6000, "council committee", "month"),
    _Series("pool", "swimmers at the {place} pool", "swimmers", _WEEKS, 200, 1500,
            "leisure centre staff", "week"),
    _Series("orders", "online orders at {place} Books", "orders", _MONTHS, 150, 3000,
            "shop owners", "month"),
)  # fmt: skip

_SOURCE_TITLES = (
    "{Name}: a practical guide", "Notes on {short}", "A field handbook of {short}",
    "{Name} explained", "Common questions about {short}", "Understanding {short}",
    "An introduction to {short}", "{Name} in everyday life",
)  # fmt: skip
