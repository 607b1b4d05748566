"""Generate the embedded sample: synthetic, deterministic tweet-like texts with 6 emotion labels.

    python data/raw/sample/generate.py            # rewrites data/raw/sample/tweets.csv

It is made to show what this tool reveals, not to be realistic:
- negations flip a label ("not happy" is sadness), so removing stop words ("not") hurts;
- labels co-occur (love with joy, fear with sadness, optimism with joy);
- some labels are carried only by a hashtag, an emoji, or an elongated/misspelled word,
  so tweet-aware normalisation matters and stripping non-alphanumerics loses signal;
- a few words change label with context ("sick", "killing", "dying");
- @mentions, URLs and neutral filler add noise; 8% of tweets have one label bit flipped.
"""

import csv
import random
import sys
from pathlib import Path

LABELS = ["anger", "fear", "joy", "love", "optimism", "sadness"]
N_TWEETS = 3000
SEED = 2018

WORDS = {
    "anger": ["angry", "furious", "mad", "pissed off", "livid", "annoyed"],
    "fear": ["scared", "terrified", "afraid", "nervous", "anxious", "worried"],
    "joy": ["happy", "glad", "thrilled", "delighted", "excited", "cheerful"],
    "love": ["love", "adore", "really love", "cherish"],
    "optimism": ["hopeful", "confident", "optimistic", "positive"],
    "sadness": ["sad", "depressed", "miserable", "heartbroken", "lonely", "down"],
}
# What each word looks like when a tweeter stretches or misspells it.
VARIANTS = {
    "happy": ["happyyyy", "hapy", "soooo happy"], "sad": ["saaaad", "sadd"],
    "angry": ["angryyy", "angy"], "scared": ["scaaared", "scarred"],
    "love": ["loooove", "luv"], "hopeful": ["hopefulll"], "excited": ["exciteddd", "exited"],
}
HASHTAGS = {
    "anger": ["#angry", "#SoDone", "#fuming"], "fear": ["#scared", "#anxiety", "#nervous"],
    "joy": ["#happy", "#GoodVibes", "#blessed"], "love": ["#love", "#LoveYou", "#bae"],
    "optimism": ["#hope", "#NeverGiveUp", "#StayPositive"], "sadness": ["#sad", "#fml", "#brokenheart"],
}
EMOJI = {
    "anger": ["😡", "🤬", "😤"], "fear": ["😱", "😨"], "joy": ["😂", "😁", "😊"],
    "love": ["❤️", "😍", "🥰"], "optimism": ["🙏", "🌈", "✨"], "sadness": ["😭", "😢", "💔"],
}
NOUNS = ["job", "weather", "game", "exam", "album", "trip", "traffic", "phone", "week", "news",
         "team", "concert", "boss", "flight", "results", "neighbours", "landlord", "interview",
         "match", "party", "deadline", "diagnosis", "wedding", "commute", "coffee", "playlist"]
OWNERS = ["my", "the", "this", "our", "that", "your"]
QUALIFIERS = ["", "", "", "new ", "whole ", "stupid ", "big ", "last ", "weekend ", "morning "]
FILLER = ["just got home", "watching the game", "coffee time", "long day at work",
          "back to the gym", "reading on the train", "lunch with the crew", "new post up",
          "anyway", "same as always", "who knows", "tbh", "lol", "ok then", "as usual",
          "on my way", "another monday", "guess what", "so yeah", "fyi"]
# label -> sentence frames; {w} is an emotion word, {s} a subject
FRAMES = {
    "anger": ["so {w} about {s}", "{s} makes me {w}", "i am {w} right now"],
    "fear": ["{w} about {s}", "so {w} of {s} tomorrow", "feeling {w} tonight"],
    "joy": ["so {w} about {s}", "{s} made me {w}", "feeling {w} today"],
    "love": ["i {w} {s}", "{w} you guys", "i {w} my friends"],
    "optimism": ["{w} that {s} will get better", "feeling {w} about {s}", "staying {w}"],
    "sadness": ["so {w} about {s}", "{s} makes me {w}", "feeling {w} today"],
}
NEGATED = [  # (negated label, frame, resulting label or None)
    ("joy", "not {w} about {s} at all", "sadness"),
    ("joy", "i am not {w}", "sadness"),
    ("joy", "never {w} anymore", "sadness"),
    ("fear", "not {w} of {s} anymore", "optimism"),
    ("sadness", "not {w} anymore", "optimism"),
    ("anger", "not even {w} about {s}", None),
]
CONTEXT = [  # words whose label depends on their neighbours
    ("that goal was sick", "joy"), ("feeling sick again", "sadness"),
    ("you are killing it", "joy"), ("{s} is killing me", "anger"),
    ("dying of laughter", "joy"), ("scared of dying", "fear"),
]
CO_OCCUR = {"love": ("joy", 0.6), "fear": ("sadness", 0.4), "optimism": ("joy", 0.4),
            "anger": ("sadness", 0.25)}


def subject(rng):
    return rng.choice(OWNERS) + " " + rng.choice(QUALIFIERS) + rng.choice(NOUNS)


def expression(rng, label):
    """A phrase that signals `label`, through one of several channels."""
    channel = rng.choices(["word", "variant", "hashtag", "emoji"], [0.6, 0.12, 0.14, 0.14])[0]
    word = rng.choice(WORDS[label])
    if channel == "variant" and word in VARIANTS:
        word = rng.choice(VARIANTS[word])
    elif channel == "hashtag":
        return rng.choice([rng.choice(FILLER), subject(rng)]) + " " + rng.choice(HASHTAGS[label])
    elif channel == "emoji":
        return rng.choice([rng.choice(FILLER), subject(rng)]) + " " + rng.choice(EMOJI[label]) * rng.randint(1, 3)
    return rng.choice(FRAMES[label]).format(w=word, s=subject(rng))


def tweet(rng):
    labels, parts = set(), []
    kind = rng.random()
    if kind < 0.08:  # neutral
        parts.append(rng.choice(FILLER))
    elif kind < 0.30:  # a negation decides the label
        neg_label, frame, result = rng.choice(NEGATED)
        parts.append(frame.format(w=rng.choice(WORDS[neg_label]), s=subject(rng)))
        if result:
            labels.add(result)
    elif kind < 0.40:  # a context-dependent word
        text, label = rng.choice(CONTEXT)
        parts.append(text.format(s=subject(rng)))
        labels.add(label)
    else:
        for label in rng.sample(LABELS, rng.choice([1, 1, 1, 2])):
            labels.add(label)
            parts.append(expression(rng, label))
    for label in list(labels):
        if label in CO_OCCUR and rng.random() < CO_OCCUR[label][1]:
            other = CO_OCCUR[label][0]
            labels.add(other)
            parts.append(expression(rng, other))
    if rng.random() < 0.25:
        parts.insert(0, "@" + rng.choice(["mike_b", "sarahj", "TheRealDan", "news24"]))
    if rng.random() < 0.15:
        parts.append("https://t.co/" + "".join(rng.choices("abcdefghijk0123456789", k=8)))
    text = " ".join(parts)
    if rng.random() < 0.3:
        text = text.capitalize()
    if rng.random() < 0.3:  # some chatter around the emotion
        parts.insert(rng.randint(0, len(parts)), rng.choice(FILLER))
    if rng.random() < 0.08:  # annotators disagree: one label bit flipped
        labels ^= {rng.choice(LABELS)}
    return text, labels


def generate(n=N_TWEETS, seed=SEED):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        text, labels = tweet(rng)
        rows.append([f"s{i:05d}", text] + [int(label in labels) for label in LABELS])
    return rows


def main(out=Path(__file__).with_name("tweets.csv")):
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"] + LABELS)
        writer.writerows(generate())
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
