"""Deterministic demo data for the sandbox: the same anchor date and seed always give identical data.

``generate(anchor, seed)`` is pure (no database, no Django app registry needed) and returns a
``Dataset`` of rows keyed by model field names; ``install(dataset)`` replaces the sandbox's data with
it. Everything is relative to the anchor date (default: today) and drawn from ``random.Random(seed)``
in a fixed order; uuids come from the same generator. Nothing happens on the anchor day itself, so
no timestamp lies in the future when the data is seeded in the morning.

What is in it (besides the reference data: taxes, sales types, dimensions, people, currencies,
payment methods, units, categories):

* 76 customers (ids 10001-10076): 68 Norwegian companies with names like "Ærø Bøker AS",
  "Bølgen & Moi AS", "Fjørå Fisk AS" and "Tromsø Økologiske Gård", 3 foreign ones (SE, DK, DE; they
  buy in SEK/DKK/EUR with the export tax code 52) and 5 private persons (``isCompany`` false).
* **Changed customers**: the ten in ``CUSTOMER_CHANGES`` (renamed, moved, new organisation number or
  invoice e-mail) changed N days before the anchor. Orders made before that keep the old snapshot, so
  ``customer`` on those orders differs from ``/customers/{id}``. Each has at least one order from
  before and one from after the change.
* **Street as an array**: on orders of the four customers in ``STREET_AS_ARRAY`` (about 5 %) the
  snapshot's ``customer.street`` is a list of strings (street line and P.O. box), as the real API has
  been seen to send.
* 96 products (ids 101-196, numbers like "KON-1001") in eight categories: most at 25 % VAT, food at
  15 %, passenger transport and hotels at 12 %, courses and room hire exempt (code 5, 0 %) and export
  freight under code 52 (0 %). Two are inactive. The contract's product has no tax code: every
  sales type posts to a 25 % account (``/accounts``), and each product at another rate has a sales
  type override (``/products/{id}/salestypeOverrides``) to the account of its rate, except food under
  "Tjenestesalg" (served food is 25 %).
* About 570 orders (ids from 1001, in order of creation) over the 18 months before the anchor, in
  every status: mostly ``Invoice`` for older orders, drafts and proposals among recent ones; 24 of
  the orders of the last three weeks are dealt from a deck that holds every status at least once. Invoices carry sequential numbers
  (from 24001, in invoice-date order), due dates from the payment terms (all three kinds), a KID and
  a transaction id; unpaid invoices past their due date are plentiful.
* **Orders with 30+ lines**: six framework orders, four for "Vestlandske Bygg & Anlegg AS" (10007) and
  two for "Aker Brygge Eiendom AS" (10029), with 30-48 lines each.
* **Legacy imports whose totals disagree with their lines**: the three oldest invoiced NOK orders. Their
  stored net is 10.00 and tax 2.50 above what their lines add up to (gross off by 12.50), as if a
  freight line had been lost in a migration; their internal memo says "Importert fra tidligere
  fakturasystem".
* Sales type 3 "Prosjektsalg" needs a project (dimension type 1) and 4 "Serviceavtale" a department
  (type 2) before confirming or invoicing. Confirmed and invoiced orders of those types always have
  it; about half of their other orders (drafts, proposals, web and inactive ones) do not, so
  confirming those gives ``ProjectMissing``/``DepartmentMissing``. ``RULE_DEMO_ORDERS`` makes sure
  of one recent example of each (a draft for "Fjordkraft Installasjon AS", a proposal for "Agder
  Energiteknikk AS").
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sandbox import accounting

OSLO = ZoneInfo("Europe/Oslo")
DAYS_OF_HISTORY = 548  # 18 months
# Raised whenever the generated data changes shape (new tables, new rules): ``seed_sandbox --if-empty``
# seeds again data that an older generator made. 2: accounts and product sales type overrides. 3: the
# Autofy stand-in's company file (``sandbox.autofy.seed``), seeded by the same command.
SEED_VERSION = 3

FIRST_ORDER_ID = 1001
FIRST_LINE_ID = 500001
FIRST_INVOICE_NUMBER = 24001
FIRST_CUSTOMER_ID = 10001
FIRST_PRODUCT_ID = 101

TAXES = [
    {"id": 1, "number": 3, "name": "Utgående mva, høy sats", "rate": Decimal(25)},
    {"id": 2, "number": 31, "name": "Utgående mva, middels sats", "rate": Decimal(15)},
    {"id": 3, "number": 33, "name": "Utgående mva, lav sats", "rate": Decimal(12)},
    {"id": 4, "number": 5, "name": "Ingen utgående mva (innenlands)", "rate": Decimal(0)},
    {"id": 5, "number": 52, "name": "Utførsel av varer og tjenester", "rate": Decimal(0)},
]
EXPORT_TAX_ID = 5
STANDARD_TAX_ID = 1  # 25 %, the tax code of every sales type's account
FOOD_TAX_ID = 2  # 15 %
# Food sold as a service (served at a meeting or an event) is 25 % in Norway, not 15 %: food products
# have no override for this sales type, so their lines follow its 25 % account.
SERVICE_SALES_TYPE = 2

PROJECT, DEPARTMENT, REGION = 1, 2, 101
SALES_TYPES = [
    {"id": -100, "name": "Standard salg", "account_id": 1003000, "required_dimension": None},
    {"id": -99, "name": "Kontantsalg", "account_id": 1003000, "required_dimension": None},
    {"id": 1, "name": "Varesalg", "account_id": 1003000, "required_dimension": None},
    {"id": 2, "name": "Tjenestesalg", "account_id": 1003010, "required_dimension": None},
    {"id": 3, "name": "Prosjektsalg", "account_id": 1003020, "required_dimension": PROJECT},
    {"id": 4, "name": "Serviceavtale", "account_id": 1003030, "required_dimension": DEPARTMENT},
]
SALES_TYPE_ACCOUNTS = {sales_type["id"]: sales_type["account_id"] for sales_type in SALES_TYPES}

DIMENSION_TYPES = [{"id": PROJECT, "name": "Project"}, {"id": DEPARTMENT, "name": "Department"}, {"id": REGION, "name": "Region"}]
PROJECTS = [
    ("1001", "Nytt økonomisystem Fjordkraft"),
    ("1002", "Skymigrering 2025"),
    ("1003", "Nettbutikk for Jæren Gardsmat"),
    ("1004", "Digitalisering av arkiv"),
    ("1005", "Nettverksoppgradering Bodø"),
    ("1006", "Lønnsimplementering Q1"),
    ("1007", "Rammeavtale Vestlandske Bygg"),
    ("1008", "Kontorflytting Aker Brygge"),
    ("1009", "Sikkerhetsgjennomgang 2026"),
    ("1010", "Kursprogram regnskap"),
    ("1011", "CRM-innføring Nord-Norge"),
    ("1012", "Rammeavtale Sørlandet"),
    ("1013", "Internkontroll og GDPR"),
    ("1014", "Møteromsutstyr Trondheim"),
]
DEPARTMENTS = [
    ("10", "Salg"),
    ("20", "Konsulent"),
    ("30", "Drift og support"),
    ("40", "Kurs"),
    ("50", "Logistikk"),
    ("60", "Økonomi"),
    ("70", "Marked"),
]
REGIONS = [("OST", "Øst"), ("VEST", "Vest"), ("MIDT", "Midt"), ("NORD", "Nord"), ("SOR", "Sør"), ("UTL", "Utland")]

# (id, first name, last name, personType, hasLicense)
PEOPLE = [
    (201, "Marte", "Kvam", "Organization", True),
    (202, "Jonas", "Haugland", "Organization", True),
    (203, "Silje", "Aasen", "Organization", True),
    (204, "Eirik", "Strand", "Organization", True),
    (205, "Nora", "Bakke", "Organization", True),
    (206, "Anders", "Lie", "Organization", True),
    (207, "Thea", "Solberg", "Organization", True),
    (208, "Magnus", "Dahl", "Organization", False),
    (209, "Ingvild", "Røed", "External", False),
    (210, "Per", "Øvrebø", "External", False),
]
SELLERS = [p[0] for p in PEOPLE if p[3] == "Organization"]

CURRENCIES = [("NOK", "1"), ("EUR", "11.65"), ("SEK", "1.02"), ("DKK", "1.56"), ("USD", "10.85"), ("GBP", "13.70")]
PAYMENT_METHODS = [
    {"id": 1, "name": "Faktura", "account_id": 1001500},
    {"id": 2, "name": "Kort", "account_id": 1001940},
    {"id": 3, "name": "Vipps", "account_id": 1001941},
    {"id": 4, "name": "Kontant", "account_id": 1001900},
]

UNITS = {
    "stk": {"id": 1, "name": "Stykk", "symbol": "stk"},
    "time": {"id": 2, "name": "Time", "symbol": "t"},
    "mnd": {"id": 3, "name": "Måned", "symbol": "mnd"},
    "kg": {"id": 4, "name": "Kilogram", "symbol": "kg"},
    "pk": {"id": 5, "name": "Pakke", "symbol": "pk"},
    "l": {"id": 6, "name": "Liter", "symbol": "l"},
    "døgn": {"id": 7, "name": "Døgn", "symbol": "døgn"},
}
CATEGORIES = {
    "KON": {"id": 11, "name": "Konsulenttjenester"},
    "LIS": {"id": 12, "name": "Programvare og lisenser"},
    "HW": {"id": 13, "name": "Maskinvare"},
    "KR": {"id": 14, "name": "Kontorrekvisita"},
    "MAT": {"id": 15, "name": "Mat og drikke"},
    "TR": {"id": 16, "name": "Transport og reise"},
    "KURS": {"id": 17, "name": "Kurs og opplæring"},
    "SRV": {"id": 18, "name": "Service og support"},
}

# (number, name, unit, salesPrice, costPrice, tax id); "inactive" products end with a fourth flag.
PRODUCTS = [
    ("KON-1001", "Seniorkonsulent", "time", "1450", "700", 1),
    ("KON-1002", "Konsulent", "time", "1150", "550", 1),
    ("KON-1003", "Juniorkonsulent", "time", "850", "420", 1),
    ("KON-1004", "Prosjektleder", "time", "1550", "760", 1),
    ("KON-1005", "Løsningsarkitekt", "time", "1750", "880", 1),
    ("KON-1006", "Systemutvikler", "time", "1250", "600", 1),
    ("KON-1007", "Rådgivning, økonomi og regnskap", "time", "1350", "650", 1),
    ("KON-1008", "Workshop, halv dag", "stk", "9500", "3000", 1),
    ("KON-1009", "Workshop, hel dag", "stk", "16500", "5500", 1),
    ("KON-1010", "Reisetid", "time", "650", "300", 1),
    ("KON-1011", "Support utenom arbeidstid", "time", "1950", "900", 1),
    ("KON-1012", "Hastetillegg", "stk", "1500", "0", 1),
    ("LIS-2001", "Office Basis, per bruker", "mnd", "129", "85", 1),
    ("LIS-2002", "Office Pluss, per bruker", "mnd", "249", "160", 1),
    ("LIS-2003", "Regnskap Start", "mnd", "399", "240", 1),
    ("LIS-2004", "Regnskap Pro", "mnd", "899", "520", 1),
    ("LIS-2005", "Lønn, per ansatt", "mnd", "45", "22", 1),
    ("LIS-2006", "CRM Standard, per bruker", "mnd", "299", "170", 1),
    ("LIS-2007", "Fakturamodul", "mnd", "199", "110", 1),
    ("LIS-2008", "Sikkerhetskopi 100 GB", "mnd", "149", "60", 1),
    ("LIS-2009", "Antivirus Bedrift, per enhet og år", "stk", "390", "210", 1),
    ("LIS-2010", "Prosjektstyring, per bruker", "mnd", "179", "95", 1),
    ("LIS-2011", "Dokumentarkiv", "mnd", "259", "120", 1),
    ("LIS-2012", "Integrasjonspakke (utgått)", "mnd", "490", "200", 1, "inactive"),
    ("HW-3001", "Bærbar PC 14\"", "stk", "14990", "11200", 1),
    ("HW-3002", "Bærbar PC 16\" Pro", "stk", "21990", "16800", 1),
    ("HW-3003", "Skjerm 27\" 4K", "stk", "4490", "3100", 1),
    ("HW-3004", "Dokkingstasjon USB-C", "stk", "2490", "1650", 1),
    ("HW-3005", "Trådløst tastatur og mus", "stk", "890", "520", 1),
    ("HW-3006", "Headset med støydemping", "stk", "1990", "1250", 1),
    ("HW-3007", "Nettverkssvitsj 24 porter", "stk", "3990", "2800", 1),
    ("HW-3008", "Trådløst aksesspunkt", "stk", "2790", "1900", 1),
    ("HW-3009", "Multifunksjonsskriver A4", "stk", "6990", "5100", 1),
    ("HW-3010", "Webkamera HD", "stk", "1290", "780", 1),
    ("HW-3011", "Nettbrett 10\"", "stk", "5490", "4200", 1),
    ("HW-3012", "Mobiltelefon Bedrift", "stk", "8990", "7100", 1),
    ("KR-4001", "Kopipapir A4 80 g, 5 x 500 ark", "pk", "329", "210", 1),
    ("KR-4002", "Toner sort, MFP A4", "stk", "1190", "780", 1),
    ("KR-4003", "Toner farge, sett", "stk", "2890", "1900", 1),
    ("KR-4004", "Kulepenner blå, 50 stk", "pk", "189", "95", 1),
    ("KR-4005", "Notatlapper, 12 blokker", "pk", "149", "70", 1),
    ("KR-4006", "Ringperm A4, 10 stk", "pk", "259", "140", 1),
    ("KR-4007", "Whiteboardtusj, 4 farger", "pk", "99", "45", 1),
    ("KR-4008", "Konvolutter C5, 500 stk", "pk", "349", "190", 1),
    ("KR-4009", "Arkivboks, 10 stk", "pk", "299", "160", 1),
    ("KR-4010", "Kontorstol, ergonomisk", "stk", "4990", "3200", 1),
    ("KR-4011", "Hev-senk-skrivebord", "stk", "6490", "4300", 1),
    ("KR-4012", "Skjermarm, dobbel", "stk", "1490", "850", 1),
    ("MAT-5001", "Kaffebønner, 1 kg", "kg", "289", "160", 2),
    ("MAT-5002", "Te-utvalg, 100 poser", "pk", "129", "65", 2),
    ("MAT-5003", "Fruktkurv, stor", "stk", "449", "260", 2),
    ("MAT-5004", "Lunsjbuffet, per person", "stk", "219", "120", 2),
    ("MAT-5005", "Møtemat, rundstykker", "stk", "59", "28", 2),
    ("MAT-5006", "Kake til møte, 20 personer", "stk", "690", "380", 2),
    ("MAT-5007", "Mineralvann 0,5 l, 24 stk", "pk", "329", "190", 2),
    ("MAT-5008", "Melk", "l", "24.90", "17.50", 2),
    ("MAT-5009", "Sjokolade og snacks, kasse", "stk", "399", "240", 2),
    ("MAT-5010", "Julelunsj, per person", "stk", "495", "280", 2),
    ("MAT-5011", "Smoothie 0,25 l", "stk", "39", "19", 2),
    ("MAT-5012", "Baguett med pålegg", "stk", "79", "38", 2),
    ("TR-6001", "Persontransport, minibuss", "time", "1190", "800", 3),
    ("TR-6002", "Hotellovernatting, enkeltrom", "døgn", "1450", "1100", 3),
    ("TR-6003", "Hotellovernatting, dobbeltrom", "døgn", "1790", "1350", 3),
    ("TR-6004", "Flybillett innenlands", "stk", "2490", "2100", 3),
    ("TR-6005", "Togbillett", "stk", "690", "560", 3),
    ("TR-6006", "Taxi, viderefakturert", "stk", "450", "400", 3),
    ("TR-6007", "Ferge og bompenger", "stk", "380", "380", 3),
    ("TR-6008", "Bussbillett, dagspass", "stk", "120", "100", 3),
    ("TR-6009", "Frakt og emballasje", "stk", "290", "150", 1),
    ("TR-6010", "Frakt, pall innenlands", "stk", "1290", "900", 1),
    ("TR-6011", "Ekspresslevering", "stk", "590", "350", 1),
    ("TR-6012", "Eksportfrakt, pall", "stk", "2490", "1800", EXPORT_TAX_ID),
    ("KURS-7001", "Kurs: Regnskap grunnkurs, per deltaker", "stk", "4900", "1500", 4),
    ("KURS-7002", "Kurs: Excel videregående, per deltaker", "stk", "3900", "1200", 4),
    ("KURS-7003", "Kurs: Fakturering i praksis, per deltaker", "stk", "2900", "900", 4),
    ("KURS-7004", "Kurs: Lønn og a-melding, per deltaker", "stk", "4500", "1400", 4),
    ("KURS-7005", "E-læring, årslisens", "stk", "1990", "600", 4),
    ("KURS-7006", "Kursmateriell", "stk", "350", "120", 1),
    ("KURS-7007", "Sertifiseringseksamen", "stk", "2500", "1800", 4),
    ("KURS-7008", "Bedriftsintern kursdag", "stk", "24900", "8000", 4),
    ("KURS-7009", "Leie av kurslokale, dag", "stk", "6500", "4000", 4),
    ("KURS-7010", "Webinar, per deltaker", "stk", "990", "200", 4),
    ("KURS-7011", "Kurs: Personvern og GDPR, per deltaker", "stk", "3500", "1100", 4),
    ("KURS-7012", "Kurs: Prosjektledelse, per deltaker", "stk", "7900", "2500", 4),
    ("SRV-8001", "Driftsavtale Basis", "mnd", "2990", "1400", 1),
    ("SRV-8002", "Driftsavtale Pluss", "mnd", "5990", "2900", 1),
    ("SRV-8003", "Brukerstøtte, klippekort 10 timer", "stk", "11500", "6000", 1),
    ("SRV-8004", "Serviceavtale skriver", "mnd", "490", "200", 1),
    ("SRV-8005", "Oppgradering og patching, per server", "stk", "1890", "900", 1),
    ("SRV-8006", "Sikkerhetsrevisjon", "stk", "24900", "12000", 1),
    ("SRV-8007", "Fjernstøtte, per påbegynt halvtime", "stk", "650", "300", 1),
    ("SRV-8008", "Installasjon på stedet", "time", "1190", "600", 1),
    ("SRV-8009", "Vedlikehold nettverk, per kvartal", "stk", "7900", "3800", 1),
    ("SRV-8010", "Backupovervåking", "mnd", "690", "250", 1),
    ("SRV-8011", "Serviceavtale kaffemaskin", "mnd", "590", "300", 1),
    ("SRV-8012", "Serviceavtale Klassisk (utgått)", "mnd", "990", "500", 1, "inactive"),
]

# Postal places: code -> (postal area, city/municipality, county or state, country code)
PLACES = {
    "0150": ("Oslo", "Oslo", "Oslo", "NO"),
    "0250": ("Oslo", "Oslo", "Oslo", "NO"),
    "0484": ("Oslo", "Oslo", "Oslo", "NO"),
    "0552": ("Oslo", "Oslo", "Oslo", "NO"),
    "0661": ("Oslo", "Oslo", "Oslo", "NO"),
    "1366": ("Lysaker", "Bærum", "Akershus", "NO"),
    "1337": ("Sandvika", "Bærum", "Akershus", "NO"),
    "1383": ("Asker", "Asker", "Akershus", "NO"),
    "2000": ("Lillestrøm", "Lillestrøm", "Akershus", "NO"),
    "2004": ("Lillestrøm", "Lillestrøm", "Akershus", "NO"),
    "2007": ("Kjeller", "Lillestrøm", "Akershus", "NO"),
    "2074": ("Eidsvoll Verk", "Eidsvoll", "Akershus", "NO"),
    "1530": ("Moss", "Moss", "Østfold", "NO"),
    "1607": ("Fredrikstad", "Fredrikstad", "Østfold", "NO"),
    "1706": ("Sarpsborg", "Sarpsborg", "Østfold", "NO"),
    "3015": ("Drammen", "Drammen", "Buskerud", "NO"),
    "3550": ("Gol", "Gol", "Buskerud", "NO"),
    "3616": ("Kongsberg", "Kongsberg", "Buskerud", "NO"),
    "3110": ("Tønsberg", "Tønsberg", "Vestfold", "NO"),
    "3211": ("Sandefjord", "Sandefjord", "Vestfold", "NO"),
    "3256": ("Larvik", "Larvik", "Vestfold", "NO"),
    "3717": ("Skien", "Skien", "Telemark", "NO"),
    "3916": ("Porsgrunn", "Porsgrunn", "Telemark", "NO"),
    "3674": ("Notodden", "Notodden", "Telemark", "NO"),
    "4608": ("Kristiansand S", "Kristiansand", "Agder", "NO"),
    "4836": ("Arendal", "Arendal", "Agder", "NO"),
    "4876": ("Grimstad", "Grimstad", "Agder", "NO"),
    "4515": ("Mandal", "Lindesnes", "Agder", "NO"),
    "4400": ("Flekkefjord", "Flekkefjord", "Agder", "NO"),
    "4006": ("Stavanger", "Stavanger", "Rogaland", "NO"),
    "4306": ("Sandnes", "Sandnes", "Rogaland", "NO"),
    "4340": ("Bryne", "Time", "Rogaland", "NO"),
    "5518": ("Haugesund", "Haugesund", "Rogaland", "NO"),
    "5003": ("Bergen", "Bergen", "Vestland", "NO"),
    "5013": ("Bergen", "Bergen", "Vestland", "NO"),
    "5257": ("Kokstad", "Bergen", "Vestland", "NO"),
    "5600": ("Norheimsund", "Kvam", "Vestland", "NO"),
    "5707": ("Voss", "Voss", "Vestland", "NO"),
    "5411": ("Stord", "Stord", "Vestland", "NO"),
    "6856": ("Sogndal", "Sogndal", "Vestland", "NO"),
    "6900": ("Florø", "Kinn", "Vestland", "NO"),
    "6800": ("Førde", "Sunnfjord", "Vestland", "NO"),
    "6002": ("Ålesund", "Ålesund", "Møre og Romsdal", "NO"),
    "6413": ("Molde", "Molde", "Møre og Romsdal", "NO"),
    "6509": ("Kristiansund N", "Kristiansund", "Møre og Romsdal", "NO"),
    "6214": ("Norddal", "Fjord", "Møre og Romsdal", "NO"),
    "7011": ("Trondheim", "Trondheim", "Trøndelag", "NO"),
    "7080": ("Heimdal", "Trondheim", "Trøndelag", "NO"),
    "7374": ("Røros", "Røros", "Trøndelag", "NO"),
    "7600": ("Levanger", "Levanger", "Trøndelag", "NO"),
    "7713": ("Steinkjer", "Steinkjer", "Trøndelag", "NO"),
    "7800": ("Namsos", "Namsos", "Trøndelag", "NO"),
    "8006": ("Bodø", "Bodø", "Nordland", "NO"),
    "8012": ("Bodø", "Bodø", "Nordland", "NO"),
    "8300": ("Svolvær", "Vågan", "Nordland", "NO"),
    "8514": ("Narvik", "Narvik", "Nordland", "NO"),
    "8656": ("Mosjøen", "Vefsn", "Nordland", "NO"),
    "9008": ("Tromsø", "Tromsø", "Troms", "NO"),
    "9020": ("Tromsdalen", "Tromsø", "Troms", "NO"),
    "9300": ("Finnsnes", "Senja", "Troms", "NO"),
    "9405": ("Harstad", "Harstad", "Troms", "NO"),
    "9510": ("Alta", "Alta", "Finnmark", "NO"),
    "9600": ("Hammerfest", "Hammerfest", "Finnmark", "NO"),
    "9750": ("Honningsvåg", "Nordkapp", "Finnmark", "NO"),
    "9815": ("Vadsø", "Vadsø", "Finnmark", "NO"),
    "9900": ("Kirkenes", "Sør-Varanger", "Finnmark", "NO"),
    "2317": ("Hamar", "Hamar", "Innlandet", "NO"),
    "2609": ("Lillehammer", "Lillehammer", "Innlandet", "NO"),
    "2815": ("Gjøvik", "Gjøvik", "Innlandet", "NO"),
    "2670": ("Otta", "Sel", "Innlandet", "NO"),
    "2900": ("Fagernes", "Nord-Aurdal", "Innlandet", "NO"),
    "411 05": ("Göteborg", "Göteborg", "Västra Götaland", "SE"),
    "1620": ("København V", "København", "Hovedstaden", "DK"),
    "20457": ("Hamburg", "Hamburg", "Hamburg", "DE"),
}

# (name, street, postal code); a person's name is "First Last" and they are flagged in PRIVATE_PERSONS.
CUSTOMERS = [
    ("Ærø Bøker AS", "Thorvald Meyers gate 52", "0552"),
    ("Bølgen & Moi AS", "Lysaker Torg 15", "1366"),
    ("Fjørå Fisk AS", "Fjøråvegen 4", "6214"),
    ("Tromsø Økologiske Gård", "Tromsdalsvegen 101", "9020"),
    ("Nordlys Regnskap AS", "Storgata 12", "8006"),
    ("Fjordkraft Installasjon AS", "Strandgaten 18", "5013"),
    ("Vestlandske Bygg & Anlegg AS", "Kanalveien 56", "5003"),
    ("Hardanger Sideri AS", "Sandvenvegen 40", "5600"),
    ("Lofoten Tørrfisk AS", "Storvågan 12", "8300"),
    ("Trøndelag Maskin AS", "Heggstadmyra 6", "7080"),
    ("Sørlandets Båtservice AS", "Dronningens gate 44", "4608"),
    ("Østfold Emballasje AS", "Glengsgata 23", "1706"),
    ("Hamar Kontorsenter AS", "Torggata 31", "2317"),
    ("Mjøsa Elektro AS", "Storgata 9", "2815"),
    ("Drammen Rør & Varme AS", "Tollbugata 17", "3015"),
    ("Vestfold Vekst AS", "Nedre Langgate 30", "3110"),
    ("Telemark Treindustri AS", "Porsgrunnsvegen 155", "3717"),
    ("Agder Energiteknikk AS", "Langbryggen 5", "4836"),
    ("Haugaland Offshore Service AS", "Smedasundet 97", "5518"),
    ("Sunnmøre Møbelfabrikk AS", "Keiser Wilhelms gate 22", "6002"),
    ("Romsdal Reiseliv AS", "Torget 4", "6413"),
    ("Helgeland Havbruk AS", "Sjøgata 34", "8656"),
    ("Finnmark Frakt AS", "Markveien 28", "9510"),
    ("Varanger Kraft Entreprenør AS", "Strandgata 7", "9815"),
    ("Nordkapp Sjømat AS", "Fiskeriveien 3", "9750"),
    ("Oslo Byggrengjøring AS", "Økernveien 94", "0661"),
    ("Grünerløkka Kaffebrenneri AS", "Markveien 35", "0552"),
    ("Majorstuen Tannlegesenter AS", "Bogstadveien 54", "0250"),
    ("Aker Brygge Eiendom AS", "Stranden 1", "0250"),
    ("Lillestrøm Logistikk AS", "Nittedalsgata 8", "2004"),
    ("Asker Arkitekter AS", "Strandveien 14", "1383"),
    ("Bærum Regnskapskontor AS", "Rådhustorget 2", "1337"),
    ("Kongsberg Presisjon AS", "Kirkegårdsveien 45", "3616"),
    ("Moss Marina AS", "Kanalen 1", "1530"),
    ("Fredrikstad Glass & Ramme AS", "Nygaardsgata 15", "1607"),
    ("Lillehammer Sport AS", "Storgata 70", "2609"),
    ("Gudbrandsdal Ysteri AS", "Ottavegen 12", "2670"),
    ("Valdres Hytteservice AS", "Jernbanevegen 9", "2900"),
    ("Hallingdal Tømmer AS", "Sentrumsvegen 88", "3550"),
    ("Stavanger Rørteknikk AS", "Kirkegata 27", "4006"),
    ("Sandnes Sykkelverksted AS", "Langgata 60", "4306"),
    ("Jæren Gardsmat AS", "Storgata 19", "4340"),
    ("Voss Fjellguiding AS", "Uttrågata 23", "5707"),
    ("Sogn Frukt og Bær AS", "Fosshaugane 10", "6856"),
    ("Florø Skipsverft AS", "Strandgata 30", "6900"),
    ("Førde Dataservice AS", "Hafstadvegen 15", "6800"),
    ("Stord Verft Service AS", "Leirvikvegen 2", "5411"),
    ("Kristiansund Klippfisk AS", "Vågeveien 8", "6509"),
    ("Steinkjer Landbrukssenter AS", "Kongens gate 40", "7713"),
    ("Levanger Trykkeri AS", "Sundgata 33", "7600"),
    ("Namsos Sagbruk AS", "Havnegata 20", "7800"),
    ("Røros Kobberverk Suvenir AS", "Kjerkgata 17", "7374"),
    ("Bodø Havn Logistikk AS", "Kjerringøy Havnevei 2", "8012"),
    ("Narvik Malmtransport AS", "Kongens gate 66", "8514"),
    ("Harstad Skipsagentur AS", "Havnegata 9", "9405"),
    ("Senja Sjømat AS", "Storgata 8", "9300"),
    ("Hammerfest Isfabrikk AS", "Strandgata 14", "9600"),
    ("Kirkenes Grensehandel AS", "Dr. Wessels gate 5", "9900"),
    ("Tønsberg Tannhelse AS", "Øvre Langgate 62", "3110"),
    ("Sandefjord Kulturformidling AS", "Dronningens gate 10", "3211"),
    ("Larvik Granitt AS", "Tjodalyveien 45", "3256"),
    ("Porsgrunn Porselen Outlet AS", "Porselensvegen 12", "3916"),
    ("Notodden Blueskafé AS", "Storgata 57", "3674"),
    ("Grimstad Båtbyggeri AS", "Smith Petersens gate 1", "4876"),
    ("Mandal Laks AS", "Store Elvegate 5", "4515"),
    ("Flekkefjord Skinn AS", "Elvegaten 3", "4400"),
    ("Eidsvoll Verk Konferanse AS", "Carsten Ankers vei 19", "2074"),
    ("Kjeller Innovasjon AS", "Instituttveien 18", "2007"),
    ("Göteborgs Hamnlogistik AB", "Skeppsbron 5", "411 05"),
    ("Øresund Designhus ApS", "Vesterbrogade 48", "1620"),
    ("Nordsee Fischhandel GmbH", "Große Elbstraße 140", "20457"),
    ("Kari Nordmann", "Waldemar Thranes gate 12", "0150"),
    ("Ola Hansen", "Kalfarveien 31", "5013"),
    ("Ingrid Bjørnstad", "Elgeseter gate 22", "7011"),
    ("Håkon Ødegård", "Grønnegata 45", "9008"),
    ("Sigrid Løvås", "Tollbodgata 8", "4608"),
]
PRIVATE_PERSONS = {"Kari Nordmann", "Ola Hansen", "Ingrid Bjørnstad", "Håkon Ødegård", "Sigrid Løvås"}
FOREIGN_CURRENCY = {"SE": "SEK", "DK": "DKK", "DE": "EUR"}
# Norwegian customers who sometimes buy in a foreign currency.
SOMETIMES_FOREIGN = {"Haugaland Offshore Service AS": "USD", "Lofoten Tørrfisk AS": "EUR", "Nordkapp Sjømat AS": "EUR",
                     "Stord Verft Service AS": "GBP", "Hardanger Sideri AS": "EUR"}

# The customers whose current record changed after some of their orders were made:
# name -> (days before the anchor, what changed). Keys: name, street, postal_code, org, email, gln.
CUSTOMER_CHANGES = {
    "Nordlys Regnskap AS": (210, {"name": "Nordlys Regnskap og Rådgivning AS"}),
    "Fjordkraft Installasjon AS": (150, {"street": "Kokstadvegen 23", "postal_code": "5257"}),
    "Trøndelag Maskin AS": (300, {"org": "new"}),
    "Hamar Kontorsenter AS": (90, {"email": "regnskap@hamarkontor.no"}),
    "Oslo Byggrengjøring AS": (250, {"name": "OBR Renhold AS", "email": "faktura@obr-renhold.no"}),
    "Lillestrøm Logistikk AS": (120, {"street": "Stillverksveien 20", "postal_code": "2000"}),
    "Sunnmøre Møbelfabrikk AS": (180, {"email": "ap@sunnmoremobler.no", "gln": "new"}),
    "Haugaland Offshore Service AS": (60, {"name": "Haugaland Offshore & Subsea AS"}),
    "Kari Nordmann": (100, {"street": "Sofies gate 3", "postal_code": "0484"}),
    "Bodø Havn Logistikk AS": (200, {"street": "Sjøgata 21", "postal_code": "8006", "email": "okonomi@bodohavnlogistikk.no"}),
}
# Customers whose order snapshots carry ``street`` as an array of strings: street -> P.O. box line.
STREET_AS_ARRAY = {
    "Lofoten Tørrfisk AS": "Postboks 45",
    "Valdres Hytteservice AS": "Postboks 112",
    "Røros Kobberverk Suvenir AS": "Postboks 8",
    "Kirkenes Grensehandel AS": "Postboks 230",
}
BIG_ORDER_CUSTOMERS = ["Vestlandske Bygg & Anlegg AS"] * 4 + ["Aker Brygge Eiendom AS"] * 2
BIG_ORDER_AGES = [430, 330, 240, 150, 75, 9]  # days before the anchor
# Recent orders whose sales type needs a dimension they lack: (customer, age in days, status, sales type).
RULE_DEMO_ORDERS = [("Fjordkraft Installasjon AS", 2, "Draft", 3), ("Agder Energiteknikk AS", 4, "Proposal", 4)]
LEGACY_ORDERS = 3
LEGACY_NET_GAP, LEGACY_TAX_GAP = Decimal("10.00"), Decimal("2.50")
LEGACY_MEMO = "Importert fra tidligere fakturasystem"

CONTACT_FIRST = ["Kari", "Ola", "Ingrid", "Lars", "Hanne", "Erik", "Anne", "Knut", "Tone", "Geir", "Maria", "Jon",
                 "Camilla", "Sindre", "Ida", "Øystein", "Åse", "Bjørn", "Kristin", "Trond", "Linn", "Håvard", "Mona",
                 "Stian"]
CONTACT_LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
                "Karlsen", "Berg", "Haugen", "Hagen", "Eriksen", "Bakken", "Solheim", "Lunde", "Myhre", "Sæther",
                "Strøm", "Aune", "Dahle", "Fjeld", "Våge"]
MEMOS = ["Levering til varemottak, port 3.", "Ring kunden før levering.", "Fakturaen sendes i én forsendelse.",
         "Jf. rammeavtale.", "Leveres etter kl. 09.", "Merk pakken med bestillingsnummer.",
         "Takk for handelen!", "Avtalt levering i uke 2."]
INTERNAL_MEMOS = ["Kunden har fått 10 % rabatt etter avtale med salgssjef.", "Sjekk kredittgrense før bekreftelse.",
                  "Følges opp av prosjektleder.", "Tidligere reklamasjon, vær nøye med pakking.",
                  "Ønsker samlefaktura per måned.", "Kontaktperson er i permisjon til neste måned."]
TEXT_NOTES = ["Levering avtalt uke 12", "Jf. rammeavtale 2025", "Reisekostnader faktureres etter regning",
              "Arbeidet utført i henhold til tilbud", "Garanti 3 år på maskinvare", "Takk for bestillingen"]
PRICED_TEXT = [("Ekstraarbeid etter avtale", "950"), ("Rigg og drift", "1500"), ("Miljøgebyr", "95"),
               ("Fakturagebyr", "59"), ("Tilpasning av maler", "1250")]

STATUS_WEIGHTS = {  # by age in days: (upper age bound, weights per status)
    21: {"Draft": 25, "Web": 8, "Proposal": 20, "Confirmed": 25, "Invoice": 20, "AdvanceInvoice": 1, "Inactive": 1},
    60: {"Draft": 6, "Web": 2, "Proposal": 8, "Confirmed": 14, "Invoice": 62, "AdvanceInvoice": 4, "Inactive": 4},
    DAYS_OF_HISTORY: {"Draft": 1, "Web": 0, "Proposal": 2, "Confirmed": 2, "Invoice": 86, "AdvanceInvoice": 4,
                      "Inactive": 5},
}
ALL_STATUSES = ["Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive"]
INVOICED = {"Invoice", "AdvanceInvoice"}
MAIN_ORDERS = 520
RECENT_ORDERS = 24  # in the last three weeks, always every status among them
RECENT_DAYS = 21

SALES_TYPE_WEIGHTS = {-100: 50, 2: 16, 1: 10, 3: 11, 4: 8, -99: 5}
CATEGORIES_BY_SALES_TYPE = {
    -100: ["KON", "LIS", "HW", "KR", "MAT", "TR", "KURS", "SRV"],
    -99: ["KR", "MAT", "HW"],
    1: ["HW", "KR", "MAT"],
    2: ["KON", "SRV", "KURS"],
    3: ["KON", "KON", "TR"],
    4: ["SRV", "LIS"],
}


@dataclass
class Dataset:
    """Rows per model, keyed by model field names, in insertion order."""

    anchor: date
    seed: int
    taxes: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    sales_types: list[dict] = field(default_factory=list)
    dimension_types: list[dict] = field(default_factory=list)
    dimension_elements: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    currencies: list[dict] = field(default_factory=list)
    payment_methods: list[dict] = field(default_factory=list)
    customers: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    product_overrides: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)


def generate(anchor: date, seed: int) -> Dataset:
    """Build the whole data set for this anchor date and seed. Pure and deterministic."""
    return _Generator(anchor, seed).run()


def install(dataset: Dataset) -> None:
    """Replace every record of the sandbox's ERP data with ``dataset`` (one transaction)."""
    # Imported here so that generate() stays usable without the sandbox app installed.
    from django.db import transaction
    from django.utils import timezone

    from sandbox import models

    with transaction.atomic():
        replace_tables([
            (models.Tax, dataset.taxes),
            (models.Account, dataset.accounts),
            (models.SalesType, dataset.sales_types),
            (models.DimensionType, dataset.dimension_types),
            (models.DimensionElement, dataset.dimension_elements),
            (models.Person, dataset.people),
            (models.Currency, dataset.currencies),
            (models.PaymentMethod, dataset.payment_methods),
            (models.Customer, dataset.customers),
            (models.Product, dataset.products),
            (models.ProductSalesTypeOverride, dataset.product_overrides),
            (models.SalesOrder, dataset.orders),
            (models.SalesOrderLine, dataset.lines),
        ])
        models.SeedState.objects.update_or_create(
            pk=1, defaults={"anchor": dataset.anchor, "seed": dataset.seed, "seeded_at": timezone.now(),
                            "version": SEED_VERSION}
        )


def replace_tables(tables: list[tuple[type, list[dict]]]) -> None:
    """Replace every row of each model with its rows (keyed by field ``attname``; a missing one gets the
    field's default), in one transaction: deletes in reverse order, inserts in order.

    Rows go in with plain DELETE and INSERT statements (values prepared by each model field): about
    twice as fast as the ORM's delete() and bulk_create(), which keeps ``POST /_sandbox/reset`` quick.
    """
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model, _ in reversed(tables):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
        for model, rows in tables:
            fields = model._meta.concrete_fields
            defaults = {f.attname: f.get_default() for f in fields}
            cursor.executemany(
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})",
                [[f.get_db_prep_save(row.get(f.attname, defaults[f.attname]), connection) for f in fields]
                 for row in rows],
            )


# --- Generation ------------------------------------------------------------------------------------


def _slug(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ö": "o", "ä": "a", "ü": "u", "ß": "ss", "&": "og"})
    words = name.lower().translate(table).replace(".", "").split()
    return "".join(w for w in words if w not in {"as", "ab", "aps", "gmbh"} and w.isalnum())


@dataclass
class _CustomerVersion:
    """What a customer looked like over a period: the source of order snapshots."""

    name: str
    street: str
    postal_code: str
    org: str | None
    email: str
    gln: str | None

    @property
    def place(self) -> tuple[str, str, str, str]:
        return PLACES[self.postal_code]


@dataclass
class _Customer:
    id: int
    is_person: bool
    country: str
    versions: list[tuple[date | None, _CustomerVersion]]  # (valid from, version); first from None
    contacts: list[dict]
    currency: str
    terms: dict
    distribution: str
    weight: int

    def version_at(self, day: date) -> _CustomerVersion:
        current = self.versions[0][1]
        for since, version in self.versions[1:]:
            if day >= since:
                current = version
        return current

    @property
    def name(self) -> str:
        return self.versions[0][1].name


@dataclass
class _Plan:
    """One order to generate; what is None is drawn at random."""

    day: date
    customer: _Customer
    status: str | None = None  # None: by the order's age
    line_count: int | None = None  # None: 1-8
    sales_type: int | None = None
    without_required_dimension: bool = False  # leave out the project/department the sales type needs


class _Generator:
    def __init__(self, anchor: date, seed: int):
        self.anchor = anchor
        self.rng = random.Random(seed)
        self.data = Dataset(anchor=anchor, seed=seed)
        self.used_org_numbers: set[str] = set()

    def run(self) -> Dataset:
        self.reference_data()
        self.customer_list = [self.customer(index, *row) for index, row in enumerate(CUSTOMERS)]
        self.by_name = {c.name: c for c in self.customer_list}
        self.product_rows()
        self.orders()
        return self.data

    # Helpers ---------------------------------------------------------------------------------------

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def moment(self, day: date, earliest: int = 7, latest: int = 16) -> datetime:
        """A working-hours moment on ``day`` (Oslo time)."""
        at = time(self.rng.randint(earliest, latest), self.rng.randint(0, 59), self.rng.randint(0, 59))
        return datetime.combine(day, at, tzinfo=OSLO)

    def org_number(self) -> str:
        while True:
            first = str(self.rng.choice([8, 9])) + "".join(str(self.rng.randint(0, 9)) for _ in range(7))
            check = accounting.org_number_check_digit(first)
            number = f"{first}{check}"
            if check is not None and number not in self.used_org_numbers:
                self.used_org_numbers.add(number)
                return number

    def gln(self) -> str:
        first = "70" + "".join(str(self.rng.randint(0, 9)) for _ in range(10))
        return f"{first}{accounting.gln_check_digit(first)}"

    def phone(self) -> str:
        digits = [self.rng.choice("2345679")] + [str(self.rng.randint(0, 9)) for _ in range(7)]
        return "+47 " + " ".join("".join(digits[i : i + 2]) for i in range(0, 8, 2))

    # Reference data --------------------------------------------------------------------------------

    def reference_data(self) -> None:
        d = self.data
        d.taxes = [dict(t) for t in TAXES]
        d.accounts = [{"id": i, "number": n, "name": name, "tax_id": tax} for i, n, name, tax in accounting.ACCOUNTS]
        d.sales_types = [dict(s) for s in SALES_TYPES]
        d.dimension_types = [dict(t) for t in DIMENSION_TYPES]
        for type_id, elements in ((PROJECT, PROJECTS), (DEPARTMENT, DEPARTMENTS), (REGION, REGIONS)):
            d.dimension_elements += [{"dimension_type_id": type_id, "value": v, "name": n} for v, n in elements]
        d.people = [
            {"id": pid, "identity_id": self.uuid() if licensed else None, "first_name": first, "last_name": last,
             "person_type": kind, "has_license": licensed}
            for pid, first, last, kind, licensed in PEOPLE
        ]
        d.currencies = [{"code": code, "rate": Decimal(rate)} for code, rate in CURRENCIES]
        d.payment_methods = [dict(m) for m in PAYMENT_METHODS]

    # Customers -------------------------------------------------------------------------------------

    def customer(self, index: int, name: str, street: str, postal_code: str) -> _Customer:
        rng = self.rng
        customer_id = FIRST_CUSTOMER_ID + index
        is_person = name in PRIVATE_PERSONS
        country = PLACES[postal_code][3]
        if is_person:
            first, last = name.split(" ", 1)
            email = f"{_slug(first)}.{_slug(last)}@online.no"
            org = gln = None
        else:
            domain = {"NO": "no", "SE": "se", "DK": "dk", "DE": "de"}[country]
            email = f"faktura@{_slug(name)}.{domain}"
            if country == "NO":
                org = self.org_number()
            else:
                org = country + "".join(str(rng.randint(0, 9)) for _ in range(10))  # a VAT number
            gln = self.gln() if country == "NO" and rng.random() < 0.35 else None
        original = _CustomerVersion(name, street, postal_code, org, email, gln)
        versions: list[tuple[date | None, _CustomerVersion]] = [(None, original)]
        if name in CUSTOMER_CHANGES:
            days, change = CUSTOMER_CHANGES[name]
            changed = _CustomerVersion(
                name=change.get("name", name),
                street=change.get("street", street),
                postal_code=change.get("postal_code", postal_code),
                org=self.org_number() if change.get("org") else org,
                email=change.get("email", email),
                gln=self.gln() if change.get("gln") else gln,
            )
            versions.append((self.anchor - timedelta(days=days), changed))
        contacts = [
            {"id": 3000 + index * 10 + n, "name": f"{rng.choice(CONTACT_FIRST)} {rng.choice(CONTACT_LAST)}"}
            for n in range(rng.randint(1, 3))
        ]
        if is_person:
            terms = {"type": "NumberOfDays", "value": 14}
            distribution = rng.choice(["efakturadistribution", "emaildistribution"])
        else:
            terms = rng.choice(
                [{"type": "NumberOfDays", "value": 14}] * 5 + [{"type": "NumberOfDays", "value": 30}] * 3
                + [{"type": "NumberOfDays", "value": 10}, {"type": "OutMonthPlusDays", "value": 20},
                   {"type": "OutMonthPlusDays", "value": 30}]
            )
            if gln:
                distribution = "ehfdistribution"
            else:
                distribution = rng.choice(["emaildistribution"] * 4 + ["ehfdistribution"] * 3
                                          + ["", "postaldistribution", "printdistribution", "manualdistribution"])
        customer = _Customer(
            id=customer_id, is_person=is_person, country=country, versions=versions, contacts=contacts,
            currency=FOREIGN_CURRENCY.get(country, "NOK"), terms=terms, distribution=distribution,
            weight=rng.choice([1, 1, 2, 2, 3, 4, 6]),
        )
        self.data.customers.append(self.customer_row(customer, index))
        return customer

    def customer_row(self, customer: _Customer, index: int) -> dict:
        current = customer.versions[-1][1]
        area, city, county, country = current.place
        visit = {"street": current.street, "postalCode": current.postal_code, "postalArea": area,
                 "countryCode": country, "countrySubdivision": county}
        postal = {"street": STREET_AS_ARRAY.get(customer.name, current.street), "postalCode": current.postal_code,
                  "postalArea": area, "countrySubdivision": county}
        details = {
            "address": {
                "visit": visit,
                "postal": postal,
                "billing": {"name": current.name, **visit},
                "delivery": {"name": current.name, **visit},
            },
            "email": {"contact": current.email if customer.is_person else current.email.replace("faktura@", "post@"),
                      "billing": current.email},
            "phone": self.phone(),
        }
        if customer.is_person:
            first, last = current.name.split(" ", 1)
            details = {"person": {"firstName": first, "lastName": last}, **details}
            details["mobilePhone"] = self.phone()
        created = self.moment(self.anchor - timedelta(days=DAYS_OF_HISTORY + 30 + 7 * index))
        modified = created + timedelta(days=self.rng.randint(0, 300))
        if len(customer.versions) > 1:
            modified = self.moment(customer.versions[-1][0])
        return {
            "id": customer.id,
            "name": current.name,
            "name_folded": current.name.casefold(),
            "organization_number": current.org,
            "is_company": not customer.is_person,
            "is_supplier": False,
            "details": details,
            "created_at": created,
            "modified_at": modified,
        }

    def snapshot(self, customer: _Customer, day: date) -> dict:
        version = customer.version_at(day)
        area, city, county, country = version.place
        street: str | list[str] = version.street
        if customer.name in STREET_AS_ARRAY:
            street = [version.street, STREET_AS_ARRAY[customer.name]]
        return {
            key: value
            for key, value in {
                "id": customer.id,
                "organizationNumber": version.org,
                "invoiceEmailAddresses": [version.email],
                "gln": version.gln,
                "name": version.name,
                "street": street,
                "postalCode": version.postal_code,
                "postalArea": area,
                "city": city,
                "countrySubdivision": county,
                "countryCode": country,
            }.items()
            if value is not None
        }

    def delivery(self, customer: _Customer, day: date) -> dict:
        version = customer.version_at(day)
        area, city, county, country = version.place
        name = version.name
        if not customer.is_person and self.rng.random() < 0.25:
            name = f"{version.name}, varemottak"
        return {"id": customer.id, "name": name, "street": version.street, "postalCode": version.postal_code,
                "postalArea": area, "city": city, "countrySubdivision": county, "countryCode": country}

    # Products --------------------------------------------------------------------------------------

    def product_rows(self) -> None:
        self.products_by_category: dict[str, list[dict]] = {}
        self.unit_of: dict[int, str] = {}  # product id -> key in UNITS, to pick a sensible quantity
        self.overrides: dict[tuple[int, int], int] = {}  # (product id, sales type) -> account number
        for index, (number, name, unit, price, cost, tax_id, *flags) in enumerate(PRODUCTS):
            prefix = number.split("-")[0]
            created = self.moment(self.anchor - timedelta(days=900 - index * 3))
            row = {
                "id": FIRST_PRODUCT_ID + index,
                "number": number,
                "name": name,
                "description": f"{name} ({CATEGORIES[prefix]['name'].lower()})",
                "status": flags[0] if flags else "active",
                "cost_price": Decimal(cost),
                "sales_price": Decimal(price),
                "units": dict(UNITS[unit]),
                "category": dict(CATEGORIES[prefix]),
                "ean": self.gln() if prefix in {"HW", "KR", "MAT"} else None,
                "created_at": created,
                "modified_at": created + timedelta(days=self.rng.randint(0, 600)),
            }
            self.data.products.append(row)
            self.unit_of[row["id"]] = unit
            # Every sales type posts to a 25 % account: a product at another rate overrides it.
            for sales_type in SALES_TYPES if tax_id != STANDARD_TAX_ID else ():
                if tax_id == FOOD_TAX_ID and sales_type["id"] == SERVICE_SALES_TYPE:
                    continue
                number = accounting.SALES_ACCOUNT_NUMBER_BY_TAX[tax_id]
                self.overrides[row["id"], sales_type["id"]] = number
                self.data.product_overrides.append(
                    {"product_id": row["id"], "sales_type_id": sales_type["id"], "account_number": number}
                )
            if row["status"] == "active":
                self.products_by_category.setdefault(prefix, []).append(row)

    # Orders ----------------------------------------------------------------------------------------

    def orders(self) -> None:
        rng, anchor = self.rng, self.anchor
        start = anchor - timedelta(days=DAYS_OF_HISTORY)
        business_days = [start + timedelta(days=n) for n in range(DAYS_OF_HISTORY)
                         if (start + timedelta(days=n)).weekday() < 5]
        growth = [1 + 0.6 * n / len(business_days) for n in range(len(business_days))]
        weights = [c.weight for c in self.customer_list]

        plans = [_Plan(day, rng.choices(self.customer_list, weights)[0])
                 for day in rng.choices(business_days, growth, k=MAIN_ORDERS)]
        deck = ALL_STATUSES + rng.choices(ALL_STATUSES, [25, 8, 20, 25, 20, 2, 2], k=RECENT_ORDERS - len(ALL_STATUSES))
        rng.shuffle(deck)
        for status in deck:
            day = anchor - timedelta(days=rng.randint(1, RECENT_DAYS))
            plans.append(_Plan(day, rng.choices(self.customer_list, weights)[0], status))
        for name, (days, _) in CUSTOMER_CHANGES.items():
            changed_on = anchor - timedelta(days=days)
            plans.append(_Plan(changed_on - timedelta(days=rng.randint(10, 60)), self.by_name[name], "Invoice"))
            plans.append(_Plan(changed_on + timedelta(days=rng.randint(1, days - 1)), self.by_name[name]))
        for name, age in zip(BIG_ORDER_CUSTOMERS, BIG_ORDER_AGES):
            status = "Confirmed" if age < 30 else "Invoice"
            plans.append(_Plan(anchor - timedelta(days=age), self.by_name[name], status, rng.randint(30, 48), 3))
        for name, age, status, sales_type in RULE_DEMO_ORDERS:
            plans.append(_Plan(anchor - timedelta(days=age), self.by_name[name], status, sales_type=sales_type,
                               without_required_dimension=True))

        drafts = [self.order(plan) for plan in plans]
        drafts.sort(key=lambda o: (o["created_at"], o["customer_id"]))
        line_id = FIRST_LINE_ID
        for order_id, order in enumerate(drafts, start=FIRST_ORDER_ID):
            order["id"] = order_id
            for line in order.pop("_lines"):
                line.update(id=line_id, order_id=order_id)
                line_id += 1
                self.data.lines.append(line)
        invoiced = sorted((o for o in drafts if o["invoice_date"]), key=lambda o: (o["invoice_date"], o["id"]))
        for number, order in enumerate(invoiced, start=FIRST_INVOICE_NUMBER):
            order["invoice_number"] = number
            order["remittance_reference"] = accounting.kid(order["customer_id"], number)
        legacy = [o for o in invoiced if o["status"] == "Invoice" and o["currency_code"] == "NOK"][:LEGACY_ORDERS]
        for order in legacy:
            order["net_amount"] += LEGACY_NET_GAP
            order["tax_amount"] += LEGACY_TAX_GAP
            order["gross_amount"] = order["net_amount"] + order["tax_amount"]
            order["internal_memo"] = LEGACY_MEMO
        self.data.orders = drafts

    def status_for(self, day: date) -> str:
        age = (self.anchor - day).days
        for bound, weights in STATUS_WEIGHTS.items():
            if age <= bound:
                return self.rng.choices(list(weights), list(weights.values()))[0]
        raise AssertionError("order older than the history")

    def order(self, plan: _Plan) -> dict:
        rng, anchor = self.rng, self.anchor
        day, customer = plan.day, plan.customer
        yesterday = anchor - timedelta(days=1)
        status = plan.status or self.status_for(day)
        sales_type = rng.choices(list(SALES_TYPE_WEIGHTS), list(SALES_TYPE_WEIGHTS.values()))[0]
        if customer.is_person:
            sales_type = rng.choice([-99, -99, -100, 1])
        sales_type = plan.sales_type or sales_type
        settled = status in {"Confirmed", "Invoice", "AdvanceInvoice"}
        may_lack = not settled and (plan.without_required_dimension or rng.random() < 0.5)

        currency = customer.currency
        if customer.name in SOMETIMES_FOREIGN and rng.random() < 0.4:
            currency = SOMETIMES_FOREIGN[customer.name]
        base_rate = Decimal(dict(CURRENCIES)[currency])
        rate = base_rate if currency == "NOK" else (base_rate * Decimal(1 + rng.uniform(-0.03, 0.03))).quantize(Decimal("0.0001"))

        dimensions = []
        needs_project = sales_type == 3 and not may_lack
        if needs_project or (sales_type != 3 and rng.random() < 0.15):
            value, name = rng.choice(PROJECTS)
            dimensions.append({"dimensionType": PROJECT, "value": value, "name": name})
        needs_department = sales_type == 4 and not may_lack
        if needs_department or (sales_type != 4 and rng.random() < 0.55):
            value, name = rng.choice(DEPARTMENTS)
            dimensions.append({"dimensionType": DEPARTMENT, "value": value, "name": name})
        if rng.random() < 0.2:
            value, name = rng.choice(REGIONS)
            dimensions.append({"dimensionType": REGION, "value": value, "name": name})

        created = self.moment(day)
        invoice_date = due = transaction_id = None
        terms = dict(customer.terms)
        if status in INVOICED:
            invoice_date = min(day + timedelta(days=rng.choice([0, 0, 0, 1, 2, 5, 7])), yesterday)
        if rng.random() < 0.03:
            terms = {"type": "FixedDate", "value": ((invoice_date or day) + timedelta(days=45)).isoformat()}
        if invoice_date:
            due = accounting.due_date(invoice_date, terms)
            transaction_id = self.uuid()
            modified = self.moment(invoice_date, 8, 17)
        else:
            modified = created + timedelta(minutes=rng.randint(1, 60 * 24 * 3))
        if rng.random() < 0.06:
            modified = self.moment(anchor - timedelta(days=rng.randint(1, 5)))
        modified = min(max(modified, created), datetime.combine(yesterday, time(23, 59), tzinfo=OSLO))

        payment_method = None
        if sales_type == -99:
            payment_method = rng.choice([2, 3, 4])
        elif rng.random() < 0.4:
            payment_method = 3 if customer.is_person else 1

        lines = self.lines(customer, sales_type, currency, rate, dimensions, plan.line_count or self.line_count())
        totals = accounting.order_totals(
            (line["quantity"], line["price"], line["discount_rate"], line["tax_rate"]) for line in lines
        )
        year = day.year
        return {
            "customer_id": customer.id,
            "customer": self.snapshot(customer, day),
            "currency_code": currency,
            "currency_rate": rate,
            "status": status,
            "delivery_customer": self.delivery(customer, day) if rng.random() < 0.7 else None,
            "delivery_date": day + timedelta(days=rng.randint(0, 14)) if settled or rng.random() < 0.4 else None,
            "invoice_date": invoice_date,
            "invoice_due_date": due,
            "distribution_method": customer.distribution,
            "payment_terms": terms,
            "transaction_id": transaction_id,
            "accrual": ({"startDate": (day.replace(day=1) + timedelta(days=32)).replace(day=1).isoformat(), "length": 12}
                        if sales_type == 4 and rng.random() < 0.3 else None),
            "date": day,
            "internal_memo": rng.choice(INTERNAL_MEMOS) if rng.random() < 0.12 else None,
            "memo": rng.choice(MEMOS) if rng.random() < 0.25 else None,
            "your_reference": dict(rng.choice(customer.contacts)) if not customer.is_person and rng.random() < 0.8 else None,
            "our_reference_id": rng.choice(SELLERS),
            "payment_method_id": payment_method,
            "reference_number": f"PO-{year}-{rng.randint(1, 9999):04d}" if not customer.is_person and rng.random() < 0.55 else None,
            "sales_type_id": sales_type,
            "created_at": created,
            "modified_at": modified,
            "net_amount": totals.net,
            "tax_amount": totals.tax,
            "gross_amount": totals.gross,
            "dimensions": dimensions,
            "_lines": lines,
        }

    def line_count(self) -> int:
        return self.rng.choices(range(1, 9), [22, 22, 18, 12, 9, 7, 5, 5])[0]

    def quantity(self, unit: str) -> Decimal:
        rng = self.rng
        if unit == "time":
            return Decimal(rng.choice(["0.5", "1", "1.5", "2", "2.5", "3", "4", "7.5", "8", "12", "16", "22.5", "37.5"]))
        if unit == "mnd":
            return Decimal(rng.choice([1, 1, 3, 5, 10, 12, 25]))
        if unit == "l":
            return Decimal(rng.choice([6, 12, 24]))
        if unit == "kg":
            return Decimal(rng.choice(["1", "2", "2.5", "5", "10"]))
        return Decimal(rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 10, 20]))

    def lines(self, customer, sales_type, currency, rate, dimensions, count) -> list[dict]:
        rng = self.rng
        taxes = {t["id"]: t for t in TAXES}
        project = [d for d in dimensions if d["dimensionType"] == PROJECT]
        lines = []
        for index in range(count):
            roll = rng.random() if index else 1.0  # the first line is always a product line
            if roll < 0.06:
                description = rng.choice(TEXT_NOTES)
                lines.append(self.text_line(description, Decimal(0), Decimal(1), customer, sales_type, taxes))
                continue
            if roll < 0.1:
                description, price = rng.choice(PRICED_TEXT)
                quantity = Decimal(rng.choice(["1", "2", "2.5", "4"]))
                lines.append(self.text_line(description, self.convert(Decimal(price), rate), quantity, customer,
                                            sales_type, taxes))
                continue
            product = rng.choice(self.products_by_category[rng.choice(CATEGORIES_BY_SALES_TYPE[sales_type])])
            tax = taxes[EXPORT_TAX_ID if customer.country != "NO" else self.posting_tax(product["id"], sales_type)]
            discount = Decimal(rng.choice([5, 10, 10, 15, 20, 25])) if rng.random() < 0.15 else Decimal(0)
            lines.append({
                "type": "product",
                "product_id": product["id"],
                "product_number": product["number"],
                "description": product["name"],
                "quantity": self.quantity(self.unit_of[product["id"]]),
                "price": self.convert(product["sales_price"], rate),
                "cost_price": self.convert(product["cost_price"], rate),
                "discount_rate": discount,
                "tax_id": tax["id"],
                "tax_number": tax["number"],
                "tax_rate": tax["rate"],
                "account": self.line_account(sales_type, tax["id"]),
                "dimensions": project if project and rng.random() < 0.5 else None,
                "accrual": None,
            })
        return lines

    def text_line(self, description, price, quantity, customer, sales_type, taxes) -> dict:
        tax = taxes[EXPORT_TAX_ID if customer.country != "NO" else STANDARD_TAX_ID]
        return {
            "type": "text", "product_id": None, "product_number": None, "description": description,
            "quantity": quantity, "price": price, "cost_price": None, "discount_rate": Decimal(0),
            "tax_id": tax["id"], "tax_number": tax["number"], "tax_rate": tax["rate"],
            "account": self.line_account(sales_type, tax["id"]), "dimensions": None, "accrual": None,
        }

    def posting_tax(self, product_id: int, sales_type: int) -> int:
        """The tax id of the account a product's line is posted to under ``sales_type``."""
        number = self.overrides.get((product_id, sales_type))
        account_id = SALES_TYPE_ACCOUNTS[sales_type]
        return next(tax for id_, n, _, tax in accounting.ACCOUNTS if (n == number if number else id_ == account_id))

    @staticmethod
    def line_account(sales_type: int, tax_id: int) -> dict:
        """The account a line is posted to: its sales type's, unless that account has another tax code."""
        account_id = SALES_TYPE_ACCOUNTS[sales_type]
        for id_, number, name, account_tax in accounting.ACCOUNTS:
            if id_ == account_id and account_tax == tax_id:
                return {"id": id_, "number": number, "name": name}
        return accounting.sales_account(tax_id)

    @staticmethod
    def convert(nok: Decimal, rate: Decimal) -> Decimal:
        return nok if rate == 1 else accounting.money(nok / rate)
