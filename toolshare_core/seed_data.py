"""Fixed tables behind the synthetic demo library: places, categories, names, postcodes, rhythms.

Everything here is invented. E-mail addresses use example.org, phone numbers the range
Ofcom keeps for drama (07700 900xxx), postcodes are plausible London outward codes with
made-up inward parts.
"""

from __future__ import annotations

from dataclasses import dataclass

# (name, address, share of general stock it holds)
LOCATIONS: tuple[tuple[str, str, float], ...] = (
    ("Main library", "12 Mare Street", 0.45),
    ("Northside branch", "3 Stamford Hill Parade", 0.25),
    ("Community garden shed", "Allotments, Millfields Road", 0.05),
    ("Riverside makerspace", "Unit 4, Lea Bridge Works", 0.15),
    ("Eastgate pop-up", "Eastgate Community Centre", 0.10),
)
GARDEN_SHED = 2  # index in LOCATIONS that holds most garden tools

# Day-of-week weight of check-outs, Monday first: Saturday is the busy desk, Sunday short hours.
WEEKDAY_WEIGHT = (0.50, 0.55, 0.60, 0.65, 0.75, 1.00, 0.30)
# Desk opening hour and length of the lending window in hours, Monday first.
OPENING_HOUR = (10, 10, 10, 10, 10, 9, 11)
OPEN_HOURS = (9, 9, 9, 9, 9, 7, 4)

# Month weights (January first) of the season each top-level category follows.
SEASONS: dict[str, tuple[float, ...]] = {
    "diy": (0.80, 0.85, 1.00, 1.15, 1.15, 1.05, 0.95, 1.00, 1.05, 1.00, 0.90, 0.70),
    "garden": (0.10, 0.15, 0.50, 1.20, 1.60, 1.60, 1.50, 1.30, 0.80, 0.45, 0.20, 0.10),
    "camping": (0.10, 0.15, 0.30, 0.70, 1.20, 1.70, 2.10, 2.10, 0.90, 0.30, 0.10, 0.15),
    "party": (0.60, 0.50, 0.60, 0.80, 1.00, 1.30, 1.30, 1.10, 0.80, 0.90, 1.20, 2.40),
    "indoor": (1.30, 1.20, 1.10, 0.90, 0.80, 0.70, 0.70, 0.80, 0.90, 1.10, 1.30, 1.40),
    "kitchen": (0.90, 0.80, 0.80, 0.80, 0.90, 0.90, 1.00, 1.20, 1.30, 1.10, 1.10, 1.50),
    "cleaning": (0.80, 0.90, 1.40, 1.40, 1.10, 0.90, 0.80, 0.80, 0.90, 0.90, 0.90, 1.20),
    "outdoor": (0.50, 0.60, 0.80, 1.10, 1.30, 1.40, 1.50, 1.40, 1.10, 0.80, 0.60, 0.50),
}
SEASON_NAMES: tuple[str, ...] = tuple(SEASONS)


@dataclass(frozen=True)
class Sub:
    """A sub-category: its code, default loan period, typical price, and what it holds."""

    name: str
    code: str
    loan_days: int
    median_value: float
    popularity: float
    names: tuple[str, ...]


@dataclass(frozen=True)
class Top:
    name: str
    code: str
    season: str
    stock_share: float
    brands: tuple[str, ...]
    subs: tuple[Sub, ...]


POWER_BRANDS = ("Bosch", "Makita", "DeWalt", "Ryobi", "Einhell", "Black+Decker", "Milwaukee")
CATEGORIES: tuple[Top, ...] = (
    Top("Power tools", "PT", "diy", 0.16, POWER_BRANDS, (
        Sub("Drills", "DRL", 7, 85, 1.8, ("Cordless drill 18V", "Combi drill", "Hammer drill",
                                         "SDS plus drill", "Impact driver")),
        Sub("Sanders", "SND", 7, 70, 1.1, ("Orbital sander", "Belt sander", "Detail sander",
                                          "Random orbit sander")),
        Sub("Saws", "SAW", 7, 110, 1.0, ("Jigsaw", "Circular saw", "Mitre saw",
                                        "Reciprocating saw")),
        Sub("Multi-tools", "MLT", 7, 90, 0.6, ("Oscillating multi-tool", "Rotary tool kit",
                                              "Heat gun")),
    )),
    Top("Hand tools", "HT", "diy", 0.08, ("Stanley", "Draper", "Irwin", "Bahco", "Silverline"), (
        Sub("Sockets & spanners", "SOC", 14, 45, 0.5, ("Socket set 94pc", "Spanner set",
                                                      "Torque wrench")),
        Sub("Clamps", "CLP", 14, 25, 0.4, ("Sash clamps (pair)", "Quick-grip clamp set")),
        Sub("Measuring", "MSR", 7, 40, 0.8, ("Laser level", "Stud detector",
                                            "Spirit level 1.2 m", "Laser distance meter")),
        Sub("Tile cutting", "TIL", 7, 60, 0.6, ("Manual tile cutter", "Wet tile saw")),
    )),
    Top("Garden", "GD", "garden", 0.15, ("Bosch", "Stihl", "Ryobi", "Flymo", "Fiskars",
                                        "Spear & Jackson"), (
        Sub("Lawn mowers", "MOW", 3, 220, 1.5, ("Electric lawn mower", "Push reel mower",
                                               "Cordless mower 36V")),
        Sub("Hedge trimmers", "HDG", 3, 95, 1.3, ("Hedge trimmer", "Long-reach hedge trimmer")),
        Sub("Strimmers", "STR", 3, 80, 1.1, ("Grass strimmer", "Brush cutter")),
        Sub("Shredders", "SHR", 3, 160, 0.5, ("Garden shredder", "Quiet shredder")),
        Sub("Leaf blowers", "LFB", 3, 70, 0.5, ("Leaf blower", "Blower vac")),
        Sub("Garden hand tools", "GHT", 7, 30, 0.7, ("Loppers", "Pruning saw", "Spade",
                                                    "Garden fork", "Wheelbarrow", "Edging iron")),
    )),
    Top("Kitchen", "KT", "kitchen", 0.08, ("Kenwood", "Magimix", "Tefal", "Sage", "Judge"), (
        Sub("Food processors", "FPR", 7, 90, 0.6, ("Food processor", "Juicer", "Blender")),
        Sub("Preserving", "PRS", 14, 40, 0.6, ("Jam pan", "Food dehydrator", "Canning kit")),
        Sub("Baking", "BKE", 7, 35, 0.7, ("Stand mixer", "Bread maker", "Cake tin set")),
        Sub("Large pans", "LPN", 7, 45, 0.5, ("Catering stockpot 20 l", "Paella pan")),
    )),
    Top("Camping", "CP", "camping", 0.09, ("Vango", "Coleman", "Outwell", "Trangia", "Osprey"), (
        Sub("Tents", "TNT", 14, 180, 1.3, ("2-person tent", "4-person family tent",
                                          "Pop-up tent")),
        Sub("Sleeping", "SLP", 14, 50, 0.9, ("Sleeping bag", "Self-inflating mat", "Camp bed")),
        Sub("Stoves", "STV", 14, 45, 0.8, ("Camping stove", "Trangia cook set")),
        Sub("Backpacks", "BPK", 14, 85, 0.6, ("Hiking backpack 65 l", "Child carrier")),
    )),
    Top("Sewing", "SW", "indoor", 0.06, ("Brother", "Janome", "Singer", "Bernina"), (
        Sub("Sewing machines", "SEW", 14, 180, 1.0, ("Sewing machine", "Heavy-duty sewing machine")),
        Sub("Overlockers", "OVL", 14, 260, 0.5, ("Overlocker",)),
        Sub("Craft", "CRF", 14, 40, 0.4, ("Embroidery hoop set", "Knitting machine",
                                         "Rotary cutter & mat")),
    )),
    Top("Ladders", "LD", "diy", 0.06, ("Werner", "Youngman", "Abru", "TB Davies"), (
        Sub("Step ladders", "STP", 7, 70, 1.0, ("Step ladder 5 tread", "Platform step ladder")),
        Sub("Extension ladders", "EXT", 7, 160, 0.8, ("Extension ladder 3 section",
                                                     "Combination ladder")),
        Sub("Scaffold towers", "SCF", 7, 350, 0.3, ("Scaffold tower 4 m",)),
    )),
    Top("Cleaning", "CL", "cleaning", 0.08, ("Karcher", "Vax", "Bissell", "Numatic"), (
        Sub("Carpet cleaners", "CRP", 3, 200, 1.4, ("Carpet washer", "Upholstery cleaner")),
        Sub("Pressure washers", "PWS", 3, 150, 1.2, ("Pressure washer", "Patio cleaner")),
        Sub("Wet & dry vacuums", "VAC", 7, 90, 0.7, ("Wet & dry vacuum", "Henry vacuum")),
        Sub("Steam cleaners", "STM", 3, 70, 0.6, ("Steam cleaner", "Wallpaper steamer")),
    )),
    Top("Party & events", "PE", "party", 0.10, ("JBL", "Epson", "Lifetime", "Swan", "Festive"), (
        Sub("Gazebos", "GZB", 3, 120, 0.9, ("Gazebo 3x3 m", "Pop-up gazebo 3x6 m")),
        Sub("Speakers & PA", "SPK", 3, 150, 1.0, ("Party speaker", "PA system with mic")),
        Sub("Tableware", "TBW", 3, 60, 0.9, ("Tableware set for 24", "Tea urn", "Punch bowl")),
        Sub("Lights", "LGT", 3, 40, 0.8, ("Festoon lights 20 m", "Fairy light set")),
        Sub("Projectors", "PRJ", 3, 300, 0.7, ("Projector & screen", "Outdoor cinema kit")),
    )),
    Top("Kids & games", "KG", "indoor", 0.07, ("Hasbro", "Ravensburger", "Mamas & Papas",
                                              "Chicco", "Garden Games"), (
        Sub("Board games", "BRD", 14, 30, 0.8, ("Strategy board game", "Family board game",
                                               "Jigsaw 1000 pieces")),
        Sub("Outdoor games", "OUT", 7, 45, 0.7, ("Giant Jenga", "Swingball", "Croquet set")),
        Sub("Baby gear", "BBY", 14, 120, 0.8, ("Travel cot", "Baby carrier", "High chair")),
    )),
    Top("Bikes", "BK", "outdoor", 0.07, ("Dawes", "Raleigh", "Tern", "Burley", "Topeak"), (
        Sub("Bikes", "BIK", 7, 300, 1.1, ("Cargo bike", "Adult bike", "Kids bike",
                                         "Electric bike")),
        Sub("Bike tools", "BTL", 7, 45, 0.6, ("Bike repair stand", "Track pump",
                                             "Bike tool kit")),
        Sub("Trailers & seats", "TRL", 7, 180, 0.7, ("Bike trailer", "Child bike seat")),
    )),
)

RETIRED_REASONS = ("worn out", "broken beyond repair", "replaced by a newer model",
                   "lost by a member", "failed a safety check")
# (kind, share, median cost as a share of the item's replacement value)
MAINTENANCE_KINDS: tuple[tuple[str, float, float], ...] = (
    ("repair", 0.45, 0.18),
    ("service", 0.25, 0.08),
    ("safety check", 0.20, 0.0),
    ("cleaning", 0.10, 0.02),
)

FIRST_NAMES = (
    "Aisha", "Ben", "Chloe", "Dan", "Ella", "Femi", "Grace", "Hassan", "Isla", "Jack", "Kemi",
    "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Rosa", "Sam", "Tom", "Uma", "Viktor",
    "Wen", "Yusuf", "Zara", "Adam", "Beth", "Carlos", "Deniz", "Erin", "Fatima", "George",
    "Hannah", "Ibrahim", "Joanna", "Kwame", "Lucy", "Mohammed", "Nadia", "Oscar", "Poppy",
    "Rahul", "Sofia", "Theo", "Aylin", "Ruth", "Patrick", "Mei", "Amara", "Leon",
)
SURNAMES = (
    "Smith", "Jones", "Patel", "Williams", "Brown", "Khan", "Taylor", "Davies", "Wilson",
    "Evans", "Thomas", "Johnson", "Roberts", "Walker", "Wright", "Ahmed", "Robinson", "Thompson",
    "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Lewis", "Martin", "Jackson",
    "Clarke", "Okafor", "Nguyen", "Kowalski", "Yilmaz", "Murphy", "O'Brien", "Santos", "Mensah",
    "Chen", "Ali", "Cohen", "Rossi", "Begum", "Hussain", "Campbell", "Mitchell", "Adeyemi",
    "Fischer", "Novak", "Singh", "Baker",
)
# Outward codes near the library; weights fall with distance, so reach charts have a shape.
POSTCODE_AREAS: tuple[tuple[str, float], ...] = (
    ("E8", 10.0), ("E5", 8.0), ("E9", 7.0), ("N16", 7.0), ("E2", 5.0), ("N1", 4.5),
    ("E3", 3.5), ("E10", 3.5), ("N4", 3.0), ("E17", 3.0), ("N15", 2.5), ("E15", 2.5),
    ("E1", 2.5), ("N17", 2.0), ("E14", 1.5), ("E11", 1.5), ("N5", 1.5), ("N19", 1.2),
    ("E4", 1.0), ("E6", 1.0), ("E7", 1.0), ("E12", 0.8), ("E13", 0.8), ("N7", 0.8),
    ("N8", 0.7), ("N22", 0.6), ("N18", 0.5), ("EC1V", 0.5), ("EC2A", 0.4), ("N2", 0.3),
    ("N10", 0.3), ("SE1", 0.3), ("E18", 0.3), ("IG1", 0.2), ("N6", 0.2), ("SE16", 0.2),
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
