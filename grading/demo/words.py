"""Word lists for the demo: made-up company names, assessment notes and grade notes.

Names are built from a prefix, a suffix, a trade and a legal form ("Alderwick Dental GmbH"). They are combinations
of common words, not taken from any company register; the combinations are many (over a million), so a large demo
book still gets unique names.
"""

from __future__ import annotations

import numpy as np

NAME_PREFIXES = np.array(
    [
        "Alder", "Amber", "Ash", "Birch", "Bramble", "Bright", "Cedar", "Clover", "Copper", "Crane", "Dawn", "Elder",
        "Fern", "Flint", "Fox", "Glen", "Granite", "Hazel", "Heather", "Holly", "Iron", "Ivy", "Juniper", "Lark",
        "Linden", "Maple", "Marsh", "Meadow", "Moss", "Oak", "Orchard", "Otter", "Pine", "Quarry", "Raven", "Reed",
        "Rowan", "Rye", "Sage", "Silver", "Sloe", "Sorrel", "Spruce", "Stone", "Swift", "Thistle", "Thorn", "Tide",
        "Willow", "Wren", "Yarrow", "Heron", "Kestrel", "Beacon", "Cobalt", "Dune", "Ember", "Frost", "Gull", "Kelp",
    ]
)
NAME_SUFFIXES = np.array(
    [
        "brook", "field", "gate", "haven", "hill", "ford", "mere", "moor", "stead", "wick", "worth", "dale", "ridge",
        "bank", "croft", "combe", "holm", "leigh", "wood", "cliff", "shaw", "thorpe", "well", "burn", "lake", "port",
    ]
)
TRADES = np.array(
    [
        "Dental", "Logistics", "Architects", "Bakery", "Legal", "Accountants", "Veterinary", "Engineering", "Print",
        "Opticians", "Clinic", "Pharmacy", "Joinery", "Freight", "Interiors", "Travel", "Consulting", "Insurance",
        "Estates", "Tax Advisers", "Medical", "Foods", "Garden Centre", "Motors", "Hotel", "Brewery", "Surveyors",
        "Design", "Textiles", "Plastics", "Tooling", "Packaging", "Recruitment", "Physiotherapy", "Care", "Wholesale",
        "Electrics", "Roofing", "Media", "Labs", "Audio", "Solar", "Fitness", "Marine", "Publishing", "Translation",
        "Events", "Catering", "Notaries", "Kitchens",
    ]
)
LEGAL_FORMS = np.array(
    ["GmbH", "BV", "Ltd", "SARL", "AB", "ApS", "AG", "Oy", "s.r.o.", "GmbH & Co. KG", "NV", "AS", "Sp. z o.o.", "S.L."]
)

NAME_SPACE = len(NAME_PREFIXES) * len(NAME_SUFFIXES) * len(TRADES) * len(LEGAL_FORMS)

# Assessment notes, one row per caller-ID reaction: happy, neutral, dread.
ASSESSMENT_NOTES = np.array(
    [
        [
            "Takes our advice; budget for next year agreed.",
            "Quarterly review went well.",
            "Asked us to plan their office move.",
            "Pays by direct debit, never an issue.",
            "Prepays hardware, uses the portal.",
            "Referred a neighbour to us.",
        ],
        [
            "Fine, but questions every renewal.",
            "Wants the cheapest option for new laptops.",
            "Good people, slow to decide.",
            "Uses the portal most of the time.",
            "Server is old; they know, no budget yet.",
            "Asks why the firewall from 2019 no longer fits.",
        ],
        [
            "Owner's nephew changes firewall settings.",
            "Calls the mobile at night about printer jams.",
            "Three invoices open, argues about each.",
            "Refused the backup upgrade again.",
            "Every ticket is an emergency.",
            "Wants everything for free, yesterday.",
        ],
    ]
)

# Grade notes, one row per grade: A, B, C, D.
GRADE_NOTES = np.array(
    [
        ["Model client.", "Pays early, refers others.", "Easy, profitable, trusts us.", "Treats us as their CTO."],
        [
            "Good, but the server is due.",
            "Solid; needs a roadmap meeting.",
            "Fine payer, some late calls.",
            "Good, a bit slow on decisions.",
        ],
        [
            "Needs convincing on every spend.",
            "Margin thin, watch the hours.",
            "Asks for the cheapest option.",
            "Could move to managed.",
        ],
        [
            "Late payer, disputes every bill.",
            "Calls at 10 pm with 'emergencies'.",
            "Too many hours for what they pay.",
            "Would not miss them.",
        ],
    ]
)
