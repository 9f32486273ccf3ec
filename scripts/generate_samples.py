"""Generates the coherent sample podcast network in samples/.

Two tenants (Northwind Audio Network and Harbor Podcast Collective), each with
six shows, their episodes, advertisers, a sales pipeline of campaigns, ad
units, insertion orders (IO bookings) and 90 days of per-source daily
listening metrics (2026-08-18 .. 2026-11-15). A small file of metrics rows with
deliberate errors is written as well, for exercising the loader's validation.

Every foreign key resolves inside its own tenant. The output is fully
deterministic: the same seed always yields byte-identical files.

Usage:
    python scripts/generate_samples.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261121
REFERENCE_DATE = dt.date(2026, 11, 15)
WINDOW_START = dt.date(2026, 8, 18)
WINDOW_END = REFERENCE_DATE
LAST_PUBLISH = dt.date(2026, 11, 14)

SOURCES = ("megaphone", "spotify", "apple_podcasts")
STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
STATUSES = ("draft", "scheduled", "live", "paused", "completed", "cancelled")

METRICS_COLUMNS = [
    "tenant_id",
    "day",
    "show_id",
    "episode_id",
    "source",
    "downloads",
    "listeners",
    "listen_seconds",
]

D = dt.date.fromisoformat

# ---------------------------------------------------------------------------
# Static catalogue
# ---------------------------------------------------------------------------

TENANTS = [
    ("northwind-audio", "Northwind Audio Network"),
    ("harbor-pods", "Harbor Podcast Collective"),
]

# Weekday numbers follow datetime: Monday = 0 ... Sunday = 6.
SHOWS = [
    dict(
        tenant_id="northwind-audio",
        show_id="nw-tech-talk",
        title="Tech Talk",
        slug="tech-talk",
        apple_genre="Technology",
        explicit=False,
        promo_base="TECHTALK",
        description=(
            "A weekly conversation about the gadgets, apps and platforms that "
            "shape everyday life, with reviews, interviews and listener questions."
        ),
        first_publish="2026-07-28",
        weekdays=(1,),
        first_number=101,
        launch_downloads=10500,
        duration=(3400, 400),
        completion=0.66,
        titles=[
            "The Quiet Return of the Flip Phone",
            "Passkeys Are Here. Now What?",
            "Right to Repair Goes Mainstream",
            "Fall Phone Launch Preview",
            "We Tried Every Smart Ring",
            "Your Router Is Older Than You Think",
            "Phone Launch Week: First Impressions",
            "Why Every App Wants to Be a Bank",
            "Open Source AI and Who Pays for It",
            "The Home Server Renaissance",
            "E-Readers Deserve Better",
            "Whatever Happened to Foldables?",
            "Battery Tech That Might Actually Ship",
            "Satellite Texting, One Year In",
            "The Smart Home Standard, Revisited",
            "Holiday Gift Guide: Gadgets Under $100",
        ],
    ),
    dict(
        tenant_id="northwind-audio",
        show_id="nw-margin-call",
        title="Margin Call",
        slug="margin-call",
        apple_genre="Investing",
        explicit=False,
        promo_base="MARGINCALL",
        description=(
            "Plain-English investing for people with day jobs: markets, rates, "
            "earnings and the questions listeners are too polite to ask their advisor."
        ),
        first_publish="2026-07-13",
        weekdays=(0,),
        first_number=214,
        launch_downloads=4000,
        duration=(2700, 300),
        completion=0.58,
        titles=[
            "Why Bond Yields Are Everyone's Problem",
            "The Case for Boring Index Funds",
            "Earnings Season Cheat Sheet",
            "Small Caps: Value Trap or Opportunity?",
            "Reading a 10-K Without Falling Asleep",
            "What the Fed Minutes Actually Said",
            "Dividend Stocks in a High-Rate World",
            "The Housing Market Nobody Can Explain",
            "Is September Really the Worst Month?",
            "Private Credit, Explained",
            "How Buybacks Really Work",
            "Q3 Earnings: The Banks Kick Things Off",
            "Emerging Markets After the Rally",
            "Tax-Loss Harvesting Before Year End",
            "Midterms and Markets",
            "Gold at Record Highs: Now What?",
            "Listener Questions: Roth vs. Traditional",
            "Rebalancing Your Portfolio for 2027",
        ],
    ),
    dict(
        tenant_id="northwind-audio",
        show_id="nw-founders-hour",
        title="The Founders Hour",
        slug="founders-hour",
        apple_genre="Entrepreneurship",
        explicit=False,
        promo_base="FOUNDERS",
        description=(
            "Long-form interviews with founders about the messy middle of building "
            "a company: hiring, fundraising, pricing and the near-death moments."
        ),
        first_publish="2026-08-19",
        weekdays=(2,),
        first_number=57,
        launch_downloads=5800,
        duration=(3900, 450),
        completion=0.61,
        titles=[
            "Bootstrapping to $10M ARR with Priya Nandakumar",
            "The First Ten Hires",
            "Raising a Seed Round in a Cautious Market",
            "Pricing Is a Product Decision",
            "How We Almost Ran Out of Money",
            "Selling to Enterprise Without a Sales Team",
            "Founder Burnout, Honestly",
            "From Side Project to Series A with Marcus Bell",
            "The Art of the Pivot",
            "Building a Remote Company from Day One",
            "What Investors Actually Look for in a Deck",
            "Hardware Is Hard: Lessons from a Robotics Startup",
            "Year-End Planning for Small Teams",
        ],
    ),
    dict(
        tenant_id="northwind-audio",
        show_id="nw-signal-noise",
        title="Signal & Noise",
        slug="signal-noise",
        apple_genre="Tech News",
        explicit=False,
        promo_base="SIGNAL",
        description=(
            "Twice-weekly tech news briefing: the stories that matter, what they "
            "mean, and what to ignore. Under thirty minutes, every Monday and Thursday."
        ),
        first_publish="2026-10-05",
        weekdays=(0, 3),
        first_number=1,
        launch_downloads=1800,
        duration=(1500, 180),
        completion=0.72,
        titles=[
            "Chipmakers Rally on AI Demand",
            "The Antitrust Ruling, Explained",
            "Streaming Prices Go Up Again",
            "A Big Week for Open Models",
            "Social Platforms and the Midterms",
            "Anatomy of a Cloud Outage",
            "Earnings Recap: Big Tech's Quarter",
            "Election Week Tech Roundup",
            "The Satellite Internet Price War",
            "Europe's Digital Rules, Year Two",
            "The Robotaxi Expansion",
            "Black Friday Tech Deals Preview",
        ],
    ),
    dict(
        tenant_id="northwind-audio",
        show_id="nw-late-checkout",
        title="Late Checkout",
        slug="late-checkout",
        apple_genre="Comedy",
        explicit=True,
        promo_base="CHECKOUT",
        description=(
            "Three friends, one microphone, zero supervision. Travel disasters, "
            "bad decisions and listener mail nobody should have sent."
        ),
        first_publish="2026-08-07",
        weekdays=(4,),
        first_number=88,
        launch_downloads=7500,
        duration=(4200, 350),
        completion=0.55,
        titles=[
            "We Got Banned from a Waffle House",
            "The Worst Hotel Pillow in America",
            "Dad Joke Tribunal",
            "Airport Lounge Heist",
            "Our Summer Camp Trauma",
            "Ranking Every Gas Station Snack",
            "Live from the Laundromat",
            "Haunted Airbnb, Part 1",
            "Haunted Airbnb, Part 2",
            "Halloween Costume Court",
            "Our Group Chat Is on Fire",
            "Mailbag: You People Are Unwell",
            "The Great Thermostat War",
            "Wedding Season Is Over (Thank God)",
            "Friendsgiving Disasters",
        ],
    ),
    dict(
        tenant_id="northwind-audio",
        show_id="nw-second-shift",
        title="Second Shift",
        slug="second-shift",
        apple_genre="Careers",
        explicit=False,
        promo_base="SECONDSHIFT",
        description=(
            "Practical career advice for the messy middle of working life: raises, "
            "reviews, career changes and surviving the office."
        ),
        first_publish="2026-09-15",
        weekdays=(1,),
        first_number=1,
        launch_downloads=1050,
        duration=(2100, 250),
        completion=0.64,
        titles=[
            "Welcome to Second Shift",
            "Negotiating Your First Raise",
            "Changing Careers at 40",
            "The Four-Day Week Experiment",
            "Managing Your Former Peers",
            "Side Hustles That Became Jobs",
            "Surviving a Layoff",
            "How to Ask for Feedback",
            "Year-End Reviews Without the Dread",
        ],
    ),
    dict(
        tenant_id="harbor-pods",
        show_id="hp-cold-harbor",
        title="Cold Harbor",
        slug="cold-harbor",
        apple_genre="True Crime",
        explicit=False,
        promo_base="COLDHARBOR",
        description=(
            "Unsolved cases from the towns along the New England coast, "
            "reported from court records, archives and the people who were there."
        ),
        first_publish="2026-07-21",
        weekdays=(1,),
        first_number=140,
        launch_downloads=15000,
        duration=(2900, 350),
        completion=0.74,
        titles=[
            "The Lighthouse Keeper's Daughter",
            "Missing in Marblehead",
            "The Fire on Pier 9",
            "A Knock at 3 A.M.",
            "The Ferry Manifest",
            "Cold Trail: The Hallett Case",
            "The Boathouse Letters",
            "Who Was John Doe 27?",
            "The Night Shift at St. Anselm",
            "Drowned Evidence",
            "The Widow's Walk",
            "Signal Lost Off Cape Ann",
            "The Cannery Murders, Part 1",
            "The Cannery Murders, Part 2",
            "A Confession Recanted",
            "The Tide Table Alibi",
            "Update: The Hallett Case Reopened",
        ],
    ),
    dict(
        tenant_id="harbor-pods",
        show_id="hp-kitchen-table",
        title="The Kitchen Table",
        slug="kitchen-table",
        apple_genre="Food",
        explicit=False,
        promo_base="KITCHEN",
        description=(
            "Seasonal home cooking without the fuss: what to buy, what to make "
            "and how to get dinner on the table on a Tuesday."
        ),
        first_publish="2026-08-20",
        weekdays=(3,),
        first_number=61,
        launch_downloads=3300,
        duration=(2400, 300),
        completion=0.57,
        titles=[
            "Tomato Season, Explained",
            "Stone Fruit Desserts",
            "Back-to-School Lunches That Survive the Backpack",
            "The Perfect Weeknight Pasta",
            "Sheet Pan Everything",
            "Sourdough for Skeptics",
            "Apple Picking and What to Do After",
            "Braising 101",
            "Pumpkin Beyond the Latte",
            "Soup Season",
            "The Spice Drawer Intervention",
            "Baking with Whole Grains",
            "Thanksgiving Game Plan",
        ],
    ),
    dict(
        tenant_id="harbor-pods",
        show_id="hp-long-run",
        title="The Long Run",
        slug="long-run",
        apple_genre="Fitness",
        explicit=False,
        promo_base="LONGRUN",
        description=(
            "A running coach and a back-of-the-pack marathoner talk training, "
            "injuries, gear and the mental side of going the distance."
        ),
        first_publish="2026-06-01",
        weekdays=(0,),
        first_number=180,
        launch_downloads=2400,
        duration=(2600, 350),
        completion=0.62,
        titles=[
            "Summer Base Building",
            "Running in the Heat",
            "Why Easy Runs Should Be Easy",
            "Fueling the Long Run",
            "Strength Training for Runners",
            "Choosing a Fall Marathon",
            "Shoe Rotation Myths",
            "Tempo Runs, Demystified",
            "Injury Stories: IT Band Edition",
            "Sleep Is Training",
            "Track Workouts for Beginners",
            "Half Marathon Race Week",
            "Hills Are Speedwork in Disguise",
            "Mental Tricks for Mile 20",
            "The Taper Tantrum",
            "Marathon Race Week Checklist",
            "Race Recaps from Our Listeners",
            "The Post-Marathon Blues",
            "Reverse Taper and Recovery",
            "Trail Running for Road Runners",
            "Running Through the Dark Months",
            "Cold Weather Gear Guide",
            "Turkey Trot Strategy",
            "Setting Goals for Next Season",
        ],
    ),
    dict(
        tenant_id="harbor-pods",
        show_id="hp-past-tense",
        title="Past Tense",
        slug="past-tense",
        apple_genre="History",
        explicit=False,
        promo_base="PASTTENSE",
        description=(
            "Strange, overlooked and badly remembered moments from history, told as stories, one event per episode."
        ),
        first_publish="2026-08-26",
        weekdays=(2,),
        first_number=112,
        launch_downloads=6000,
        duration=(3300, 400),
        completion=0.69,
        titles=[
            "The Year Without a Summer",
            "The Great Molasses Flood",
            "How the Erie Canal Built New York",
            "The Radium Girls",
            "The Lost Colony of Roanoke",
            "The Dancing Plague of 1518",
            "The Halifax Explosion",
            "The Great Stink of London",
            "Witch Trials Beyond Salem",
            "The Real History of Trick-or-Treat",
            "The Year of Three Popes",
            "The Wreck of the Edmund Fitzgerald",
        ],
    ),
    dict(
        tenant_id="harbor-pods",
        show_id="hp-small-hours",
        title="The Small Hours",
        slug="small-hours",
        apple_genre="Comedy",
        explicit=True,
        promo_base="SMALLHOURS",
        description=(
            "Two insomniac comedians record after midnight so you do not have to "
            "be awake alone. Uncensored, unhinged, twice a week."
        ),
        first_publish="2026-10-02",
        weekdays=(1, 4),
        first_number=1,
        launch_downloads=4300,
        duration=(3600, 450),
        completion=0.52,
        titles=[
            "Pilot (We Have No Idea What We're Doing)",
            "Insomnia Olympics",
            "Worst First Dates",
            "The Ghost in My Apartment Is Rude",
            "Spooky Season Hot Takes",
            "Halloween Party Fouls",
            "Costume Regrets",
            "Daylight Saving Is a Hoax",
            "Mailbag: Confessions",
            "Election Night Snack Draft",
            "Our Moms Review the Show",
            "Roommate Horror Stories",
            "The Petty Grievances Hour",
        ],
    ),
    dict(
        tenant_id="harbor-pods",
        show_id="hp-field-notes",
        title="Field Notes",
        slug="field-notes",
        apple_genre="Nature",
        explicit=False,
        promo_base="FIELDNOTES",
        description=(
            "A naturalist's weekly walk through the season: birds, bugs, fungi "
            "and what is happening in your own backyard."
        ),
        first_publish="2026-09-25",
        weekdays=(4,),
        first_number=1,
        launch_downloads=1400,
        duration=(1700, 200),
        completion=0.68,
        titles=[
            "The Great Fall Migration",
            "Why Leaves Change Color",
            "Mushroom Season",
            "The Secret Lives of Squirrels",
            "Bats Are Misunderstood",
            "Owls After Dark",
            "The First Frost",
            "Where Do Bugs Go in Winter?",
        ],
    ),
]

# category = IAB Content Taxonomy 3.1 unique id (tier 1 or tier 2).
ADVERTISERS = [
    # northwind-audio
    ("northwind-audio", "nw-adv-loamwell", "Loamwell Sleep", "274", "loamwell.com"),  # Home & Garden
    ("northwind-audio", "nw-adv-shieldline", "ShieldLine VPN", "599", "shieldlinevpn.com"),  # Computing
    ("northwind-audio", "nw-adv-ledgerly", "Ledgerly", "53", "ledgerly.io"),  # Business
    ("northwind-audio", "nw-adv-crateful", "Crateful Kitchen", "216", "cratefulkitchen.com"),  # Cooking
    ("northwind-audio", "nw-adv-brightwater", "Brightwater Bank", "392", "brightwaterbank.com"),  # Consumer Banking
    ("northwind-audio", "nw-adv-parcelcraft", "Parcelcraft", "53", "parcelcraft.io"),  # Business
    # harbor-pods
    ("harbor-pods", "hp-adv-pantrypost", "Pantry Post", "216", "pantrypost.com"),  # Cooking
    ("harbor-pods", "hp-adv-shieldline", "ShieldLine VPN", "599", "shieldlinevpn.com"),  # Computing
    ("harbor-pods", "hp-adv-stridewell", "Stridewell", "225", "stridewell.com"),  # Fitness and Exercise
    ("harbor-pods", "hp-adv-pawtrail", "Pawtrail", "431", "pawtrail.com"),  # Pet Supplies
    ("harbor-pods", "hp-adv-tidewell", "Tidewell Bank", "392", "tidewellbank.com"),  # Consumer Banking
    ("harbor-pods", "hp-adv-driftdune", "Drift & Dune", "274", "driftanddune.com"),  # Home & Garden
]

AD_UNITS = [
    # suffix, name, position, duration_seconds, read_type, cpm factor
    ("pre-15", "Pre-roll :15 announcer read", "pre_roll", 15, "announcer_read", 0.88),
    ("mid-60", "Mid-roll :60 host read", "mid_roll", 60, "host_read", 1.08),
    ("post-30", "Post-roll :30 programmatic", "post_roll", 30, "programmatic", 0.72),
]

# Campaigns. Campaigns with IOs derive flight and budget from their IOs;
# the others carry a proposed flight and budget.
# key, advertiser suffix, name, stage, vanity tag, [flight_start, flight_end]
CAMPAIGNS = {
    "northwind-audio": [
        ("loamwell-fall", "loamwell", "Loamwell Fall Sleep Sale", "won", "fall", None),
        ("shieldline-q4", "shieldline", "ShieldLine Q4 Always-On", "won", "q4", None),
        ("ledgerly-yearend", "ledgerly", "Ledgerly Year-End Close", "won", "yearend", None),
        ("crateful-holiday", "crateful", "Crateful Kitchen Holiday Boxes", "won", "holiday", None),
        ("brightwater-hysa", "brightwater", "Brightwater High-Yield Savings Launch", "negotiation", "save", None),
        (
            "parcelcraft-peak",
            "parcelcraft",
            "Parcelcraft Peak Season",
            "negotiation",
            "peak",
            ("2026-11-30", "2026-12-20"),
        ),
        (
            "loamwell-newyear",
            "loamwell",
            "Loamwell New Year Reset",
            "proposal",
            "newyear",
            ("2027-01-04", "2027-01-31"),
        ),
        (
            "parcelcraft-q1",
            "parcelcraft",
            "Parcelcraft Q1 Brand Flight",
            "qualified",
            "q1",
            ("2027-01-11", "2027-01-31"),
        ),
        (
            "brightwater-tax",
            "brightwater",
            "Brightwater Tax Season Checking",
            "lead",
            "tax",
            ("2027-01-18", "2027-01-31"),
        ),
        (
            "crateful-grill",
            "crateful",
            "Crateful Kitchen Late Summer Grilling",
            "lost",
            "grill",
            ("2026-08-03", "2026-08-30"),
        ),
    ],
    "harbor-pods": [
        ("pantrypost-routine", "pantrypost", "Pantry Post Back-to-Routine", "won", "routine", None),
        ("shieldline-privacy", "shieldline", "ShieldLine Fall Privacy Push", "won", "privacy", None),
        ("stridewell-marathon", "stridewell", "Stridewell Marathon Season", "won", "marathon", None),
        ("pawtrail-gifting", "pawtrail", "Pawtrail Holiday Gifting", "won", "gift", None),
        ("driftdune-bf", "driftdune", "Drift & Dune Black Friday", "won", "bf", None),
        ("tidewell-newyear", "tidewell", "Tidewell New Year Savings", "negotiation", "newyear", None),
        (
            "stridewell-spring",
            "stridewell",
            "Stridewell Spring Training",
            "proposal",
            "spring",
            ("2027-01-11", "2027-01-31"),
        ),
        (
            "pawtrail-puppy",
            "pawtrail",
            "Pawtrail New Puppy Starter Kit",
            "qualified",
            "puppy",
            ("2027-01-04", "2027-01-31"),
        ),
        (
            "tidewell-firsthome",
            "tidewell",
            "Tidewell First Home Mortgage",
            "lead",
            "home",
            ("2027-01-18", "2027-01-31"),
        ),
        (
            "driftdune-laborday",
            "driftdune",
            "Drift & Dune Labor Day Sale",
            "lost",
            "laborday",
            ("2026-08-24", "2026-09-13"),
        ),
    ],
}

# IO plan: campaign key, show suffix, unit suffix, level, status, flight, over-booked.
# level "show" = run-of-show (no episode); "episode" = one episode published in flight.
IO_PLAN = {
    "northwind-audio": [
        ("loamwell-fall", "tech-talk", "mid-60", "episode", "completed", "2026-08-24", "2026-09-20", False),
        ("loamwell-fall", "tech-talk", "mid-60", "episode", "completed", "2026-09-21", "2026-10-18", False),
        ("loamwell-fall", "late-checkout", "mid-60", "show", "completed", "2026-08-24", "2026-10-18", True),
        ("loamwell-fall", "founders-hour", "pre-15", "episode", "completed", "2026-09-01", "2026-09-30", False),
        ("loamwell-fall", "margin-call", "mid-60", "episode", "completed", "2026-08-31", "2026-09-27", False),
        ("shieldline-q4", "tech-talk", "mid-60", "show", "live", "2026-10-19", "2026-11-29", False),
        ("shieldline-q4", "signal-noise", "pre-15", "show", "live", "2026-10-19", "2026-12-20", False),
        ("shieldline-q4", "late-checkout", "mid-60", "episode", "live", "2026-11-09", "2026-12-06", False),
        ("shieldline-q4", "second-shift", "post-30", "show", "paused", "2026-10-26", "2026-11-22", False),
        ("shieldline-q4", "margin-call", "mid-60", "episode", "live", "2026-11-02", "2026-11-29", True),
        ("ledgerly-yearend", "founders-hour", "mid-60", "show", "scheduled", "2026-11-30", "2026-12-27", False),
        ("ledgerly-yearend", "margin-call", "mid-60", "show", "scheduled", "2026-12-07", "2027-01-17", False),
        ("ledgerly-yearend", "second-shift", "pre-15", "show", "scheduled", "2027-01-04", "2027-01-17", False),
        ("crateful-holiday", "late-checkout", "mid-60", "episode", "completed", "2026-10-12", "2026-11-08", False),
        ("crateful-holiday", "signal-noise", "mid-60", "episode", "completed", "2026-10-12", "2026-11-08", False),
        ("crateful-holiday", "founders-hour", "mid-60", "episode", "live", "2026-11-04", "2026-12-01", False),
        ("crateful-holiday", "tech-talk", "pre-15", "show", "cancelled", "2026-11-16", "2026-12-13", False),
        ("brightwater-hysa", "margin-call", "mid-60", "show", "draft", "2027-01-04", "2027-01-31", False),
        ("brightwater-hysa", "tech-talk", "mid-60", "show", "draft", "2026-12-01", "2026-12-28", False),
    ],
    "harbor-pods": [
        ("pantrypost-routine", "kitchen-table", "mid-60", "episode", "completed", "2026-08-24", "2026-09-20", False),
        ("pantrypost-routine", "kitchen-table", "mid-60", "episode", "completed", "2026-09-07", "2026-10-04", False),
        ("pantrypost-routine", "long-run", "pre-15", "show", "completed", "2026-08-24", "2026-09-27", False),
        ("pantrypost-routine", "cold-harbor", "mid-60", "show", "completed", "2026-08-31", "2026-10-04", True),
        ("shieldline-privacy", "cold-harbor", "mid-60", "episode", "completed", "2026-09-28", "2026-10-25", False),
        ("shieldline-privacy", "cold-harbor", "mid-60", "show", "live", "2026-10-26", "2026-11-29", True),
        ("shieldline-privacy", "small-hours", "pre-15", "episode", "live", "2026-11-03", "2026-11-29", False),
        ("shieldline-privacy", "past-tense", "post-30", "show", "paused", "2026-10-19", "2026-11-22", False),
        ("stridewell-marathon", "long-run", "mid-60", "episode", "completed", "2026-09-07", "2026-10-04", False),
        ("stridewell-marathon", "long-run", "mid-60", "episode", "completed", "2026-10-05", "2026-11-01", False),
        ("stridewell-marathon", "long-run", "mid-60", "show", "live", "2026-11-02", "2026-11-22", False),
        ("stridewell-marathon", "field-notes", "pre-15", "episode", "cancelled", "2026-10-26", "2026-11-22", False),
        ("pawtrail-gifting", "field-notes", "mid-60", "show", "scheduled", "2026-11-23", "2026-12-20", False),
        ("pawtrail-gifting", "small-hours", "mid-60", "show", "scheduled", "2026-11-30", "2026-12-27", False),
        ("pawtrail-gifting", "past-tense", "mid-60", "show", "scheduled", "2026-12-01", "2026-12-31", False),
        ("driftdune-bf", "cold-harbor", "pre-15", "episode", "live", "2026-11-09", "2026-12-06", False),
        ("driftdune-bf", "kitchen-table", "mid-60", "episode", "live", "2026-11-12", "2026-12-06", False),
        ("tidewell-newyear", "past-tense", "mid-60", "show", "draft", "2027-01-04", "2027-01-31", False),
    ],
}

PREFIX = {"northwind-audio": "nw", "harbor-pods": "hp"}

# metrics_bad_rows.csv: 1-based data row -> (column, bad value). Each bad row is
# wrong in exactly one column; samples/README.md lists them.
BAD_ROWS = {
    2: ("downloads", "-37"),  # negative count
    5: ("listeners", "n/a"),  # non-numeric
    7: ("day", "2026-02-30"),  # impossible date
    9: ("episode_id", "hp-ghost-e999"),  # unknown episode
    12: ("tenant_id", ""),  # missing tenant
}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def daterange(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def money(value: float) -> str:
    return f"{value:.2f}"


def round_impressions(value: float) -> int:
    step = 1000 if value >= 20000 else 500
    return max(step, round(value / step) * step)


def decay_curve(age: np.ndarray) -> np.ndarray:
    """Share of an episode's launch-day volume downloaded at a given age in days."""
    return 0.70 * np.exp(-age / 1.8) + 0.22 * np.exp(-age / 14.0) + 0.012


WEEKDAY_FACTOR = np.array([1.04, 1.06, 1.05, 1.03, 0.98, 0.78, 0.82])


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------


def build_shows() -> pd.DataFrame:
    rows = [
        dict(
            tenant_id=s["tenant_id"],
            show_id=s["show_id"],
            title=s["title"],
            slug=s["slug"],
            apple_genre=s["apple_genre"],
            explicit="true" if s["explicit"] else "false",
            language="en",
            description=s["description"],
        )
        for s in SHOWS
    ]
    return pd.DataFrame(rows)


def build_episodes(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for s in SHOWS:
        dates = [d for d in daterange(D(s["first_publish"]), LAST_PUBLISH) if d.weekday() in s["weekdays"]]
        if len(dates) != len(s["titles"]):
            raise SystemExit(f"{s['show_id']}: {len(dates)} publish dates but {len(s['titles'])} titles")
        mean, sd = s["duration"]
        for n, (day, title) in enumerate(zip(dates, s["titles"])):
            number = s["first_number"] + n
            duration = int(np.clip(round(rng.normal(mean, sd)), 1200, 4800))
            slots = 2 if duration < 1800 else 3 if duration < 3000 else 4
            if slots > 2 and rng.random() < 0.2:
                slots -= 1
            rows.append(
                dict(
                    tenant_id=s["tenant_id"],
                    episode_id=f"{s['show_id']}-e{number:03d}",
                    show_id=s["show_id"],
                    title=title,
                    published_at=day.isoformat(),
                    duration_seconds=duration,
                    ad_slots=slots,
                )
            )
    return pd.DataFrame(rows)


def build_metrics(rng: np.random.Generator, episodes: pd.DataFrame):
    """Daily per-source metrics plus the noise-free expected curve per episode."""
    show_by_id = {s["show_id"]: s for s in SHOWS}
    # Per-show platform mix and listener ratios.
    show_params = {}
    for s in SHOWS:
        show_params[s["show_id"]] = dict(
            growth=rng.uniform(-0.0015, 0.004),
            spotify=rng.uniform(0.22, 0.34),
            apple=rng.uniform(0.30, 0.42),
        )
    # One breakout episode per tenant (press coverage, a big guest...).
    breakout = {"nw-founders-hour-e064", "hp-cold-harbor-e152"}

    frames = []
    expected = {}
    for ep in episodes.itertuples(index=False):
        s = show_by_id[ep.show_id]
        p = show_params[ep.show_id]
        published = D(ep.published_at)
        age_from_window = (published - WINDOW_START).days
        launch = s["launch_downloads"] * (1.0 + p["growth"]) ** age_from_window * rng.lognormal(0.0, 0.22)
        if ep.episode_id in breakout:
            launch *= 2.6
        expected[ep.episode_id] = (published, launch)

        start = max(published, WINDOW_START)
        days = pd.date_range(start, WINDOW_END, freq="D")
        age = np.asarray((days - pd.Timestamp(published)).days, dtype=float)
        weekday = WEEKDAY_FACTOR[days.weekday]
        mean = launch * decay_curve(age) * weekday * rng.lognormal(0.0, 0.10, size=len(days))
        megaphone = rng.poisson(mean)
        spotify = rng.binomial(megaphone, np.clip(p["spotify"] * rng.lognormal(0, 0.08, len(days)), 0, 0.6))
        apple = rng.binomial(megaphone, np.clip(p["apple"] * rng.lognormal(0, 0.08, len(days)), 0, 0.6))

        for source, downloads, uniq, completion_shift in (
            ("megaphone", megaphone, (0.80, 0.90), -0.03),
            ("spotify", spotify, (0.88, 0.95), 0.04),
            ("apple_podcasts", apple, (0.85, 0.93), 0.01),
        ):
            listeners = rng.binomial(downloads, rng.uniform(*uniq, size=len(days)))
            completion = np.clip(s["completion"] + completion_shift + rng.normal(0.0, 0.04, len(days)), 0.40, 0.80)
            listen_seconds = np.round(listeners * ep.duration_seconds * completion).astype(np.int64)
            frames.append(
                pd.DataFrame(
                    dict(
                        tenant_id=ep.tenant_id,
                        day=[d.isoformat() for d in days.date],
                        show_id=ep.show_id,
                        episode_id=ep.episode_id,
                        source=source,
                        downloads=downloads.astype(np.int64),
                        listeners=listeners.astype(np.int64),
                        listen_seconds=listen_seconds,
                    )
                )
            )

    metrics = pd.concat(frames, ignore_index=True)
    metrics = metrics.sort_values(
        ["tenant_id", "day", "show_id", "episode_id", "source"], kind="mergesort"
    ).reset_index(drop=True)
    return metrics[METRICS_COLUMNS], expected


def expected_downloads(expected, episode_id: str, day: dt.date) -> float:
    published, launch = expected[episode_id]
    age = (day - published).days
    if age < 0:
        return 0.0
    return float(launch * decay_curve(np.array([age]))[0] * WEEKDAY_FACTOR[day.weekday()])


def build_commercial(rng, episodes, metrics, expected):
    """Advertisers, ad units, campaigns and IO bookings."""
    show_by_id = {s["show_id"]: s for s in SHOWS}
    domain_by_adv = {a[1]: a[4] for a in ADVERTISERS}

    mega = metrics[metrics["source"] == "megaphone"].copy()
    mega["day"] = pd.to_datetime(mega["day"]).dt.date
    show_daily = mega.groupby(["show_id", "day"])["downloads"].sum()
    episode_daily = mega.set_index(["episode_id", "day"])["downloads"]
    recent_start = REFERENCE_DATE - dt.timedelta(days=27)

    def show_downloads(show_id: str, start: dt.date, end: dt.date) -> float:
        series = show_daily.loc[show_id]
        observed = series[(series.index >= max(start, WINDOW_START)) & (series.index <= min(end, REFERENCE_DATE))]
        total = float(observed.sum())
        if end > REFERENCE_DATE:
            recent = series[series.index >= recent_start]
            per_day = float(recent.sum()) / 28.0
            future_days = (end - max(start, REFERENCE_DATE + dt.timedelta(days=1))).days + 1
            total += per_day * max(future_days, 0)
        return total

    def episode_downloads(episode_id: str, start: dt.date, end: dt.date) -> float:
        total = 0.0
        for day in daterange(start, end):
            if day <= REFERENCE_DATE:
                total += float(episode_daily.get((episode_id, day), 0))
            else:
                total += expected_downloads(expected, episode_id, day)
        return total

    ad_units, campaigns, ios = [], [], []
    for tenant_id, _ in TENANTS:
        pre = PREFIX[tenant_id]
        for suffix, name, position, seconds, read_type, _f in AD_UNITS:
            ad_units.append(
                dict(
                    tenant_id=tenant_id,
                    ad_unit_id=f"{pre}-{suffix}",
                    name=name,
                    position=position,
                    duration_seconds=seconds,
                    read_type=read_type,
                )
            )
        cpm_factor = {f"{pre}-{u[0]}": u[5] for u in AD_UNITS}
        programmatic = {f"{pre}-{u[0]}" for u in AD_UNITS if u[4] == "programmatic"}

        campaign_ids = {}
        campaign_meta = {}
        for n, (key, adv, name, stage, tag, flight) in enumerate(CAMPAIGNS[tenant_id], start=1):
            campaign_ids[key] = f"{pre}-cmp-{n:03d}"
            campaign_meta[key] = dict(
                advertiser_id=f"{pre}-adv-{adv}",
                name=name,
                stage=stage,
                tag=tag,
                flight=flight,
                target_cpm=round(rng.uniform(21.0, 33.0) * 4) / 4,
            )

        tenant_ios = []
        for n, (key, show_suffix, unit_suffix, level, status, start_s, end_s, over) in enumerate(
            IO_PLAN[tenant_id], start=1
        ):
            meta = campaign_meta[key]
            show_id = f"{pre}-{show_suffix}"
            ad_unit_id = f"{pre}-{unit_suffix}"
            start, end = D(start_s), D(end_s)
            episode_id = ""
            if level == "episode":
                eps = episodes[
                    (episodes["show_id"] == show_id)
                    & (episodes["published_at"] >= start.isoformat())
                    & (episodes["published_at"] <= min(end, LAST_PUBLISH).isoformat())
                ]
                early = eps[eps["published_at"] <= (start + dt.timedelta(days=9)).isoformat()]
                pool = early if len(early) else eps
                if pool.empty:
                    raise SystemExit(f"no episode of {show_id} inside {start}..{end}")
                chosen = pool.iloc[int(rng.integers(len(pool)))]
                episode_id = chosen["episode_id"]
                available = episode_downloads(episode_id, max(start, D(chosen["published_at"])), end)
                fraction = rng.uniform(1.30, 1.60) if over else rng.uniform(0.82, 0.95)
            else:
                available = show_downloads(show_id, start, end)
                fraction = rng.uniform(1.30, 1.60) if over else rng.uniform(0.40, 0.85)
            booked = round_impressions(available * fraction)
            cpm = float(np.clip(meta["target_cpm"] * cpm_factor[ad_unit_id] * rng.uniform(0.94, 1.08), 18.0, 40.0))
            cpm = round(cpm * 20) / 20
            tenant_ios.append(
                dict(
                    tenant_id=tenant_id,
                    io_id=f"{pre}-io-{n:03d}",
                    campaign_id=campaign_ids[key],
                    show_id=show_id,
                    episode_id=episode_id,
                    ad_unit_id=ad_unit_id,
                    flight_start=start.isoformat(),
                    flight_end=end.isoformat(),
                    booked_impressions=booked,
                    cpm=cpm,
                    status=status,
                    promo_code="",
                    vanity_url="",
                    _key=key,
                    _programmatic=ad_unit_id in programmatic,
                )
            )

        # Roughly a quarter of promo codes / vanity URLs are left for the pipeline to fill.
        n_empty = round(len(tenant_ios) / 4)
        forced = [i for i, io in enumerate(tenant_ios) if io["_programmatic"]]
        others = [i for i in range(len(tenant_ios)) if i not in forced]
        empty_promo = set(forced) | set(rng.choice(others, n_empty - len(forced), replace=False).tolist())
        empty_vanity = set(forced) | set(rng.choice(others, n_empty - len(forced), replace=False).tolist())
        used_codes, used_urls = set(), set()
        for i, io in enumerate(tenant_ios):
            show = show_by_id[io["show_id"]]
            meta = campaign_meta[io["_key"]]
            if i not in empty_promo:
                for discount in rng.permutation([15, 20, 25, 30, 10, 40]).tolist():
                    code = f"{show['promo_base']}{discount}"
                    if code not in used_codes:
                        break
                used_codes.add(code)
                io["promo_code"] = code
            if i not in empty_vanity:
                domain = domain_by_adv[meta["advertiser_id"]]
                paths = [show["slug"], f"{show['slug']}-{meta['tag']}"]
                if io["promo_code"]:
                    paths.append(io["promo_code"].lower())
                paths += [f"{show['slug']}-{meta['tag']}-{k}" for k in range(2, 10)]
                url = next(u for u in (f"https://{domain}/{path}" for path in paths) if u not in used_urls)
                used_urls.add(url)
                io["vanity_url"] = url

        # Campaign rows.
        for key, meta in campaign_meta.items():
            own = [io for io in tenant_ios if io["_key"] == key]
            target_cpm = meta["target_cpm"]
            if own:
                flight_start = min(D(io["flight_start"]) for io in own)
                flight_end = max(D(io["flight_end"]) for io in own)
                cost = sum(io["booked_impressions"] * io["cpm"] / 1000.0 for io in own)
                budget = math.ceil(cost / 50.0) * 50.0
            else:
                flight_start, flight_end = (D(x) for x in meta["flight"])
                budget = float(rng.integers(4, 25) * 2500)
            stage = meta["stage"]
            if stage == "won":
                changed = flight_start - dt.timedelta(days=int(rng.integers(7, 22)))
                changed = min(changed, REFERENCE_DATE - dt.timedelta(days=3))
            elif stage == "lost":
                changed = flight_start - dt.timedelta(days=int(rng.integers(4, 12)))
            else:
                window = {
                    "negotiation": (D("2026-10-26"), D("2026-11-12")),
                    "proposal": (D("2026-11-02"), D("2026-11-12")),
                    "qualified": (D("2026-10-19"), D("2026-11-06")),
                    "lead": (D("2026-11-06"), D("2026-11-13")),
                }[stage]
                changed = window[0] + dt.timedelta(days=int(rng.integers(0, (window[1] - window[0]).days + 1)))
            while changed.weekday() >= 5:
                changed -= dt.timedelta(days=1)
            hour = int(rng.integers(9, 18))
            minute = int(rng.choice([0, 10, 15, 20, 30, 40, 45, 50]))
            campaigns.append(
                dict(
                    tenant_id=tenant_id,
                    campaign_id=campaign_ids[key],
                    advertiser_id=meta["advertiser_id"],
                    name=meta["name"],
                    stage=stage,
                    stage_changed_at=f"{changed.isoformat()}T{hour:02d}:{minute:02d}:00Z",
                    flight_start=flight_start.isoformat(),
                    flight_end=flight_end.isoformat(),
                    budget=money(budget),
                    target_cpm=money(target_cpm),
                    impressions_goal=round(budget / target_cpm * 1000),
                )
            )

        for io in tenant_ios:
            io["cpm"] = money(io["cpm"])
            del io["_key"], io["_programmatic"]
        ios.extend(tenant_ios)

    advertisers = pd.DataFrame(ADVERTISERS, columns=["tenant_id", "advertiser_id", "name", "category", "domain"])
    return advertisers, pd.DataFrame(ad_units), pd.DataFrame(campaigns), pd.DataFrame(ios)


def build_bad_rows(rng, metrics: pd.DataFrame) -> list[list[str]]:
    """Twelve `acast` rows for harbor-pods; five of them carry one deliberate error."""
    hp = metrics[(metrics["tenant_id"] == "harbor-pods") & (metrics["source"] == "megaphone")]
    hp = hp[hp["downloads"] >= 40]
    picks = hp.iloc[np.sort(rng.choice(len(hp), 12, replace=False))]
    rows = []
    for r in picks.itertuples(index=False):
        downloads = int(max(3, round(r.downloads * rng.uniform(0.04, 0.09))))
        listeners = round(downloads * rng.uniform(0.85, 0.95))
        ratio = r.listen_seconds / max(r.listeners, 1)
        listen_seconds = round(listeners * ratio * rng.uniform(0.95, 1.05))
        rows.append(
            [r.tenant_id, r.day, r.show_id, r.episode_id, "acast", str(downloads), str(listeners), str(listen_seconds)]
        )
    for row_number, (column, value) in BAD_ROWS.items():
        rows[row_number - 1][METRICS_COLUMNS.index(column)] = value
    return rows


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    default_out = Path(__file__).resolve().parent.parent / "samples"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=default_out, help="output directory (default: samples/ at the repo root)"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(SEED)

    tenants = pd.DataFrame(TENANTS, columns=["tenant_id", "name"])
    shows = build_shows()
    episodes = build_episodes(rng)
    metrics, expected = build_metrics(rng, episodes)
    advertisers, ad_units, campaigns, ios = build_commercial(rng, episodes, metrics, expected)
    bad_rows = build_bad_rows(rng, metrics)

    write_csv(tenants, out / "tenants.csv")
    write_csv(shows, out / "shows.csv")
    write_csv(episodes, out / "episodes.csv")
    write_csv(advertisers, out / "advertisers.csv")
    write_csv(campaigns, out / "campaigns.csv")
    write_csv(ad_units, out / "ad_units.csv")
    write_csv(ios, out / "io_bookings.csv")
    write_csv(metrics, out / "metrics_daily.csv")
    with open(out / "metrics_bad_rows.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(METRICS_COLUMNS)
        writer.writerows(bad_rows)

    for name, df in [
        ("tenants.csv", tenants),
        ("shows.csv", shows),
        ("episodes.csv", episodes),
        ("advertisers.csv", advertisers),
        ("campaigns.csv", campaigns),
        ("ad_units.csv", ad_units),
        ("io_bookings.csv", ios),
        ("metrics_daily.csv", metrics),
        ("metrics_bad_rows.csv", bad_rows),
    ]:
        print(f"{name:<22} {len(df):>6} rows")


if __name__ == "__main__":
    main()
