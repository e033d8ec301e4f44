"""The company file's lists, other than customers: sales tax codes and items, terms, sales reps, classes,
ship methods, templates, customer messages, currencies, inventory sites and the items a US supplier of
office and warehouse equipment sells. Fixed data: the seed only gives them IDs and times.
"""

from decimal import Decimal as D

COMPANY_NAME = "Lakeshore Supply Co."
HOME_CURRENCY = "USD"

# (name, taxable, description)
SALES_TAX_CODES = [
    ("Tax", True, "Taxable sales"),
    ("Non", False, "Non-taxable sales"),
    ("Res", False, "Sales for resale"),
    ("Gov", False, "Government and schools (exempt)"),
    ("Out", False, "Out of state or export"),
]

# Sales tax items: (name, rate %, agency, description)
SALES_TAX_ITEMS = [
    ("IL Sales Tax", D("6.25"), "Illinois Department of Revenue", "Illinois state sales tax"),
    ("Cook County Tax", D("1.75"), "Illinois Department of Revenue", "Cook County home rule tax"),
    ("Chicago City Tax", D("2.25"), "Illinois Department of Revenue", "City of Chicago and RTA taxes"),
    ("WI Sales Tax", D("5.0"), "Wisconsin Department of Revenue", "Wisconsin state sales tax"),
    ("IN Sales Tax", D("7.0"), "Indiana Department of Revenue", "Indiana state sales tax"),
    ("MI Sales Tax", D("6.0"), "Michigan Department of Treasury", "Michigan state sales tax"),
    ("OH Sales Tax", D("5.75"), "Ohio Department of Taxation", "Ohio state sales tax"),
    ("MN Sales Tax", D("6.875"), "Minnesota Department of Revenue", "Minnesota state sales tax"),
    ("IA Sales Tax", D("6.0"), "Iowa Department of Revenue", "Iowa state sales tax"),
    ("MO Sales Tax", D("4.225"), "Missouri Department of Revenue", "Missouri state sales tax"),
    ("NY Sales Tax", D("4.0"), "NYS Department of Taxation", "New York state sales tax"),
    ("TX Sales Tax", D("6.25"), "Texas Comptroller", "Texas state sales tax"),
    ("CA Sales Tax", D("7.25"), "California CDTFA", "California state sales tax"),
    ("FL Sales Tax", D("6.0"), "Florida Department of Revenue", "Florida state sales tax"),
    ("Out of State", D("0.0"), "None", "No sales tax collected"),
]
# A sales tax group: its rate is the sum of its items'.
SALES_TAX_GROUPS = [("Chicago Combined", ["IL Sales Tax", "Cook County Tax", "Chicago City Tax"],
                     "Chicago: state, county and city")]
TAX_ITEM_OF_STATE = {"IL": "IL Sales Tax", "WI": "WI Sales Tax", "IN": "IN Sales Tax", "MI": "MI Sales Tax",
                     "OH": "OH Sales Tax", "MN": "MN Sales Tax", "IA": "IA Sales Tax", "MO": "MO Sales Tax",
                     "NY": "NY Sales Tax", "TX": "TX Sales Tax", "CA": "CA Sales Tax", "FL": "FL Sales Tax"}

# (name, type, due days, discount days, discount %, day of month due)
TERMS = [
    ("Due on receipt", "Standard", 0, None, None, None),
    ("Net 15", "Standard", 15, None, None, None),
    ("Net 30", "Standard", 30, None, None, None),
    ("Net 45", "Standard", 45, None, None, None),
    ("Net 60", "Standard", 60, None, None, None),
    ("1% 10 Net 30", "Standard", 30, 10, D("1.0"), None),
    ("2% 10 Net 30", "Standard", 30, 10, D("2.0"), None),
    ("Due 10th next month", "DateDriven", None, None, None, 10),
]

# (initials, name, active)
SALES_REPS = [
    ("JRV", "Jane Rivera", True),
    ("MKO", "Marcus Okafor", True),
    ("SLQ", "Sarah Lindqvist", True),
    ("DPT", "David Patel", True),
    ("AHB", "Amy Hubbard", True),
    ("TWC", "Tom Whitcomb", False),  # left the company; old orders still name him
]

CLASSES = ["Retail", "Wholesale", "Contract", "Contract:Installation", "Contract:Maintenance", "Online"]

SHIP_METHODS = ["UPS Ground", "UPS 2nd Day Air", "FedEx Ground", "FedEx Priority Overnight",
                "USPS Priority Mail", "LTL Freight", "Our Truck", "Will Call"]

# (name, type)
TEMPLATES = [
    ("Custom Sales Order", "SalesOrder"),  # the company's default for sales orders
    ("Sales Order with Ship To", "SalesOrder"),
    ("Rep Sales Order", "SalesOrder"),
    ("Intuit Product Invoice", "Invoice"),
]
DEFAULT_TEMPLATE = "Custom Sales Order"

CUSTOMER_MESSAGES = [
    "Thank you for your business.",
    "We appreciate your prompt payment.",
    "Please call us with any questions about your order.",
    "It's been a pleasure working with you!",
    "Special orders are non-refundable.",
    "Happy holidays from all of us at Lakeshore Supply!",
]

# (code, name, units of home currency per unit)
CURRENCIES = [
    ("USD", "US Dollar", D("1")),
    ("CAD", "Canadian Dollar", D("0.7315")),
    ("EUR", "Euro", D("1.0842")),
    ("GBP", "British Pound Sterling", D("1.2716")),
    ("MXN", "Mexican Peso", D("0.0581")),
]

# (name, description, default)
INVENTORY_SITES = [
    ("Main Warehouse", "1200 W 35th St, Chicago", True),
    ("Joliet DC", "Distribution center, Joliet IL", False),
    ("Milwaukee Showroom", "Showroom stock, Milwaukee WI", False),
]

# Custom fields defined for sales orders (QuickBooks' "data extensions"): name -> longest value.
HEADER_CUSTOM_FIELDS = {"Contract #": 15, "Delivery Window": 30, "Project Phase": 20}
LINE_CUSTOM_FIELDS = {"Color": 15, "Warranty": 20}

# Items: (name, type, price, price %, unit, tax code, description). Names fit QuickBooks' 31 characters.
INVENTORY = [
    ("Task Chair TC-100", "189.00", "ea", "Ergonomic task chair, mesh back, adjustable arms"),
    ("Executive Chair EX-300", "449.00", "ea", "Executive chair, leather, high back"),
    ("Stacking Chair SC-20", "59.50", "ea", "Stacking chair, polypropylene shell"),
    ("Standing Desk SD-60", "689.00", "ea", "Electric sit-stand desk, 60 x 30 in"),
    ("Office Desk OD-48", "329.00", "ea", "Office desk, laminate, 48 x 24 in"),
    ("Conference Table CT-96", "1450.00", "ea", "Conference table, 96 x 42 in, power module"),
    ("File Cabinet FC-4D", "245.00", "ea", "Vertical file cabinet, 4 drawers, locking"),
    ("Bookcase BK-5S", "159.00", "ea", "Bookcase, 5 shelves"),
    ("Monitor Arm MA-2", "129.00", "ea", "Dual monitor arm, clamp mount"),
    ("LED Desk Lamp DL-10", "44.95", "ea", "LED desk lamp, dimmable"),
    ("Whiteboard WB-4x6", "219.00", "ea", "Magnetic whiteboard, 4 x 6 ft"),
    ("Copy Paper CP-10", "54.99", "case", "Copy paper, letter, 10 reams"),
    ("Toner Cartridge TN-450", "89.99", "ea", "Toner cartridge, black, high yield"),
    ("Shelving Unit SU-72", "279.00", "ea", "Steel shelving unit, 72 in, 5 shelves"),
    ("Pallet Rack Upright PR-U12", "165.00", "ea", "Pallet rack upright frame, 12 ft"),
    ("Pallet Rack Beam PR-B8", "48.50", "ea", "Pallet rack step beam, 8 ft"),
    ("Wire Deck WD-42", "36.75", "ea", "Wire mesh deck, 42 x 46 in"),
    ("Safety Cone SC-28", "12.49", "ea", "Traffic safety cone, 28 in"),
    ("Hard Hat HH-1", "18.95", "ea", "Hard hat, type I, ratchet suspension"),
    ("Safety Vest SV-L", "9.99", "ea", "High-visibility safety vest, class 2"),
    ("First Aid Kit FA-50", "64.00", "ea", "First aid kit, 50 person"),
    ("Hand Truck HT-600", "139.00", "ea", "Hand truck, 600 lb capacity"),
    ("Floor Mat FM-3x5", "42.00", "ea", "Anti-fatigue floor mat, 3 x 5 ft"),
    ("Label Printer LP-4", "299.00", "ea", "Thermal label printer, 4 in"),
    ("Label Roll LR-4x6", "14.25", "roll", "Thermal labels, 4 x 6 in, 250 a roll"),
    ("Cable Tie Pack CT-100", "6.49", "pack", "Cable ties, 8 in, 100 a pack"),
    ("Extension Cord EC-25", "27.80", "ea", "Extension cord, 25 ft, 12 gauge"),
    ("Storage Bin SB-18", "8.75", "ea", "Stackable storage bin, 18 in"),
]
ASSEMBLIES = [
    ("Workstation Kit WK-1", "1199.00", "ea", "Assembled workstation: desk, chair, arm, lamp"),
    ("Rack Starter Kit RK-1", "689.00", "ea", "Assembled starter bay: 2 uprights, 4 beams, 4 decks"),
]
NON_INVENTORY = [
    ("Custom Signage", "85.00", "ea", "Custom printed sign"),
    ("Special Order Furniture", None, "ea", "Special order furniture, see description"),
    ("Printed Forms", "120.00", "box", "Printed business forms, 1,000 a box"),
    ("Carpet Tile", "3.15", "sq ft", "Commercial carpet tile"),
    ("Acoustic Panel", "74.00", "ea", "Acoustic wall panel, 2 x 4 ft"),
    ("Drop Ship Item", None, "ea", "Shipped directly from the manufacturer"),
]
SERVICES = [
    ("Installation", "85.00", "hr", "Installation labor"),
    ("Assembly", "65.00", "hr", "Furniture assembly"),
    ("Delivery Labor", "55.00", "hr", "Inside delivery and placement"),
    ("Design Consultation", "120.00", "hr", "Space planning and design"),
    ("Rack Inspection", "150.00", "ea", "Annual racking safety inspection"),
    ("Moving Services", "95.00", "hr", "Office move crew"),
    ("Project Management", "110.00", "hr", "Project management"),
    ("On-site Training", "140.00", "hr", "Equipment training on site"),
    ("Maintenance Plan", "450.00", "ea", "Annual maintenance plan"),
    ("Rush Handling", "75.00", "ea", "Same-day handling"),
]
# Other charges: (name, price, price %, tax code, description)
OTHER_CHARGES = [
    ("Freight", None, None, "Non", "Freight charges"),
    ("Fuel Surcharge", None, "3.5", "Non", "Fuel surcharge on the line above"),
    ("Restocking Fee", None, "15.0", "Tax", "Restocking fee on returned goods"),
    ("Setup Fee", "150.00", None, "Tax", "Setup fee"),
    ("Disposal Fee", "45.00", None, "Non", "Disposal of old furniture"),
]
# Discounts: (name, fixed amount, percent, description). Taxable: they lower the taxable amount.
DISCOUNTS = [
    ("Volume Discount", None, "10.0", "Volume discount"),
    ("Loyalty Discount", None, "5.0", "Loyal customer discount"),
    ("Promo Credit", "50.00", None, "Promotional credit"),
]
SUBTOTAL_ITEM = ("Subtotal", "Subtotal")
# Groups: (name, description, [(item name, quantity)])
GROUPS = [
    ("Workstation Bundle", "Workstation bundle: desk, chair, monitor arm, lamp",
     [("Standing Desk SD-60", 1), ("Task Chair TC-100", 1), ("Monitor Arm MA-2", 1), ("LED Desk Lamp DL-10", 1)]),
    ("New Hire Kit", "New hire kit: desk, chair, file cabinet",
     [("Office Desk OD-48", 1), ("Task Chair TC-100", 1), ("File Cabinet FC-4D", 1)]),
    ("Safety Starter Pack", "Safety starter pack",
     [("Hard Hat HH-1", 4), ("Safety Vest SV-L", 4), ("First Aid Kit FA-50", 1), ("Safety Cone SC-28", 6)]),
    ("Conference Room Set", "Conference room: table, 8 chairs, whiteboard",
     [("Conference Table CT-96", 1), ("Stacking Chair SC-20", 8), ("Whiteboard WB-4x6", 1)]),
    ("Rack Bay", "One bay of pallet racking, inspected",
     [("Pallet Rack Upright PR-U12", 2), ("Pallet Rack Beam PR-B8", 4), ("Wire Deck WD-42", 4),
      ("Rack Inspection", 1)]),
]
# Kept in the file, but no longer sold.
INACTIVE_ITEMS = [
    ("Fax Machine FX-1", "Inventory", "249.00", "ea", "Tax", "Fax machine"),
    ("Legacy Install Rate", "Service", "70.00", "hr", "Non", "Installation labor (2024 rate)"),
]
