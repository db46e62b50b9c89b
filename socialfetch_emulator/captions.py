"""Caption text for generated videos: plain themes per creator, plus a unicode set that covers
astral-plane emoji, ZWJ sequences, flags, right-to-left scripts, CJK and combining marks."""

from __future__ import annotations

import random
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
    "Crème brûlée, naïve café, façade",
    "Zalgo t̷e̷x̷t̷ test",
    "Math 𝔸𝕓𝕔 𝟙𝟚𝟛 and music 𝄞",
    "Skin tones 👋🏻👋🏿 and 🧑🏽‍🚀",
    "Mixed: hello مرحبا 你好 שלום 🙂",
    "Emoji only 😀😃😄😁😆😅🤣😂",
    "Quotes \"double\" 'single' and back\\slash",
    "Line one\nline two\ttabbed",
    "Zero​width and non‑breaking spaces",
    "Devanagari नमस्ते दुनिया",
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


def hashtags(text: Optional[str]) -> list[str]:
    """The `#tags` of a caption, in order, without duplicates."""
    if not text:
        return []
    seen: list[str] = []
    for word in text.split():
        if word.startswith("#") and len(word) > 1 and word[1:] not in seen:
            seen.append(word[1:])
    return seen
