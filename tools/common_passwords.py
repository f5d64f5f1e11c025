"""Write presslog/users/common-passwords.txt.gz: long passwords people commonly choose.

Only passwords of 12 or more characters matter (shorter ones fail the length rule), so
the list is built from the patterns that produce long weak passwords: well-known base
words with years, counters and symbols appended, doubled words, keyboard walks and digit
runs. Run ``python tools/common_passwords.py`` to regenerate.
"""

from __future__ import annotations

import gzip
from pathlib import Path

BASES = """
password passw0rd p@ssword p@ssw0rd letmein welcome welcome1 iloveyou qwerty qwertyuiop
azerty asdfgh asdfghjkl zxcvbnm admin administrator root master monkey dragon football
baseball basketball soccer hockey sunshine princess shadow superman batman spiderman
michael jennifer jessica charlie thomas trustno1 starwars whatever computer internet
freedom liverpool chelsea arsenal changeme default secret login access hello
summer winter spring autumn january february march april june july august september
october november december monday friday printshop presslog tshirt shirts screenprint
heattransfer transfer vinyl company business office manager customer service
""".split()  # noqa: SIM905 - a word list reads best as text
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "!", "1!", "123!", "@123", "#1"]
YEARS = [str(y) for y in range(1950, 2031)]


def candidates() -> set[str]:
    """Every weak password the patterns produce, lower-cased."""
    found: set[str] = set()
    for base in BASES:
        for suffix in SUFFIXES:
            found.add(base + suffix)
        for year in YEARS:
            for sep in ("", "!", "@", "#", "_", "."):
                found.add(base + year + sep)
                found.add(base + sep + year)
        found.add(base * 2)
        found.add(base + base[::-1])
    digits = "12345678901234567890"
    for length in range(12, 21):
        found.add(digits[:length])
        found.add(digits[:length][::-1])
        for d in "0123456789":
            found.add(d * length)
        for ch in "abcdefghijklmnopqrstuvwxyz":
            found.add(ch * length)
    walks = [
        "qwertyuiopasdfghjklzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb",
        "1q2w3e4r5t6y7u8i9o0p",
        "zaq12wsxcde34rfv",
        "qazwsxedcrfvtgb",
        "qwertyuiop1234567890",
        "abcdefghijklmnop",
        "abc123abc123",
        "aaaaaa111111",
        "password123456789",
    ]
    for walk in walks:
        for length in range(12, len(walk) + 1):
            found.add(walk[:length])
    return {p.lower() for p in found if len(p) >= 12}


def main() -> None:
    """Write the list, one password per line, sorted."""
    target = Path(__file__).resolve().parent.parent / "presslog/users/common-passwords.txt.gz"
    text = "\n".join(sorted(candidates())) + "\n"
    # mtime=0: the same list always gives the same bytes.
    target.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"{target}: {len(candidates())} passwords")


if __name__ == "__main__":
    main()
