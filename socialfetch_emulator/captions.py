"""Caption text for generated videos: plain themes per creator, plus a unicode set that covers
astral-plane emoji, ZWJ sequences, flags, right-to-left scripts, CJK and combining marks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

THEMES: dict[str, tuple[list[str], list[str]]] = {
    "vlog": (
        ["Day {n} of posting every day", "Morning routine, honest version", "What I eat in a day",
         "Come with me to the farmers market", "Rainy Sunday reset", "Answering your questions",
         "Apartment tour update", "Trying the viral coffee", "Packing for a weekend trip"],
        ["vlog", "dayinmylife", "routine", "fyp", "lifestyle"],
    ),
    "space": (
        ["Tonight's ISS pass over the city", "Artemis update explained in 60 seconds",
         "Why Mars is red", "Jupiter through my backyard telescope", "The moon landing myths, debunked",
         "Rocket launch from 3 miles away", "Black holes are weirder than you think", "Saturn at opposition"],
        ["space", "nasa", "astronomy", "science", "fyp"],
    ),
    "cooking": (
        ["15 minute garlic noodles", "Grandma's kimchi jjigae", "One-pan lemon chicken",
         "Crispy tofu, no fryer", "Meal prep for the week", "Perfect soft-boiled eggs every time",
         "Bibimbap at home", "Sourdough, day {n}"],
        ["cooking", "recipe", "koreanfood", "easyrecipe", "foodtok"],
    ),
    "general": (
        ["New video!", "Part {n}", "You asked, here it is", "Storytime", "Behind the scenes",
         "This took 10 takes", "Duet this", "Reply to @fan{n}"],
        ["fyp", "foryou", "viral", "trending"],
    ),
}

UNICODE_CAPTIONS: list[str] = [
    "Sunset 🌅🔥 #travel",
    "Family 👩‍👩‍👧‍👦 weekend",
    "Tokyo nights 🇯🇵 東京の夜 #japan",
    "مرحبا بالجميع! فيديو جديد 🎬",
    "שלום עולם — סרטון חדש",
    "今天吃什么？🍜 #美食",
    "한국어 자막 테스트 🇰🇷",
    "Crème brûlée, naïve #Café, façade",
    "Zalgo t̷e̷x̷t̷ test",
    "Math 𝔸𝕓𝕔 𝟙𝟚𝟛 and music 𝄞",
    "Skin tones 👋🏻👋🏿 and 🧑🏽‍🚀",
    "Mixed: hello مرحبا 你好 שלום 🙂 with @Ünïcødé.Fan.",
    "Emoji only 😀😃😄😁😆😅🤣😂",
    "Quotes \"double\" 'single' and back\\slash",
    "Line one\nline two\ttabbed",
    "Zero​width and non‑breaking spaces",
    "Devanagari #नमस्ते दुनिया",
    "Thai สวัสดีครับ 🐘",
]


def caption(rng: random.Random, theme: str, n: int, unicode: bool = False) -> str:
    """A caption with a few hashtags, like creators write them."""
    if unicode:
        return UNICODE_CAPTIONS[n % len(UNICODE_CAPTIONS)] + (" " + rng.choice(["✨", "🚀", "💯", "🎉"]) if n >= len(UNICODE_CAPTIONS) else "")
    lines, tags = THEMES.get(theme, THEMES["general"])
    text = rng.choice(lines).format(n=n + 1)
    chosen = rng.sample(tags, k=rng.randint(1, min(3, len(tags))))
    return text + " " + " ".join("#" + t for t in chosen)


PUNCTUATION = "!?,.;:"
MENTIONED = ["nasa.fan", "Cook_With_Kim", "daily.vlogger", "big.creator", "Best.Friend", "fan{n}"]


@dataclass(frozen=True)
class Written:
    """A caption as the creator wrote it, with the tags and handles in it as typed (in order,
    repeats included): the truth that a client's parse is checked against."""

    text: Optional[str]
    tags: list[str]
    mentions: list[str]


def written(text: Optional[str], rng: random.Random, n: int) -> Written:
    """Make a generated caption look typed by a person: a tag in upper or title case, a tag twice,
    punctuation after a tag, a mention (sometimes ending a sentence). `rng` is the video's own, so
    the creator's other draws do not move."""
    if text is None:
        return Written(None, [], [])
    words = text.split(" ")
    tagged = [i for i, w in enumerate(words) if w.startswith("#") and len(w) > 1]
    if tagged and rng.random() < 0.3:
        i = rng.choice(tagged)
        words[i] = "#" + (words[i][1:].upper() if rng.random() < 0.5 else words[i][1:].title())
    if tagged and rng.random() < 0.15:
        words.append("#" + words[rng.choice(tagged)][1:].upper())
    if tagged and rng.random() < 0.2:
        words[tagged[-1]] += rng.choice(["!", ".", ",", "!!", "?"])
    if rng.random() < 0.25:
        handle = rng.choice(MENTIONED).format(n=n + 1)
        words.insert(rng.randint(1, len(words)), rng.choice(["with @{}", "cc @{}.", "@{}"]).format(handle))
    final = " ".join(words)
    return Written(final, _marked(final, "#"), _marked(final, "@"))


def _marked(text: str, mark: str) -> list[str]:
    """The words that start with `mark`, without it and without trailing punctuation."""
    found = []
    for word in text.split():
        if word.startswith(mark) and len(word) > 1:
            found.append(word[1:].rstrip(PUNCTUATION))
    return [w for w in found if w]


def challenges(tags: list[str], rng: random.Random) -> Optional[list[str]]:
    """The challenge titles TikTok attaches: each tag once (the first spelling), mostly; sometimes
    none although the caption has tags, sometimes no `challenges` key at all (None)."""
    draw = rng.random()
    if draw < 0.1:
        return None
    if draw < 0.18:
        return []
    titles: list[str] = []
    for tag in tags:
        if tag.lower() not in (t.lower() for t in titles):
            titles.append(tag)
    return titles
