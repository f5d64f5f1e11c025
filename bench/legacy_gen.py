#!/usr/bin/env python3
"""Write large, realistic legacy exports (Orders.csv, Customers.csv) for import benchmarks.

The files follow the legacy layout exactly as the sample exports in
``tests/legacy/samples/clean`` do: the same header names in the same order (with the
trailing space in the three ``Ship to 1 … `` columns), UTF-8 without a BOM, ``\\n``
line endings and minimal quoting.  Values imitate the clean sample: sequential LOG
numbers (5–7 digits, unique), customer codes that exist in Customers.csv with a few
customers getting most orders, ISO dates in a sensible order, charge lines where
total = quantity × unit price (rounded half up, never on a tie), subtotals and totals
that add up, Y/N and true/false flags, art proof / print / setup / pack slots partly
filled, and many empty fields.

Orders are written in chunks, each from its own random generator seeded by
``(seed, chunk)``: memory stays flat however many orders are asked for, and the
output is the same byte for byte for a given seed.  Customers (tens of thousands at
most) are kept in memory, since every order must name one.

With ``--dirty-rate R`` about R of the order rows carry one defect each, of the kinds
listed in ``tests/legacy/samples/README.md`` (whitespace, date layouts, "$1,234.50",
Windows-1252 bytes, duplicate LOGs, unknown customers, money mismatches, …), and about
R × customers extra bad customer rows are mixed in.  ``defects-summary.json`` (counts
per kind and the treatment the README asks for) and ``defects.csv`` (one line per bad
row: table, row, line, reason, column) are written next to the files.

    python bench/legacy_gen.py --orders 1000000 --customers 20000 --out /tmp/legacy
    python bench/legacy_gen.py --orders 1000 --customers 50 --out /tmp/l --dirty-rate 0.05
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import random
import resource
import sys
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# The Orders header, exactly as the legacy export spells and orders it.
ORDER_COLUMNS = (  # noqa: SIM905
    "LOG,CUST,CUST_P_0,PRIOR,SHIPOUT,HOWSHIP,WEIGHT,ARTLO,DATIN,ARTOUT,DUEOUT,LOGTYPE,DATOUT,"
    "COLORF,INKTYP,COLORI,PRINT_N,RUSH_N,COLORC_N,GANG_N,ARTC_N,APPL_N,ADHES_N,LET_NU_N,"
    "GARMNT_N,PRINT_C,RUSH_C,COLORC_C,GANG_C,ARTC_C,APPL_C,ADHES_C,LET_NU_C,GARMNT_C,PRINT_T,"
    "RUSH_T,COLORC_T,GANG_T,ARTC_T,APPL_T,ADHES_T,LET_NU_T,GARMNT_T,SUBTOTAL,SALES_TAX,"
    "SHIP_FRGHT,TOTAL,ART_1,ART_2,ART_3,ART_4,ART_5,ART_6,ART_7,ART_8,ART_9,PRINT_1,PRINT_2,"
    "PRINT_3,PRINT_4,PRINT_5,PRINT_6,PRINT_7,PRINT_8,PRINT_9,A1,A2,A3,A4,A5,A6,A7,A8,A9,P1,P2,"
    "P3,P4,P5,P6,P7,P8,P9,TITLE,LET_STYLE,REF_ARTLO,ARTPAG,ARTNO,ARTENCL,RET_ART,REORDER,"
    "CUST_INFO,LOCATE,SET_1,SET_2,SET_3,SET_4,PCK_1,PCK_2,PCK_3,PCK_4,S1,S2,S3,S4,U1,U2,U3,U4,"
    "ARTD_1,ARTD_2,ARTD_3,ARTD_4,ARTD_5,ARTD_6,ARTD_7,ARTD_8,ARTD_9,ARTO_1,ARTO_2,ARTO_3,"
    "ARTO_4,ARTO_5,ARTO_6,ARTO_7,ARTO_8,ARTO_9,LUPD,ORIGPR,RUSH,LATE,TIMEOUT,TIMEIN,OUT"
).split(",")
CUSTOMER_COLUMNS = [
    "CUSTID",
    "Customer ID",
    "Customer",
    "Address Line 1",
    "Address Line 2",
    "City",
    "State",
    "Zip",
    "Bill To Contact",
    "Telephone 1",
    "Telephone 2",
    "Fax Number",
    "Tax ID",
    "Resale No",
    "Cust Since",
    "Ship to 1 Address Line 1",
    "Ship to 1 Address Line 2",
    "Ship to 1 City ",
    "Ship to 1 State ",
    "Ship to 1 Zip ",
    "Customer E-mail",
]
OI = {name: i for i, name in enumerate(ORDER_COLUMNS)}  # column -> index
CI = {name: i for i, name in enumerate(CUSTOMER_COLUMNS)}
_ARTLO, _ARTOUT, _DATOUT, _TITLE = OI["ARTLO"], OI["ARTOUT"], OI["DATOUT"], OI["TITLE"]
_ART, _PRINT, _A, _P = OI["ART_1"], OI["PRINT_1"], OI["A1"], OI["P1"]
_ARTD, _ARTO, _SET, _PCK, _S, _U = (
    OI["ARTD_1"],
    OI["ARTO_1"],
    OI["SET_1"],
    OI["PCK_1"],
    OI["S1"],
    OI["U1"],
)
_ARTPAG, _ARTNO, _ARTENCL, _RET_ART = OI["ARTPAG"], OI["ARTNO"], OI["ARTENCL"], OI["RET_ART"]
_REF_ARTLO, _LET_STYLE, _REORDER = OI["REF_ARTLO"], OI["LET_STYLE"], OI["REORDER"]
_CUST_INFO, _LOCATE, _LUPD, _OUT = OI["CUST_INFO"], OI["LOCATE"], OI["LUPD"], OI["OUT"]
_ORIGPR, _RUSH, _LATE, _TIMEIN, _TIMEOUT = (
    OI["ORIGPR"],
    OI["RUSH"],
    OI["LATE"],
    OI["TIMEIN"],
    OI["TIMEOUT"],
)
_SUBTOTAL, _TAX, _FREIGHT, _TOTAL = OI["SUBTOTAL"], OI["SALES_TAX"], OI["SHIP_FRGHT"], OI["TOTAL"]
CHARGES = ("PRINT", "RUSH", "COLORC", "GANG", "ARTC", "APPL", "ADHES", "LET_NU", "GARMNT")

CHUNK = 5000
FIRST_LOG = 10000
FIRST_DAY = date(1995, 1, 2)
LAST_DAY = date(2026, 11, 20)  # fixed, so the output never depends on today's date
SPAN = (LAST_DAY - FIRST_DAY).days
DAYS = [(FIRST_DAY + timedelta(days=n)).isoformat() for n in range(SPAN + 60)]
B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Treatment the sample README asks of the import, per defect reason.
EXPECTED = {
    "whitespace": "import, repaired",
    "line_mismatch": "import as stated, flagged",
    "subtotal_mismatch": "import as stated, flagged",
    "total_mismatch": "import as stated, flagged",
    "date_format": "import same date, or reject",
    "encoding": "import decoded as cp1252, or reject",
    "non_numeric": "import if unambiguous, else reject",
    "overlong": "import unaltered (flagged), or reject",
    "field_format": "import unaltered (flagged), or reject",
    "control_char": "import unaltered (flagged), or reject",
    "email_format": "import unaltered (flagged), or reject",
    "zip_format": "import unaltered (flagged), or reject",
    "phone_format": "import unaltered (flagged), or reject",
    "log_format": "reject (never meets the 5-7 letters/digits rule here)",
    "date_invalid": "reject",
    "date_order": "reject",
    "log_blank": "reject",
    "log_duplicate": "reject",
    "cust_unknown": "reject",
    "cust_format": "reject",
    "negative_amount": "reject",
    "logtype_unknown": "reject",
    "custid_blank": "reject",
    "custid_duplicate": "reject",
    "custid_format": "reject (not in the README table)",
}

# -- customers ------------------------------------------------------------------------

PLACES = (
    "Central", "Ada", "Eastmoor", "Franklin", "Sunbury", "Pickerington", "Licking Heights",
    "Canal Winchester", "Centerburg", "Roosevelt", "Marysville", "Gahanna", "Johnstown",
    "Riverside", "Scioto", "Harding", "London", "Pleasant Valley", "Hilltop", "Ashville",
    "Worthington", "Hilliard", "Reynoldsburg", "Westland", "Groveport", "Olentangy",
    "Bexley", "Whitehall", "Upper Arlington", "Granville", "Heath", "Pataskala", "Lancaster",
    "Circleville", "Delaware", "Mount Vernon", "Plain City", "Jonathan Alder", "Teays Valley",
    "Big Walnut", "Buckeye Valley", "Northridge", "Utica", "Lakewood", "Watkins", "Fairfield",
    "Logan Elm", "Amanda", "Millersport", "Thornville", "Galena", "Lewis Center", "Powell",
)  # fmt: skip
ORG_KINDS = (  # (suffix in the name, short form in titles, tax exempt)
    ("High School", "HS", True), ("Middle School", "MS", True), ("Elementary", "Elem", True),
    ("Catholic High School", "CHS", True), ("Academy", "Academy", True),
    ("Christian School", "CS", True), ("Church", "Church", True), ("Parish", "Parish", True),
    ("Little League", "LL", False), ("Youth Football", "YF", False),
    ("Rugby Club", "Rugby", False), ("Gymnastics", "Gymnastics", False),
    ("Youth Soccer Club", "YSC", False), ("Arts Council", "Arts Council", True),
    ("Habitat for Humanity", "Habitat for Humanity", True),
    ("Relay for Life Team", "Relay for Life", True), ("Marathon Committee", "Marathon", True),
    ("Pizza Inc.", "Pizza", False), ("Bike Shop", "Bike Shop", False),
    ("Dental", "Dental", False), ("Roofing", "Roofing", False),
    ("Brewing Co.", "Brewing", False), ("Hardware", "Hardware", False),
)  # fmt: skip
SURNAMES = (
    "Miller", "Smith", "Brown", "Martin", "Moore", "Davis", "Wilson", "Clark", "Lewis", "Hill",
    "Allen", "Lopez", "Wright", "Green", "Walker", "Nelson", "Collins", "Mitchell", "Taylor",
    "Williams", "Thompson", "Rodriguez", "Nguyen", "Lee", "Carter", "Kowalski", "Brighton",
    "Müller", "Peña", "O'Brien", "Schäfer", "Novák",
)  # fmt: skip
FIRST_NAMES = (
    "Elizabeth", "Tony", "Melissa", "José", "Zoë", "Josh", "Lisa", "Robert", "Tim", "David",
    "Jennifer", "Donna", "Ashley", "Laura", "Susan", "John", "Sarah", "Ryan", "Kim",
    "Michelle", "Mark", "Brian", "Jessica", "Thomas", "Daniel", "Matt", "Amanda", "Joseph",
    "Barbara", "Chris", "William", "Renée", "Chloé",
)  # fmt: skip
BUSINESS = (
    ("Engineering Co.", "Engineering"), ("Dental LLC", "Dental"), ("Winery LLC", "Winery"),
    ("Distillery & Sons", "Distillery"), ("Auto Body", "Auto Body"), ("Insurance", "Insurance"),
)  # fmt: skip
STREETS = (
    "Walnut", "Third", "High", "State", "Cooper", "Maple", "Park", "Schrock", "First", "Mill",
    "Lake", "Broad", "Washington", "Union", "Dublin-Granville", "Lincoln", "Center", "Fifth",
    "Parsons", "Market", "Front", "Polaris", "Spring", "Hamilton", "Chestnut", "Refugee",
)  # fmt: skip
STREET_KINDS = ("St", "Rd", "Ln", "Dr", "Ave", "Way", "Pike", "Blvd", "Pkwy", "Ct")
CITIES = (  # (city, state, zip prefix, area codes, sales tax in basis points x100)
    ("Columbus", "OH", "432", ("614", "380"), 750), ("Grove City", "OH", "431", ("614",), 750),
    ("Westerville", "OH", "430", ("614",), 725), ("Dublin", "OH", "430", ("614",), 750),
    ("Delaware", "OH", "430", ("740",), 700), ("Newark", "OH", "430", ("740",), 725),
    ("Zanesville", "OH", "437", ("740",), 725), ("Marion", "OH", "433", ("740",), 700),
    ("Mansfield", "OH", "449", ("419",), 700), ("Cincinnati", "OH", "452", ("513",), 775),
    ("Dayton", "OH", "454", ("937",), 725), ("Akron", "OH", "443", ("330",), 675),
    ("Toledo", "OH", "436", ("419",), 725), ("Charleston", "WV", "253", ("304",), 600),
    ("Nashville", "TN", "372", ("615",), 925), ("Richmond", "VA", "232", ("804",), 600),
    ("Indianapolis", "IN", "462", ("317",), 700),
)  # fmt: skip
CITY_WEIGHTS = (40, 6, 4, 4, 6, 4, 3, 2, 2, 4, 3, 2, 2, 1, 1, 1, 1)
MASCOTS = ("Bears", "Hawks", "Patriots", "Trojans", "Eagles", "Panthers", "Wildcats", "Lions")
MAIL_HOSTS = ("gmail.com", "aol.com", "yahoo.com", "outlook.com", "att.net")


@dataclass
class Customers:
    """What orders need to know about the valid customers (kept in memory)."""

    codes: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)  # title prefix, e.g. "Ada HS Hawks"
    events: list[tuple[str, ...]] = field(default_factory=list)
    tax_bp: list[int] = field(default_factory=list)  # 0 = tax exempt
    cum_weights: list[float] = field(default_factory=list)
    all_codes: set[str] = field(default_factory=set)  # every code in the file, bad rows too

    def pick(self, rng: random.Random) -> int:
        """A customer index; a few customers get most of the orders."""
        return bisect_right(self.cum_weights, rng.random() * self.cum_weights[-1])


SCHOOL_EVENTS = (
    "Football", "Basketball", "Cross Country", "Track & Field", "Prom", "Drama Club",
    "Science Olympiad", "Spirit Wear", "Lacrosse", "Cheer", "Choir", "Class of {y}",
    "Senior {y}", "Field Day", "Varsity",
)  # fmt: skip
SPORTS_KINDS = ("Little League", "Youth Football", "Rugby Club", "Gymnastics", "Youth Soccer Club")
CLUB_EVENTS = ("U10", "U12", "Varsity", "Travel Team", "Fall {y}", "Opening Day", "Sponsors")
ORG_EVENTS = (
    "VBS {y}", "Choir", "Easter {y}", "Fish Fry", "Youth Group", "Camp {y}", "Parade {y}",
    "Fundraiser {y}", "Volunteer", "Event Staff", "5K Run {y}",
)  # fmt: skip
BUSINESS_EVENTS = (
    "Crew", "Uniform", "Logo", "Employee", "Grand Opening", "Holiday Party {y}", "Staff",
    "Safety Week",
)  # fmt: skip


def _phone(rng: random.Random, area: str) -> str:
    a, b = rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice(
        (f"{area}{a}{b:04d}", f"{area}-{a}-{b:04d}", f"({area}) {a}-{b:04d}", f"{area}.{a}.{b:04d}")
    )


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def _unique_code(rng: random.Random, name: str, taken: set[str]) -> str:
    letters = _ascii(name).upper() or "CUS"
    for attempt in range(200):
        stem = letters[:3] if attempt < 20 else "".join(rng.choice(letters) for _ in range(3))
        code = f"{stem:X<3}{rng.randint(0, 99):02d}"
        if code not in taken:
            return code
    while True:
        code = "".join(rng.choice(B36[10:]) for _ in range(3)) + f"{rng.randint(0, 99):02d}"
        if code not in taken:
            return code


def customer_row(rng: random.Random, taken: set[str]) -> tuple[list[str], str, tuple, int]:
    """One valid customer row; also its title prefix, title events and tax rate."""
    city, state, zip3, areas, tax = CITIES[bisect_right(_CITY_CUM, rng.random() * _CITY_CUM[-1])]
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    roll = rng.random()
    if roll < 0.8:
        place = rng.choice(PLACES)
        suffix, short, exempt = rng.choice(ORG_KINDS)
        name = f"{place} {suffix}"
        short = f"{place} {short}"
        if suffix.endswith(("School", "Elementary", "Academy")):
            short += f" {rng.choice(MASCOTS)}" if rng.random() < 0.5 else ""
            events: tuple[str, ...] = SCHOOL_EVENTS
        elif exempt:
            events = ORG_EVENTS
        elif suffix in SPORTS_KINDS:
            events = CLUB_EVENTS
        else:
            events = BUSINESS_EVENTS
    else:
        suffix, short = rng.choice(BUSINESS)
        owner = rng.choice(SURNAMES)
        possessive = rng.random() < 0.4
        name = f"{owner}'s {suffix}" if possessive else f"{owner} {suffix}"
        short = f"{owner}'s {short}" if possessive else f"{owner} {short}"
        exempt, events = False, BUSINESS_EVENTS
    code = _unique_code(rng, name, taken)
    taken.add(code)
    row = [""] * len(CUSTOMER_COLUMNS)
    row[CI["CUSTID"]] = row[CI["Customer ID"]] = code
    row[CI["Customer"]] = name
    row[CI["Address Line 1"]] = (
        f"{rng.randint(1, 25000)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
    )
    if rng.random() < 0.3:
        row[CI["Address Line 2"]] = rng.choice(
            (f"Suite {rng.randint(100, 499)}", f"PO Box {rng.randint(100, 9999)}")
        )
    row[CI["City"]], row[CI["State"]] = city, state
    zip_code = f"{zip3}{rng.randint(0, 99):02d}"
    row[CI["Zip"]] = f"{zip_code}-{rng.randint(1000, 9999)}" if rng.random() < 0.1 else zip_code
    row[CI["Bill To Contact"]] = f"{first} {last}"
    area = rng.choice(areas)
    row[CI["Telephone 1"]] = _phone(rng, area)
    if rng.random() < 0.4:
        row[CI["Telephone 2"]] = _phone(rng, area)
    if rng.random() < 0.18:
        row[CI["Fax Number"]] = _phone(rng, area)
    resale = ""
    if exempt:
        row[CI["Tax ID"]] = f"EX-{rng.randint(0, 999999):06d}"
    elif roll >= 0.8 or rng.random() < 0.3:
        row[CI["Tax ID"]] = f"{rng.randint(10, 99)}-{rng.randint(0, 9999999):07d}"
        if rng.random() < 0.15:
            resale = f"{state}{rng.randint(0, 99999999):08d}"
            row[CI["Resale No"]] = resale
    since = FIRST_DAY.toordinal() - 3000 + int(rng.random() ** 2 * (SPAN + 3000))
    row[CI["Cust Since"]] = date.fromordinal(since).isoformat()
    if rng.random() < 0.2:
        scity, sstate, szip, _, _ = rng.choice(CITIES)
        row[CI["Ship to 1 Address Line 1"]] = (
            f"{rng.randint(1, 25000)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
        )
        row[CI["Ship to 1 City "]], row[CI["Ship to 1 State "]] = scity, sstate
        row[CI["Ship to 1 Zip "]] = f"{szip}{rng.randint(0, 99):02d}"
    if rng.random() < 0.93:
        host = _ascii(name)[:24] + rng.choice((".org", ".com"))
        mailbox = rng.choice(
            (
                f"{_ascii(first)}.{_ascii(last)}@{host}",
                f"{_ascii(first)[:1]}{_ascii(last)}{rng.randint(1, 99)}@{rng.choice(MAIL_HOSTS)}",
                f"info@{host}",
            )
        )
        row[CI["Customer E-mail"]] = mailbox
    rate = 0 if exempt or resale else tax
    return row, short, events, rate


_CITY_CUM: list[float] = []
for _w in CITY_WEIGHTS:
    _CITY_CUM.append((_CITY_CUM[-1] if _CITY_CUM else 0) + _w)

CUSTOMER_DEFECTS = (
    "custid_blank", "custid_duplicate", "custid_format", "date_format", "date_invalid",
    "email_format", "overlong", "phone_format", "whitespace", "zip_format",
)  # fmt: skip


def bad_customer(rng: random.Random, taken: set[str], earlier: list[str]) -> tuple[list, str, str]:
    """An extra customer row with one defect: (row, reason, column). Orders never use it."""
    row, _, _, _ = customer_row(rng, taken)
    reason = rng.choice(CUSTOMER_DEFECTS)
    column = "CUSTID"
    if reason == "custid_blank":
        row[CI["CUSTID"]] = ""
    elif reason == "custid_duplicate":
        row[CI["CUSTID"]] = rng.choice(earlier)
    elif reason == "custid_format":
        row[CI["CUSTID"]] = rng.choice(("AB12", "ABC123", "AB-12", "A B12", "#1234"))
    elif reason == "whitespace":
        row[CI["CUSTID"]] = rng.choice((" ", "\t")) + row[CI["CUSTID"]] + rng.choice(("", " "))
    elif reason in ("date_format", "date_invalid"):
        column = "Cust Since"
        y, m, d = row[CI["Cust Since"]].split("-")
        row[CI[column]] = (
            f"{m}/{d}/{y}" if reason == "date_format" else rng.choice(("2019-02-30", "N/A"))
        )
    elif reason == "email_format":
        column = "Customer E-mail"
        row[CI[column]] = rng.choice(("info at example.com", "bob@", "@shop.com", "a@@b.com"))
    elif reason == "overlong":
        column = "Customer"
        row[CI[column]] = (row[CI[column]] + " - ") * 30
    elif reason == "phone_format":
        column = "Telephone 1"
        row[CI[column]] = rng.choice(("call office", "614-555", "ext 12", "0000"))
    else:  # zip_format
        column = "Zip"
        row[CI[column]] = rng.choice(("4321", "ABCDE", "43215-", "432155"))
    return row, reason, column


def write_customers(
    path: Path, count: int, seed: int, dirty_rate: float, defects: DefectLog
) -> Customers:
    """Write Customers.csv; return the valid customers for the orders to use."""
    rng = random.Random(f"{seed}:customers")
    out = Customers()
    taken: set[str] = set()
    rows: list[list[str]] = []
    for _ in range(count):
        row, short, events, rate = customer_row(rng, taken)
        rows.append(row)
        out.codes.append(row[0])
        out.short.append(short)
        out.events.append(events)
        out.tax_bp.append(rate)
    order = list(range(count))
    rng.shuffle(order)  # weight does not follow file order
    weights = [0.0] * count
    for rank, index in enumerate(order):
        weights[index] = 1.0 / (rank + 1) ** 0.9
    total = 0.0
    for w in weights:
        total += w
        out.cum_weights.append(total)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CUSTOMER_COLUMNS)
        number = 0
        for index, row in enumerate(rows):
            writer.writerow(row)
            number += 1
            if dirty_rate and rng.random() < dirty_rate:
                bad, reason, column = bad_customer(rng, taken, out.codes[: index + 1])
                writer.writerow(bad)
                number += 1
                defects.add("Customers", number, reason, column)
    out.all_codes = taken
    return out


# -- orders ---------------------------------------------------------------------------

LOGTYPES = ("TR", "DP", "PP", "AA", "VG", "DG", "GM", "DTF")
LOGTYPE_CUM = (40, 70, 77, 83.5, 89.5, 93.5, 97.5, 100)
PRODUCTS = {
    "TR": ("Sleeve Transfers", "Heat Transfers", "Names & Numbers", "Hat Transfers",
           "Plastisol Transfers", "Gang Sheet", "Numbers", "Transfers"),
    "DP": ("Performance Tees", "Quarter Zips", "Tank Tops", "Tote Bags", "Crewnecks", "Aprons",
           "Jerseys", "Sweatshirts", "Hoodies", "Polos", "Warm-Ups", "T-Shirts", "Long Sleeves"),
    "PP": ("Rally Towels", "Stadium Cups", "Drawstring Bags", "Lanyards", "Water Bottles",
           "Pens", "Magnets", "Keychains", "Stickers"),
    "AA": ("Logo Redraw", "Art Proof", "Art Approval", "Design Concept", "Vector Artwork",
           "Mockup"),
    "VG": ("Floor Decals", "Yard Signs", "Vinyl Banner", "Wall Graphics", "Bumper Stickers",
           "Window Decals", "Vehicle Lettering"),
    "DG": ("Foam Board Signs", "Digital Prints", "Retractable Banner", "Canvas Prints",
           "Photo Prints", "Posters", "Backdrop"),
    "GM": ("Equipment Repair", "Screen Reclaim", "Dryer Service", "Exposure Unit Repair",
           "Press Maintenance"),
    "DTF": ("Hat Patches", "DTF Full Color Prints", "DTF Transfers"),
}  # fmt: skip
SHIPPING = (("PU", "1", 50), ("UPS", "3", 72.5), ("DEL", "2", 87.75), ("FEDEX", "4", 96.25),
            ("USPS", "5", 100))  # fmt: skip
QUANTITIES = (24, 48, 1, 36, 12, 100, 72, 18, 6, 50, 60, 144, 200, 300, 120, 150, 250, 1000,
              500, 400, 750, 1500, 2, 4, 10, 7, 3, 5, 9)  # fmt: skip
QTY_WEIGHTS = (42, 35, 35, 32, 26, 25, 23, 20, 19, 18, 18, 16, 16, 11, 9, 9, 8, 7, 6, 4, 4, 3, 3, 3,
               2, 2, 2, 1, 1)  # fmt: skip
QTY_CUM: list[float] = []
for _w in QTY_WEIGHTS:
    QTY_CUM.append((QTY_CUM[-1] if QTY_CUM else 0) + _w)
PRINT_SLOTS = ("FRONT", "BACK", "LSLV", "RSLV", "NECK", "POCKT", "HOOD", "LEG", "FRONT")
SLOT_KEEP = (0.73, 0.52, 0.74, 0.84, 0.78, 0.74, 0.71, 0.69, 0.37)  # P(slot k | slot k-1)
ARTISTS = ("NPT8", "RJH6", "SCL7", "TWK4", "AMB5", "EVG9", "LRS3", "DKR10", "JDM2", "MRA11",
           "KB01")  # fmt: skip
LET_STYLES = ("SCRPT", "VARS", "BLOCK", "SLANT", "ARCH", "OLDEN")
NOTES = (
    "Reprint - misprint on original run", "Pickup by 3pm Friday", "Pantone 281 navy / 7406 gold",
    "Hold for pickup, call when ready", "Rush - customer paying rush fee",
    "Use same art as last year", "Call before shipping", "Split shipment OK",
    "Bag and tag by size", "Ship to coach at school", "Customer supplied garments",
    "Tax exempt cert on file", "Proof approved by email", "Fold and box by size",
    "Deliver to back door", "Match PMS 186 red", "Left chest 3.5in wide",
    "Net 30 - PO required",
)  # fmt: skip
CLOSED_PLACES = ("ARCHIVE", "SHIPPED", "DELIVERED", "PICKED UP")
OPEN_PLACES = ("WAITING GOODS", "FRONT COUNTER", "CUT TABLE", "QC", "RACK 2", "RACK 4",
               "PRESS 2", "PRESS 3")  # fmt: skip
CUSTOMER_PO_FORMS = (("PO%06d", 10**6), ("%08d", 10**8), ("PO%05d", 10**5), ("%07d", 10**7))
SETUPS = ("FILM", "SCRN", "TAPE", "REG", "EMUL")
PACKS = ("BOX", "TUBE", "ENV", "BAG", "POLY")
PRIORITIES = "3333333333333333333333333111225566778849"
# Charge kinds after PRINT: (share of orders, quantity rule, price range in mills, 3 decimals)
EXTRA_CHARGES = (
    ("RUSH", 0.0425, "one", (25000, 95000), False),
    ("COLORC", 0.25, "small5", (10000, 22000), False),
    ("GANG", 0.195, "small12", (5000, 20000), False),
    ("ARTC", 0.27, "hours", (50000, 75000), False),
    ("APPL", 0.06, "qty", (400, 1200), False),
    ("ADHES", 0.0575, "small12", (200, 450), False),
    ("LET_NU", 0.0875, "qty", (2000, 6000), False),
    ("GARMNT", 0.17, "qty", (3500, 16000), False),
)


def money(cents: int) -> str:
    """Cents as the legacy file writes money: ``1234.50``."""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def price(mills: int, three: bool) -> str:
    """A unit price in thousandths of a dollar, with 2 or 3 decimals."""
    return (
        f"{mills // 1000}.{mills % 1000:03d}"
        if three
        else f"{mills // 1000}.{mills % 1000 // 10:02d}"
    )


def line_cents(qty: int, qscale: int, mills: int) -> int | None:
    """round_half_up(qty/qscale × mills/1000, 2) in cents, or None on an exact tie."""
    num, den = qty * mills, qscale * 10
    if den % 2 == 0 and num % den == den // 2:
        return None
    return (2 * num + den) // (2 * den)


def order_row(rng: random.Random, index: int, count: int, cust: Customers) -> list[str]:
    """One valid order row for data row ``index`` (0-based) of ``count``."""
    rnd = rng.random
    row = [""] * len(ORDER_COLUMNS)
    row[0] = str(FIRST_LOG + index)
    ci = cust.pick(rng)
    row[1] = cust.codes[ci]
    if rnd() < 0.23:
        form, top = rng.choice(CUSTOMER_PO_FORMS)
        row[2] = form % rng.randrange(top // 10, top)
    row[3] = PRIORITIES[int(rnd() * 40)]
    r = rnd() * 100
    ship = next(s for s in SHIPPING if r < s[2])
    row[4], row[5] = ship[0], ship[1]
    pickup = ship[0] == "PU"
    if not pickup or rnd() < 0.33:
        row[6] = f"{rng.choice((0.1, 0.1, 0.2, 1, 1, 10)) * (5 + rnd() * 45):.1f}"
    day_in = index * SPAN // count + int(rnd() * 3)
    row[OI["DATIN"]] = DAYS[day_in]
    r = rnd() * 100
    logtype = LOGTYPES[next(k for k, c in enumerate(LOGTYPE_CUM) if r < c)]
    row[OI["LOGTYPE"]] = logtype
    lead = int(rnd() * 22)
    day_due = day_in + lead
    row[OI["DUEOUT"]] = DAYS[day_due]
    age = SPAN - day_in
    is_open = (age < 40 and rnd() < 0.85) or (age < 300 and rnd() < 0.03)
    day_out = max(day_in, day_due + int(rnd() * 10) - 3)
    has_art = rnd() < 0.73
    if logtype in ("TR", "DP", "DTF"):
        colors = 1 + int(rnd() ** 1.6 * 6)
        row[OI["COLORF"]], row[OI["INKTYP"]] = str(colors), str(1 + int(rnd() * 4))
        row[OI["COLORI"]] = str(max(0, colors - int(rnd() * 2)))
    qty = QUANTITIES[bisect_right(QTY_CUM, rnd() * QTY_CUM[-1])]
    lines = []
    # PRINT line: every order has one.
    three = rnd() < 0.45
    mills = int(500 + rnd() ** 2 * 60000) if three else 10 * int(50 + rnd() ** 2 * 6000)
    cents = line_cents(qty, 1, mills)
    if cents is None:
        mills += 1
        cents = line_cents(qty, 1, mills)
    lines.append(("PRINT", str(qty), price(mills, three), cents))
    for kind, share, rule, (lo, hi), _ in EXTRA_CHARGES:
        if rnd() >= share:
            continue
        if rule == "one":
            q, qs, qtext = 1, 1, "1"
        elif rule == "small5":
            q = 1 + int(rnd() * 5)
            qs, qtext = 1, str(q)
        elif rule == "small12":
            q = 1 + int(rnd() * 12)
            qs, qtext = 1, str(q)
        elif rule == "hours":
            q = 25 * (1 + int(rnd() * 16))
            qs, qtext = 100, f"{q // 100}.{q % 100:02d}"
        else:
            q, qs, qtext = qty, 1, str(qty)
        m = 10 * int((lo + rnd() * (hi - lo)) / 10)
        if kind in ("RUSH", "COLORC", "ARTC"):
            m = 1000 * (m // 1000)
        c = line_cents(q, qs, m)
        if c is None:  # cannot happen with whole-cent prices; kept as a guard
            m += 10
            c = line_cents(q, qs, m)
        lines.append((kind, qtext, price(m, False), c))
    subtotal = 0
    for kind, qtext, ptext, c in lines:
        base = OI[kind + "_N"]
        row[base], row[base + 9], row[base + 18] = qtext, ptext, money(c)
        subtotal += c
    rush = any(kind == "RUSH" for kind, *_ in lines)
    tax = (subtotal * cust.tax_bp[ci] * 2 + 10000) // 20000
    freight = 0 if pickup else 1000 + int(rnd() * 1500)
    row[_SUBTOTAL], row[_TAX], row[_FREIGHT] = money(subtotal), money(tax), money(freight)
    row[_TOTAL] = money(subtotal + tax + freight)
    # art proofs and print items share their slots
    if has_art:
        row[_ARTLO] = "A" + base36(index + 1)
        row[_ARTOUT] = DAYS[day_in + 1 + int(rnd() * 18)]
        slots = 1
        while slots < 9 and rnd() < SLOT_KEEP[slots]:
            slots += 1
        for k in range(slots):
            row[_ART + k] = f"{row[_ARTLO][1:]}{k + 1}"
            row[_PRINT + k] = PRINT_SLOTS[k]
            row[_A + k] = str(1 + int(rnd() * 14))
            row[_P + k] = str(qty if k == 0 else QUANTITIES[int(rnd() * 17)])
            art_in = day_in + int(rnd() * 20)
            row[_ARTD + k] = DAYS[art_in]
            row[_ARTO + k] = DAYS[art_in + int(rnd() ** 2 * 20)]
        row[_ARTPAG] = str(1 + int(rnd() * 13))
        row[_ARTNO] = ARTISTS[int(rnd() ** 1.3 * len(ARTISTS))]
        row[_ARTENCL] = "Y" if rnd() < 0.34 else "N"
        row[_RET_ART] = "Y" if rnd() < 0.17 else "N"
        if index > 40 and rnd() < 0.23:
            row[_REF_ARTLO] = "A" + base36(index - int(rnd() * 40))
    events = cust.events[ci]
    title = cust.short[ci]
    if rnd() < 0.7:
        title += " " + events[int(rnd() * len(events))].replace("{y}", DAYS[day_in][:4])
    products = PRODUCTS[logtype]
    row[_TITLE] = f"{title} {products[int(rnd() * len(products))]}"
    if rnd() < 0.07:
        row[_LET_STYLE] = LET_STYLES[int(rnd() * len(LET_STYLES))]
    row[_REORDER] = "Y" if rnd() < 0.17 else "N"
    if rnd() < 0.125:
        row[_CUST_INFO] = NOTES[int(rnd() * len(NOTES))]
    if rnd() < 0.21:
        row[_SET] = SETUPS[int(rnd() * 5)]
        row[_PCK] = PACKS[int(rnd() * 5)]
        row[_S] = str(1 + int(rnd() ** 2 * 5))
        row[_U] = "12" if rnd() < 0.9 else str(1 + int(rnd() * 8))
        if rnd() < 0.45:
            row[_SET + 1] = SETUPS[int(rnd() * 5)]
            row[_S + 1] = str(1 + int(rnd() ** 2 * 6))
    if is_open:
        row[_LOCATE] = OPEN_PLACES[int(rnd() * len(OPEN_PLACES))]
        row[_LUPD] = DAYS[day_in + int(rnd() * 40)]
        row[_OUT] = "0"
    else:
        row[_DATOUT] = row[_LUPD] = DAYS[day_out]
        row[_LOCATE] = CLOSED_PLACES[int(rnd() * 4)]
        row[_TIMEOUT] = f"{8 + int(rnd() * 10):02d}:{int(rnd() * 60):02d}:00"
        row[_OUT] = str(qty)
    row[_ORIGPR] = "Y" if rnd() < 0.78 else "N"
    row[_RUSH] = "true" if rush else "false"
    row[_LATE] = str(0 if rnd() < 0.66 else 1 + int(rnd() ** 1.5 * 6))
    row[_TIMEIN] = f"{8 + int(rnd() * 10):02d}:{int(rnd() * 60):02d}:00"
    return row


def base36(number: int) -> str:
    """``number`` as 4 upper-case base-36 digits (wrapping past 36**4)."""
    out = ""
    for _ in range(4):
        number, digit = divmod(number, 36)
        out = B36[digit] + out
    return out


# -- defects --------------------------------------------------------------------------

ORDER_DEFECTS = (
    "whitespace", "date_format", "date_invalid", "date_order", "log_blank", "log_duplicate",
    "log_format", "cust_unknown", "cust_format", "overlong", "negative_amount",
    "logtype_unknown", "encoding", "control_char", "line_mismatch", "subtotal_mismatch",
    "total_mismatch", "non_numeric", "field_format",
)  # fmt: skip
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE_COLUMNS = ("DATIN", "DUEOUT", "DATOUT", "ARTOUT", "LUPD")
# cp1252 bytes as they come out of the old system; each stands alone between ASCII
# letters, so it can never be read as valid UTF-8.  Written through "surrogateescape".
CP1252_WORDS = (
    ("Caf", b"\xe9", " Ol", b"\xe9"),
    ("Fr", b"\xfc", "nklin"),
    ("Jackson", b"\x92", "s"),
    ("Pe", b"\xf1", "a"),
    ("Spring ", b"\x96", " Summer"),
)


def _cp1252(parts: tuple) -> str:
    return "".join(
        p.decode("utf-8", "surrogateescape") if isinstance(p, bytes) else p for p in parts
    )


def _cents(text: str) -> int:
    return round(float(text) * 100)


@dataclass
class DefectLog:
    """Counts of injected defects, and one CSV line per bad row (streamed to disk)."""

    handle: io.TextIOBase | None = None
    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {"Orders": Counter(), "Customers": Counter()}
    )
    columns: dict[str, Counter[str]] = field(
        default_factory=lambda: {"Orders": Counter(), "Customers": Counter()}
    )

    def add(self, table: str, row: int, reason: str, column: str) -> None:
        """Record that data row ``row`` (1-based) of ``table`` carries ``reason``."""
        self.counts[table][reason] += 1
        self.columns[table][f"{reason}:{column}"] += 1
        if self.handle is not None:
            self.handle.write(f"{table},{row},{row + 1},{reason},{column}\n")


def spoil_order(
    rng: random.Random, row: list[str], clean_logs: list[str], cust: Customers
) -> tuple[str, str]:
    """Give a valid order row one defect, in place; return (reason, column)."""
    reason = rng.choice(ORDER_DEFECTS)
    if reason == "log_duplicate" and not clean_logs:
        reason = "log_blank"
    if reason == "whitespace":
        column = rng.choice(("LOG", "CUST", "LOGTYPE", "DATIN"))
        pad = rng.choice((" ", "  ", "\t"))
        value = row[OI[column]]
        row[OI[column]] = rng.choice((pad + value, value + pad, pad + value + pad))
    elif reason in ("date_format", "date_invalid"):
        column = rng.choice([c for c in DATE_COLUMNS if row[OI[c]]])
        y, m, d = row[OI[column]].split("-")
        if reason == "date_format":
            month = MONTHS[int(m) - 1]
            row[OI[column]] = rng.choice(
                (
                    f"{m}/{d}/{y}",
                    f"{m}/{d}/{y}",
                    f"{d}.{m}.{y}",
                    f"{y}/{m}/{d}",
                    f"{month} {d} {y}",
                    f"{y}{m}{d}",
                )
            )
        else:
            row[OI[column]] = rng.choice((f"{y}-02-30", f"{y}-13-01", "0000-00-00", "N/A"))
    elif reason == "date_order":
        column = "DUEOUT"
        day_in = date.fromisoformat(row[OI["DATIN"]])
        row[OI[column]] = (day_in - timedelta(days=rng.randint(1, 30))).isoformat()
    elif reason == "log_blank":
        column = "LOG"
        row[OI[column]] = ""
    elif reason == "log_duplicate":
        column = "LOG"
        row[OI[column]] = rng.choice(clean_logs)
    elif reason == "log_format":
        column = "LOG"
        row[OI[column]] = rng.choice(
            (row[0][:4], row[0] + "0000", f"L-{row[0]}", row[0][:3] + "#" + row[0][3:])
        )
    elif reason == "cust_unknown":
        column = "CUST"
        while True:
            code = "".join(rng.choice(B36[10:]) for _ in range(3)) + f"{rng.randint(0, 99):02d}"
            if code not in cust.all_codes:
                break
        row[OI[column]] = code
    elif reason == "cust_format":
        column = "CUST"
        row[OI[column]] = rng.choice(("", "1234", "ABCD12", "AB-12", "AB 12"))
    elif reason == "overlong":
        column, limit = rng.choice((("TITLE", 256), ("CUST_INFO", 95), ("LOCATE", 15),
                                    ("CUST_P_0", 8)))  # fmt: skip
        text = row[OI[column]] or "X"
        while len(text) <= limit:
            text += " - extra words copied from a notes field"
        row[OI[column]] = text
    elif reason == "negative_amount":
        column = "PRINT_N"
        old = _cents(row[OI["PRINT_T"]])
        row[OI["PRINT_N"]] = "-" + row[OI["PRINT_N"]]
        row[OI["PRINT_T"]] = money(-old)
        _shift_money(row, -2 * old, also_total=True)
    elif reason == "logtype_unknown":
        column = "LOGTYPE"
        row[OI[column]] = rng.choice(("SUB", "XX", "EMB", "SCR"))
    elif reason == "encoding":
        column = "TITLE"
        words = row[OI[column]].split(" ")
        words.insert(rng.randint(1, len(words) - 1), _cp1252(rng.choice(CP1252_WORDS)))
        row[OI[column]] = " ".join(words)
    elif reason == "control_char":
        column = rng.choice(("TITLE", "CUST_INFO"))
        text = row[OI[column]] or "Call before shipping"
        at = rng.randint(1, len(text) - 1)
        row[OI[column]] = text[:at] + rng.choice(("\x00", "\x1a", "\x0b", "\x1b")) + text[at:]
    elif reason == "line_mismatch":
        column = rng.choice([f"{k}_T" for k in CHARGES if row[OI[k + "_T"]]])
        delta = rng.choice((-1, 1)) * rng.randint(1, 500)
        row[OI[column]] = money(_cents(row[OI[column]]) + delta)
        _shift_money(row, delta, also_total=True)  # only the line is wrong
    elif reason == "subtotal_mismatch":
        column = "SUBTOTAL"
        _shift_money(row, rng.choice((-1, 1)) * rng.randint(1, 5000), also_total=True)
    elif reason == "total_mismatch":
        column = "TOTAL"
        row[OI[column]] = money(
            _cents(row[OI[column]]) + rng.choice((-1, 1)) * rng.randint(1, 5000)
        )
    elif reason == "non_numeric":
        column, value = _non_numeric(rng, row)
        row[OI[column]] = value
    else:  # field_format
        column = rng.choice(("ARTLO", "REF_ARTLO", "ARTNO"))
        row[OI[column]] = rng.choice(("AB12", "AB#12", "A-001", "12345", "a.b."))
    return reason, column


def _shift_money(row: list[str], delta: int, *, also_total: bool) -> None:
    row[_SUBTOTAL] = money(_cents(row[_SUBTOTAL]) + delta)
    if also_total:
        row[_TOTAL] = money(_cents(row[_TOTAL]) + delta)


def _non_numeric(rng: random.Random, row: list[str]) -> tuple[str, str]:
    """A numeric column written as text: half unambiguous ("$1,234.50"), half not."""
    if rng.random() < 0.5:
        column = rng.choice(("PRINT_T", "SUBTOTAL", "TOTAL", "PRINT_N"))
        cents = _cents(row[OI[column]])
        if column == "PRINT_N":
            return column, f"{cents // 100:,}"
        return column, f"${cents // 100:,}.{cents % 100:02d}"
    column = rng.choice(("WEIGHT", "PRINT_N", "COLORF", "SALES_TAX"))
    return column, rng.choice(("12 dz", "abc", "four", "1.2.3", "12 lbs"))


# -- writing --------------------------------------------------------------------------


@dataclass
class Options:
    """What to generate."""

    orders: int
    customers: int
    out: Path
    seed: int = 1
    dirty_rate: float = 0.0
    jobs: int = 1


def order_chunk(opts: Options, cust: Customers, chunk: int) -> tuple[bytes, list[tuple]]:
    """Rows ``chunk*CHUNK`` … of Orders.csv as UTF-8 bytes, plus their defects."""
    rng = random.Random(f"{opts.seed}:orders:{chunk}")
    first = chunk * CHUNK
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    defects: list[tuple] = []
    clean_logs: list[str] = []
    for index in range(first, min(first + CHUNK, opts.orders)):
        row = order_row(rng, index, opts.orders, cust)
        if opts.dirty_rate and rng.random() < opts.dirty_rate:
            reason, column = spoil_order(rng, row, clean_logs, cust)
            defects.append((index + 1, reason, column))
        elif opts.dirty_rate:
            clean_logs.append(row[0])
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8", "surrogateescape"), defects


_SHARED: tuple[Options, Customers] | None = None  # what forked workers inherit


def _chunk_in_worker(chunk: int) -> tuple[bytes, list[tuple]]:
    assert _SHARED is not None
    return order_chunk(*_SHARED, chunk)


def _order_chunks(opts: Options, cust: Customers) -> Iterator[tuple[bytes, list[tuple]]]:
    """Every chunk in order; with ``jobs`` > 1 made by forked workers (same bytes)."""
    chunks = range((opts.orders + CHUNK - 1) // CHUNK)
    if opts.jobs <= 1 or len(chunks) < 2:
        for chunk in chunks:
            yield order_chunk(opts, cust, chunk)
        return
    global _SHARED
    _SHARED = (opts, cust)
    try:
        with multiprocessing.get_context("fork").Pool(opts.jobs) as pool:
            yield from pool.imap(_chunk_in_worker, chunks)
    finally:
        _SHARED = None


def generate(opts: Options) -> dict:
    """Write Orders.csv and Customers.csv (and the defect files if dirty); return stats."""
    opts.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    dirty = opts.dirty_rate > 0
    listing = (opts.out / "defects.csv").open("w", encoding="utf-8") if dirty else None
    if listing is not None:
        listing.write("table,row,line,reason,column\n")
    defects = DefectLog(listing)
    try:
        cust = write_customers(
            opts.out / "Customers.csv", opts.customers, opts.seed, opts.dirty_rate, defects
        )
        with (opts.out / "Orders.csv").open("wb") as handle:
            handle.write((",".join(ORDER_COLUMNS) + "\n").encode())
            for data, bad in _order_chunks(opts, cust):
                handle.write(data)
                for row, reason, column in bad:
                    defects.add("Orders", row, reason, column)
    finally:
        if listing is not None:
            listing.close()
    seconds = time.perf_counter() - started
    stats = {
        "orders": opts.orders,
        "customers": opts.customers,
        "seed": opts.seed,
        "dirty_rate": opts.dirty_rate,
        "seconds": round(seconds, 2),
        "orders_per_second": round(opts.orders / seconds) if seconds else None,
        "orders_bytes": (opts.out / "Orders.csv").stat().st_size,
        "customers_bytes": (opts.out / "Customers.csv").stat().st_size,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "jobs": opts.jobs,
    }
    if dirty:
        summary = {
            "generator": "bench/legacy_gen.py",
            **{k: stats[k] for k in ("orders", "customers", "seed", "dirty_rate")},
            "row_numbering": "1-based data row number, header excluded; line = row + 1",
            "duplicate_rule": "for duplicate keys the FIRST occurrence is the valid one",
            "tables": {
                table: {
                    "bad_rows": sum(defects.counts[table].values()),
                    "by_reason": dict(sorted(defects.counts[table].items())),
                    "by_reason_column": dict(sorted(defects.columns[table].items())),
                }
                for table in ("Orders", "Customers")
            },
            "expected": {
                reason: EXPECTED[reason]
                for table in ("Orders", "Customers")
                for reason in sorted(defects.counts[table])
            },
        }
        summary["tables"]["Orders"]["rows"] = opts.orders
        summary["tables"]["Customers"]["rows"] = opts.customers + sum(
            defects.counts["Customers"].values()
        )
        (opts.out / "defects-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        stats["defects"] = {t: sum(c.values()) for t, c in defects.counts.items()}
    return stats


# -- checking -------------------------------------------------------------------------


def verify(folder: Path) -> dict:
    """Read the files back with the csv module and check what a clean export promises.

    Checks: the exact headers; every order's customer exists; LOG numbers are unique
    and 5-7 letters/digits; every charge line total is quantity x unit price (rounded
    half up to the cent); SUBTOTAL is the sum of the line totals and TOTAL is
    SUBTOTAL + SALES_TAX + SHIP_FRGHT; DUEOUT and DATOUT are not before DATIN.
    Returns the counts and up to 20 problems; only the LOG set grows with the file.
    """
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    cent = Decimal("0.01")
    problems: list[str] = []
    counts: Counter[str] = Counter()

    def problem(text: str) -> None:
        counts["problems"] += 1
        if len(problems) < 20:
            problems.append(text)

    with (folder / "Customers.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if next(reader) != CUSTOMER_COLUMNS:
            problem("Customers.csv: header differs from the legacy layout")
        codes = set()
        for number, row in enumerate(reader, 1):
            counts["customers"] += 1
            if len(row) != len(CUSTOMER_COLUMNS) or row[0] in codes:
                problem(f"Customers.csv row {number}: bad width or duplicate CUSTID {row[0]!r}")
            codes.add(row[0])
    logs: set[str] = set()
    with (folder / "Orders.csv").open(
        encoding="utf-8", errors="surrogateescape", newline=""
    ) as handle:
        reader = csv.reader(handle)
        if next(reader) != ORDER_COLUMNS:
            problem("Orders.csv: header differs from the legacy layout")
        for number, row in enumerate(reader, 1):
            counts["orders"] += 1
            where = f"Orders.csv row {number}"
            if len(row) != len(ORDER_COLUMNS):
                problem(f"{where}: {len(row)} fields")
                continue
            log = row[0]
            if log in logs or not (5 <= len(log) <= 7 and log.isalnum()):
                problem(f"{where}: LOG {log!r} repeated or malformed")
            logs.add(log)
            if row[1] not in codes:
                problem(f"{where}: customer {row[1]!r} not in Customers.csv")
            if row[OI["DUEOUT"]] < row[OI["DATIN"]] or (
                row[_DATOUT] and row[_DATOUT] < row[OI["DATIN"]]
            ):
                problem(f"{where}: DUEOUT/DATOUT before DATIN")
            try:
                subtotal = Decimal(0)
                for kind in CHARGES:
                    n, c, t = (row[OI[f"{kind}_{x}"]] for x in "NCT")
                    if not (n or c or t):
                        continue
                    counts["charge_lines"] += 1
                    if (Decimal(n) * Decimal(c)).quantize(cent, ROUND_HALF_UP) != Decimal(t):
                        problem(f"{where}: {kind} {n} x {c} != {t}")
                    subtotal += Decimal(t)
                if subtotal != Decimal(row[_SUBTOTAL]):
                    problem(f"{where}: SUBTOTAL {row[_SUBTOTAL]} != sum of lines {subtotal}")
                total = Decimal(row[_SUBTOTAL]) + Decimal(row[_TAX]) + Decimal(row[_FREIGHT])
                if total != Decimal(row[_TOTAL]):
                    problem(f"{where}: TOTAL {row[_TOTAL]} != {total}")
            except InvalidOperation:
                problem(f"{where}: a money column is not a number")
    return {"counts": dict(counts), "problems": problems}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="order rows (default 1M)")
    parser.add_argument(
        "--customers", type=int, default=20_000, help="valid customers (default 20000)"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the files into")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="only read the files in --out back and check them (for clean exports)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes for the orders (default 1; the output is the same)",
    )
    parser.add_argument(
        "--dirty-rate",
        type=float,
        default=0.0,
        help="share of order rows given one defect each (default 0: a clean export)",
    )
    args = parser.parse_args(argv)
    if args.orders < 1 or args.customers < 1:
        parser.error("--orders and --customers must be positive")
    if not 0.0 <= args.dirty_rate <= 1.0:
        parser.error("--dirty-rate must be between 0 and 1")
    if args.orders + FIRST_LOG > 9_999_999:
        parser.error("--orders is too large for 7-character LOG numbers")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate the files and print what was written, as JSON, on stdout."""
    args = parse_args(argv)
    if args.verify:
        result = verify(args.out)
        print(json.dumps(result, indent=2))
        return 1 if result["problems"] else 0
    stats = generate(Options(args.orders, args.customers, args.out, args.seed, args.dirty_rate))
    print(json.dumps(stats, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
