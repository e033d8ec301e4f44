"""The customers: businesses across the Midwest and a few further away, two private persons, two Canadian
customers billed in CAD and two European ones in EUR, jobs under some of them (``Customer:Job``), one
inactive customer. Fixed data: the seed gives them IDs, times, balances and their orders.
"""

from dataclasses import dataclass, field
from decimal import Decimal as D


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str
    country: str = "USA"
    line2: str | None = None


@dataclass(frozen=True)
class Move:
    """The customer's address changed ``days_ago`` days before the anchor: older orders keep ``old``."""

    days_ago: int
    old: Address


@dataclass(frozen=True)
class Job:
    name: str
    site: Address  # the job's ship-to address
    status: str = "InProgress"  # QuickBooks' JobStatus


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    address: Address
    contact: str
    terms: str
    rep: str
    tax_code: str = "Tax"
    tax_item: str | None = None  # None: the state's (catalog.TAX_ITEM_OF_STATE)
    klass: str = "Wholesale"
    credit_limit: D | None = D("25000")
    balance: D = D("0")
    currency: str = "USD"
    weight: int = 3  # how often it orders
    jobs: tuple[Job, ...] = ()
    move: Move | None = None
    person: bool = False
    active: bool = True
    phone: str = ""
    email: str = ""
    notes: list[str] = field(default_factory=list)


def us(line1: str, city: str, state: str, postal_code: str, line2: str | None = None) -> Address:
    return Address(line1, city, state, postal_code, "USA", line2)


CHICAGO = "Chicago Combined"

CUSTOMERS = [
    CustomerSpec("Addison Dental Group", us("4410 N Western Ave", "Chicago", "IL", "60625"), "Dr. Priya Addison",
                 "Net 30", "JRV", tax_item=CHICAGO, klass="Retail", weight=3),
    CustomerSpec("Bridgeport Builders Inc", us("3201 S Halsted St", "Chicago", "IL", "60608"), "Mike Sullivan",
                 "Net 45", "MKO", tax_item=CHICAGO, klass="Contract", credit_limit=D("150000"), balance=D("18250.40"),
                 weight=6, jobs=(
                     Job("Halsted Lofts", us("1130 S Halsted St", "Chicago", "IL", "60607")),
                     Job("Canal St Warehouse", us("2400 S Canal St", "Chicago", "IL", "60616")),
                     Job("Pilsen Clinic Remodel", us("1801 S Ashland Ave", "Chicago", "IL", "60608"), "Closed"),
                 )),
    CustomerSpec("Cermak Food Distributors", us("2200 W Cermak Rd", "Chicago", "IL", "60608"), "Rosa Delgado",
                 "1% 10 Net 30", "SLQ", tax_item=CHICAGO, credit_limit=D("40000"), balance=D("3120.00"), weight=4),
    CustomerSpec("Lincoln Park Montessori", us("2350 N Clark St", "Chicago", "IL", "60614"), "Hannah Weiss",
                 "Net 30", "JRV", tax_code="Gov", tax_item=CHICAGO, klass="Retail", weight=2),
    CustomerSpec("Loop Legal Partners LLP", us("77 W Wacker Dr", "Chicago", "IL", "60601", "Suite 1800"),
                 "Gregory Hale", "Net 30", "DPT", tax_item=CHICAGO, klass="Retail", weight=3),
    CustomerSpec("Wicker Park Creative", us("2045 W Division St", "Chicago", "IL", "60622"), "Jess Moreno",
                 "Net 15", "AHB", tax_item=CHICAGO, klass="Retail", credit_limit=D("10000"), balance=D("9875.50"),
                 weight=3, move=Move(140, us("1550 N Milwaukee Ave", "Chicago", "IL", "60622", "Floor 3"))),
    CustomerSpec("Midway Logistics LLC", us("5700 S Cicero Ave", "Chicago", "IL", "60638"), "Tony Russo",
                 "Net 30", "MKO", tax_item=CHICAGO, klass="Contract", credit_limit=D("120000"), balance=D("22410.00"),
                 weight=6, jobs=(
                     Job("Dock 4 Racking", us("5700 S Cicero Ave", "Chicago", "IL", "60638", "Dock 4")),
                     Job("Mezzanine Expansion", us("6100 S Pulaski Rd", "Chicago", "IL", "60629")),
                 )),
    CustomerSpec("Northwestern Clinic Associates", us("675 N St Clair St", "Chicago", "IL", "60611"),
                 "Dr. Alan Brooks", "Net 30", "SLQ", tax_item=CHICAGO, klass="Retail", weight=2),
    CustomerSpec("Aurora Precision Machining", us("1450 Butterfield Rd", "Aurora", "IL", "60502"), "Karl Jensen",
                 "Net 30", "DPT", weight=4),
    CustomerSpec("Naperville Family Dentistry", us("1020 E Ogden Ave", "Naperville", "IL", "60563"),
                 "Dr. Lisa Chen", "Net 15", "JRV", klass="Retail", weight=2),
    CustomerSpec("Rockford Tool & Die", us("3900 11th St", "Rockford", "IL", "61109"), "Frank Olson",
                 "Net 45", "DPT", weight=4, move=Move(260, us("2214 Kishwaukee St", "Rockford", "IL", "61104"))),
    CustomerSpec("Peoria Agricultural Supply", us("800 SW Adams St", "Peoria", "IL", "61602"), "Dale Hoffman",
                 "Net 60", "SLQ", weight=3),
    CustomerSpec("Springfield Office Products", us("525 E Monroe St", "Springfield", "IL", "62701"),
                 "Beth Carter", "2% 10 Net 30", "AHB", tax_code="Res", credit_limit=D("60000"),
                 balance=D("7440.25"), weight=4),
    CustomerSpec("Joliet Park District", us("3000 W Jefferson St", "Joliet", "IL", "60435"), "Ray Novak",
                 "Net 45", "MKO", tax_code="Gov", klass="Contract", weight=2),
    CustomerSpec("Evanston Public Library", us("1703 Orrington Ave", "Evanston", "IL", "60201"), "Grace Kim",
                 "Net 30", "JRV", tax_code="Gov", klass="Retail", weight=2),
    CustomerSpec("Schaumburg Auto Group", us("1100 E Golf Rd", "Schaumburg", "IL", "60173"), "Vince Marino",
                 "Net 30", "MKO", klass="Contract", credit_limit=D("80000"), weight=4, jobs=(
                     Job("Showroom Refresh", us("1100 E Golf Rd", "Schaumburg", "IL", "60173", "Showroom")),
                     Job("Service Bay", us("1120 E Golf Rd", "Schaumburg", "IL", "60173")),
                 )),
    CustomerSpec("Badger State Cheese Co", us("2800 E Washington Ave", "Madison", "WI", "53704"), "Erik Lund",
                 "Net 30", "SLQ", weight=3),
    CustomerSpec("Lakefront Brewing Partners", us("1872 N Commerce St", "Milwaukee", "WI", "53212"),
                 "Kate Brennan", "Net 30", "AHB", klass="Contract", weight=3, jobs=(
                     Job("Taproom Build-out", us("320 E Buffalo St", "Milwaukee", "WI", "53202")),
                 )),
    CustomerSpec("Green Bay Packaging Inc", us("1700 N Webster Ave", "Green Bay", "WI", "54302"), "Jim Kowal",
                 "Net 45", "DPT", weight=3),
    CustomerSpec("Kenosha Marine Supply", us("5000 7th Ave", "Kenosha", "WI", "53140"), "Linda Foster",
                 "Net 15", "AHB", credit_limit=D("5000"), balance=D("4620.00"), weight=2),
    CustomerSpec("Hoosier Heating & Air", us("4550 W 16th St", "Indianapolis", "IN", "46222"), "Brad Lewis",
                 "Net 30", "MKO", weight=3),
    CustomerSpec("Gary Steel Fabricators", us("1 N Broadway", "Gary", "IN", "46402"), "Luis Ortega",
                 "Net 60", "DPT", weight=3),
    CustomerSpec("South Bend Medical Supply", us("615 N Michigan St", "South Bend", "IN", "46601"),
                 "Nancy Price", "Net 30", "SLQ", tax_code="Res", weight=2),
    CustomerSpec("Motor City Fleet Services", us("6500 E Jefferson Ave", "Detroit", "MI", "48207"),
                 "Derek Walsh", "Net 30", "MKO", klass="Contract", weight=3, jobs=(
                     Job("Dearborn Depot", us("14000 Michigan Ave", "Dearborn", "MI", "48126")),
                 )),
    CustomerSpec("Grand Rapids Furniture Outlet", us("2900 28th St SE", "Grand Rapids", "MI", "49512"),
                 "Ellen De Vries", "2% 10 Net 30", "AHB", tax_code="Res", weight=3),
    CustomerSpec("Ann Arbor Research Labs", us("2800 Plymouth Rd", "Ann Arbor", "MI", "48105"), "Dr. Mei Tanaka",
                 "Net 45", "JRV", weight=2),
    CustomerSpec("Buckeye Insurance Agency", us("250 S High St", "Columbus", "OH", "43215"), "Pat O'Neill",
                 "Net 30", "DPT", klass="Retail", weight=2),
    CustomerSpec("Cleveland Harbor Terminals", us("1000 E 9th St", "Cleveland", "OH", "44114"), "Sam Kaczmarek",
                 "Net 45", "MKO", klass="Contract", weight=3, jobs=(
                     Job("Pier 3 Office", us("1100 Marginal Rd", "Cleveland", "OH", "44114")),
                 )),
    CustomerSpec("North Star Hospitality Group", us("800 Nicollet Mall", "Minneapolis", "MN", "55402"),
                 "Ingrid Olsen", "Net 30", "SLQ", klass="Contract", credit_limit=D("100000"), weight=4, jobs=(
                     Job("Duluth Lodge", us("600 E Superior St", "Duluth", "MN", "55802")),
                     Job("St. Paul Hotel", us("350 Market St", "St. Paul", "MN", "55102")),
                 )),
    CustomerSpec("Cedar Rapids Grain Co-op", us("1200 16th Ave SW", "Cedar Rapids", "IA", "52404"),
                 "Wayne Schultz", "Net 60", "DPT", weight=2),
    CustomerSpec("Gateway Arch Events LLC", us("1820 Market St", "St. Louis", "MO", "63103"), "Tasha Green",
                 "Net 15", "AHB", klass="Retail", weight=3,
                 move=Move(75, us("700 N 2nd St", "St. Louis", "MO", "63102"))),
    CustomerSpec("Kansas City Barbecue Supply", us("1600 Genessee St", "Kansas City", "MO", "64102"),
                 "Ron Duncan", "Net 30", "MKO", weight=2),
    CustomerSpec("Hudson Valley Architects", us("1 Main St", "Beacon", "NY", "12508"), "Olivia Grant",
                 "Net 30", "JRV", klass="Retail", weight=2,
                 move=Move(200, us("14 Market St", "Poughkeepsie", "NY", "12601", "Suite 300"))),
    CustomerSpec("Lone Star Energy Services", us("1200 Smith St", "Houston", "TX", "77002"), "Cody Ramirez",
                 "Net 45", "DPT", klass="Contract", credit_limit=D("90000"), weight=3, jobs=(
                     Job("Pasadena Yard", us("4300 Red Bluff Rd", "Pasadena", "TX", "77503")),
                 )),
    CustomerSpec("Pacific Coast Dental Labs", us("4250 Executive Sq", "San Diego", "CA", "92037"), "Dr. Ken Sato",
                 "Net 30", "SLQ", klass="Online", weight=2),
    CustomerSpec("Sunshine Property Management", us("401 E Jackson St", "Tampa", "FL", "33602"), "Maria Lopez",
                 "Net 30", "AHB", klass="Online", weight=2),
    CustomerSpec("Kowalski, Anna", us("3315 N Oakley Ave", "Chicago", "IL", "60618"), "Anna Kowalski",
                 "Due on receipt", "JRV", tax_item=CHICAGO, klass="Online", credit_limit=None, weight=1, person=True),
    CustomerSpec("Nguyen, David", us("1231 Chicago Ave", "Evanston", "IL", "60202"), "David Nguyen",
                 "Due on receipt", "AHB", klass="Online", credit_limit=None, weight=1, person=True),
    CustomerSpec("Maple Leaf Builders Ltd", Address("200 Bay St", "Toronto", "ON", "M5J 2J2", "Canada"),
                 "Claire Tremblay", "Net 30", "MKO", tax_code="Out", tax_item="Out of State", klass="Contract",
                 currency="CAD", credit_limit=D("150000"), weight=3, jobs=(
                     Job("Mississauga Tower", Address("100 City Centre Dr", "Mississauga", "ON", "L5B 2C9",
                                                      "Canada")),
                 )),
    CustomerSpec("Great Lakes Marine Ltd", Address("3200 Deziel Dr", "Windsor", "ON", "N8W 5K8", "Canada"),
                 "Paul Gagnon", "Net 45", "DPT", tax_code="Out", tax_item="Out of State", currency="CAD",
                 credit_limit=D("60000"), weight=2),
    CustomerSpec("Rheinland Logistik GmbH", Address("Am Parallelhafen 12", "Duisburg", "NRW", "47059", "Germany"),
                 "Jonas Becker", "Net 60", "SLQ", tax_code="Out", tax_item="Out of State", currency="EUR",
                 credit_limit=D("100000"), weight=2),
    CustomerSpec("Brabant Kantoorinrichting BV", Address("Kennedyplein 200", "Eindhoven", "NB", "5611 ZT",
                                                         "Netherlands"),
                 "Sanne Jansen", "Net 30", "AHB", tax_code="Out", tax_item="Out of State", currency="EUR",
                 credit_limit=D("50000"), weight=2),
    CustomerSpec("Old Town Printing", us("1544 N Wells St", "Chicago", "IL", "60610"), "Walt Fischer",
                 "Net 30", "TWC", tax_item=CHICAGO, klass="Retail", weight=1, active=False),
]
# The inactive customer's orders are all older than this (days before the anchor).
INACTIVE_LAST_ORDER_DAYS = 400
