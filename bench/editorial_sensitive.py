"""Sensitive-word check throughput (issue 11: target >= 5M characters/s), without a database.

    python bench/editorial_sensitive.py [--words 20000] [--chars 2000000] [--repeat 5]

Builds a word list of --words random words of 2 to 5 characters, each with at least one character outside the
~600 most common ones, as real sensitive words are (a deployment's list holds a few thousand to tens of thousands),
and a corpus of articles of --article characters up to --chars in all: common characters with the punctuation and
spaces of running Chinese text, some traditional characters and full-width letters, and in one article of ten a few
listed words, half of them with spaces or symbols inserted between their characters. It then times, median of
--repeat runs over the corpus, article by article as the product checks them: the normalisation alone (one
str.translate), and the whole check (normalise, the Aho-Corasick pass, the positions of the hits mapped back to the
original text, allowed contexts checked), and prints characters/s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from smartunion.editorial import sensitive  # noqa: E402

COMMON = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
          "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
          "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道"
          "命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
          "求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色"
          "光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教"
          "速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记"
          "需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史"
          "感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育"
          "厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞")
PUNCTUATION = "，。、；：？！“”（）《》 "
TRADITIONAL = "國際勞動節職工權益會員團結發展經濟單位組織學習"
NOISE = [" ", "·", "*", "\u200b", "-", "😀"]


RARE = [chr(c) for c in range(0x5000, 0x8000, 7) if chr(c) not in COMMON]


def build(words: int, chars: int, article: int, seed: int = 11) -> tuple[list[sensitive.Entry], list[str]]:
    rng = random.Random(seed)
    keys: set[str] = set()
    while len(keys) < words:
        length = rng.randint(2, 5)
        word = [rng.choice(COMMON) for _ in range(length)]
        word[rng.randrange(length)] = rng.choice(RARE)
        keys.add("".join(word))
    entries = [sensitive.Entry(word_id=i, word=k, category="other", level="warn", suggestion="", key=k, contexts=())
               for i, k in enumerate(sorted(keys))]
    planted = [e.word for e in entries[:200]]
    articles: list[str] = []
    for number in range(chars // article):
        parts: list[str] = []
        size = 0
        while size < article:
            roll = rng.random()
            if roll < 0.12:
                piece = rng.choice(PUNCTUATION)
            elif roll < 0.13:
                piece = rng.choice(TRADITIONAL)
            elif roll < 0.132:
                piece = "ＡＰＰ"
            else:
                piece = rng.choice(COMMON)
            parts.append(piece)
            size += len(piece)
        if number % 10 == 0:
            for _ in range(3):
                word = rng.choice(planted)
                parts.insert(rng.randrange(len(parts)), rng.choice(NOISE).join(word) if rng.random() < 0.5 else word)
        articles.append("".join(parts))
    return entries, articles


def timed(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--chars", type=int, default=2_000_000)
    parser.add_argument("--article", type=int, default=5000, help="characters per article")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    sensitive._table()
    table_seconds = time.perf_counter() - started
    sensitive._fast()
    table_seconds = time.perf_counter() - started
    entries, articles = build(args.words, args.chars, args.article)
    started = time.perf_counter()
    matcher = sensitive.Matcher(entries)
    build_seconds = time.perf_counter() - started
    total = sum(map(len, articles))
    hits = sum(len(matcher.find(a)) for a in articles)
    print(f"normalisation tables built in {table_seconds * 1000:.0f} ms (once per process); automaton of "
          f"{matcher.size:,} words built in {build_seconds * 1000:.0f} ms")
    print(f"{len(articles):,} articles, {total:,} characters, {hits:,} hits "
          f"(in {sum(1 for a in articles if matcher.find(a)):,} articles)")

    def normalise_all():
        for article in articles:
            sensitive.normalize(article)

    def check_all():
        for article in articles:
            matcher.find(article)

    seconds = timed(normalise_all, args.repeat)
    print(f"  normalisation alone: {total / seconds / 1e6:6.1f} M characters/s")
    seconds = timed(check_all, args.repeat)
    print(f"  whole check:         {total / seconds / 1e6:6.1f} M characters/s  (target >= 5 M/s), "
          f"{seconds / len(articles) * 1000:.2f} ms per article of {args.article:,} characters")


if __name__ == "__main__":
    main()
