"""Word and phrase pools for the sample web's story generator.

Only data lives here.  Pools are deliberately large and combinatorial so that two
unrelated stories share almost no five-word shingles (see tests/test_sampleweb_key.py).
All names are invented combinations; places are real cities so datelines look real.
Every string is cp1252-encodable (the wrong-charset fault depends on it).
"""

FIRST_NAMES = """
Aaron Abigail Adam Adrian Aisha Alan Alberto Alex Alice Alina Amara Amelia Amir Ana Andrea Andrew
Angela Anita Anna Anton Arjun Arthur Asha Audrey Ben Bianca Boris Brenda Callum Carla Carlos Carmen
Caroline Cecilia Chloe Chris Claire Colin Connor Craig Dalia Damian Daniel Daria Darren David Declan
Dmitri Dominic Eamon Edith Elena Eliza Emeka Emily Emma Enzo Erik Esther Ethan Fatima Felix Fiona
Florian Frances Gareth Gemma Georgia Gideon Grace Graham Hamza Hannah Harriet Hassan Heidi Helen
Henry Hugo Ian Ibrahim Ines Irene Isaac Ivan Jack Jada James Jana Jasmine Javier Jessica Joanna
Jonas Jordan Joseph Julia Kamal Karen Karim Kasia Katie Keith Kenji Kevin Kiran Lars Laura Leah Leon
Liam Lina Lorna Lucas Lucia Luke Maddie Magnus Malik Marcus Maria Marta Martin Maya Mehmet Mia
Miguel Mikael Mina Mohammed Molly Nadia Naomi Nathan Neil Nia Nikolai Nina Noah Nora Olena Oliver
Olga Omar Oscar Owen Paolo Patrick Paula Pavel Petra Philip Priya Rachel Rafael Rahul Rania Rebecca
Rhys Ricardo Rita Robert Rosa Ruth Ryan Sabrina Samuel Sandra Sara Sean Selin Simon Sofia Stefan
Stella Stephen Sunil Susan Tamsin Tariq Teresa Thomas Tobias Tom Tomasz Ursula Valentina Vera
Victor Viktor Wendy William Yara Yusuf Zainab Zoe
""".split()

SURNAMES = """
Abbott Acheson Adeyemi Ahmed Albrecht Alvarez Anand Andersen Armitage Ashworth Bailey Baker Banerjee
Barlow Bauer Beckett Bellamy Bennett Bishop Blackwood Bondarenko Bowen Bradley Brennan Brooks Burke
Caldwell Campbell Carver Castillo Chandler Chen Clarke Coleman Connolly Costa Crawford Cruz Dalton
Davies Delaney Dixon Doherty Donovan Doyle Duarte Dunn Eastwood Ellison Evans Falconer Farrell
Fenwick Fischer Fitzgerald Fleming Fletcher Forsyth Fraser Gallagher Garcia Garner Gibson Gill Gomez
Gordon Granger Greaves Grant Hale Halloran Hammond Hansen Hargreaves Harper Hartley Hawkins Hayes
Hendry Holloway Horvat Howell Hughes Hussain Ibekwe Iqbal Jablonski Jensen Johal Kaminski Kapoor
Keane Kelleher Kendrick Khan Kovac Kowalski Kramer Lambert Larsen Lawson Leclerc Lindqvist Lloyd
Lockhart Lopez Lynch Macleod Madden Maguire Malone Marchetti Marsh Maxwell McAllister McBride
McCarthy McGrath Mendes Mercer Molina Moreau Morgan Moretti Murphy Nakamura Nash Novak Nowak Nwosu
Oakley Okafor Olsen Osei Owusu Palmer Park Patel Pearce Perez Petrenko Pike Porter Quinn Rahman
Ramirez Rashid Reid Reyes Rhodes Richter Rossi Rowe Russo Ryder Salazar Santos Sato Schmidt Sharma
Shevchenko Silva Sinclair Singh Slater Sokolov Stanton Sterling Sullivan Sutton Tanaka Thornton
Tkachenko Torres Townsend Tucker Turner Varga Vasquez Vaughan Wagner Walsh Ward Webb Whitaker
Wilkins Winter Wong Wright Yilmaz Young Zielinski
""".split()

# (city, country/region, demonym-ish adjective for headlines, local time zone label)
PLACES = [
    ("Kyiv", "Ukraine"), ("Kharkiv", "Ukraine"), ("Odesa", "Ukraine"), ("Warsaw", "Poland"),
    ("Gdansk", "Poland"), ("Berlin", "Germany"), ("Hamburg", "Germany"), ("Munich", "Germany"),
    ("Paris", "France"), ("Lyon", "France"), ("Marseille", "France"), ("Madrid", "Spain"),
    ("Valencia", "Spain"), ("Lisbon", "Portugal"), ("Rome", "Italy"), ("Milan", "Italy"),
    ("Naples", "Italy"), ("Athens", "Greece"), ("Vienna", "Austria"), ("Prague", "Czech Republic"),
    ("Budapest", "Hungary"), ("Bucharest", "Romania"), ("Sofia", "Bulgaria"), ("Zagreb", "Croatia"),
    ("Stockholm", "Sweden"), ("Oslo", "Norway"), ("Copenhagen", "Denmark"), ("Helsinki", "Finland"),
    ("Dublin", "Ireland"), ("Cork", "Ireland"), ("London", "Britain"), ("Manchester", "Britain"),
    ("Leeds", "Britain"), ("Glasgow", "Britain"), ("Cardiff", "Britain"), ("Bristol", "Britain"),
    ("Liverpool", "Britain"), ("Newcastle", "Britain"), ("Belfast", "Britain"), ("Edinburgh", "Britain"),
    ("Ankara", "Turkey"), ("Istanbul", "Turkey"), ("Cairo", "Egypt"), ("Nairobi", "Kenya"),
    ("Lagos", "Nigeria"), ("Accra", "Ghana"), ("Johannesburg", "South Africa"), ("Cape Town", "South Africa"),
    ("Mumbai", "India"), ("New Delhi", "India"), ("Dhaka", "Bangladesh"), ("Jakarta", "Indonesia"),
    ("Manila", "Philippines"), ("Tokyo", "Japan"), ("Osaka", "Japan"), ("Seoul", "South Korea"),
    ("Sydney", "Australia"), ("Melbourne", "Australia"), ("Brisbane", "Australia"), ("Auckland", "New Zealand"),
    ("Toronto", "Canada"), ("Vancouver", "Canada"), ("Montreal", "Canada"), ("Chicago", "United States"),
    ("Denver", "United States"), ("Houston", "United States"), ("Atlanta", "United States"),
    ("Seattle", "United States"), ("Phoenix", "United States"), ("Boston", "United States"),
    ("Mexico City", "Mexico"), ("Bogota", "Colombia"), ("Lima", "Peru"), ("Santiago", "Chile"),
    ("Buenos Aires", "Argentina"), ("Sao Paulo", "Brazil"),
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MONTHS_WIRE = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec"]
MONTHS_AP = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]

ORG_PREFIX = """
Northern Southern Eastern Western Central National Regional Metropolitan Coastal Highland Riverside
United Federal Royal Independent Allied Consolidated Continental Atlantic Pacific Greater Lowland
Valley Harbour Summit Keystone Pioneer Heritage Meridian Crescent Granite Silver Copper Evergreen
""".split()
ORG_CORE = """
Rail Water Energy Health Housing Transport Farming Fisheries Aviation Steel Grain Mining Logistics
Shipping Telecom Finance Insurance Tourism Forestry Textiles Pharmaceutical Construction Retail
Broadcasting Education Policing Veterans Freight Power Motor Timber Ports Chemicals
""".split()
ORG_SUFFIX = """
Authority Trust Group Council Partnership Association Federation Board Institute Commission Union
Alliance Holdings Foundation Agency Company Network Society Consortium Service
""".split()
PARTIES = ["Progress Party", "Civic Union", "People's Alliance", "Reform Bloc", "Green Front",
           "Labour Movement", "Liberal Centre", "National Renewal", "Social Democrats", "Unity List"]

# Topics: each gives event nouns, roles of people who speak, actions and setting phrases.
TOPICS = {
    "conflict": dict(
        events=["counter-offensive", "artillery barrage", "drone strike", "troop withdrawal",
                "ceasefire talks", "prisoner exchange", "missile attack", "border clash",
                "evacuation of civilians", "supply convoy ambush", "naval blockade", "front-line push"],
        roles=["defence minister", "army spokesman", "regional governor", "military analyst",
               "humanitarian coordinator", "deputy foreign minister", "front-line commander",
               "local mayor", "intelligence official", "aid worker"],
        things=["armoured vehicles", "supply lines", "checkpoints", "air defences", "ammunition depots",
                "bridges", "rail junctions", "trenches", "shelters", "field hospitals", "pontoon crossings"],
        verbs=["retreated from", "shelled", "recaptured", "abandoned", "encircled", "reinforced",
               "struck", "evacuated", "fortified", "advanced towards"],
    ),
    "crime": dict(
        events=["stabbing", "armed robbery", "burglary spree", "hit-and-run", "fraud investigation",
                "drugs raid", "arson attack", "kidnapping plot", "jewellery heist", "cyber scam",
                "cash machine theft", "dog theft ring"],
        roles=["detective inspector", "police spokeswoman", "neighbour", "shop owner", "prosecutor",
               "defence lawyer", "victim's sister", "community leader", "crime analyst", "witness"],
        things=["CCTV footage", "getaway car", "forensic evidence", "stolen goods", "mobile phones",
                "bank records", "knives", "counterfeit notes", "fingerprints", "dashcam clips"],
        verbs=["arrested", "charged", "questioned", "released", "traced", "identified", "jailed",
               "cleared", "remanded", "convicted"],
    ),
    "politics": dict(
        events=["leadership contest", "budget vote", "snap election", "cabinet reshuffle",
                "no-confidence motion", "coalition deal", "party conference", "tax rebellion",
                "referendum campaign", "parliamentary inquiry", "lobbying scandal", "spending review"],
        roles=["opposition leader", "finance minister", "backbench MP", "party chairman",
               "political commentator", "pollster", "committee chair", "senior aide", "councillor",
               "campaign director"],
        things=["ballot papers", "opinion polls", "manifesto pledges", "spending plans", "tax cuts",
                "welfare reforms", "voting records", "donor lists", "draft bills", "emergency powers"],
        verbs=["backed", "rejected", "delayed", "scrapped", "defended", "unveiled", "attacked",
               "blocked", "amended", "approved"],
    ),
    "economy": dict(
        events=["interest rate decision", "factory closure", "pay dispute", "takeover bid",
                "profit warning", "fuel price spike", "housing slump", "export ban", "strike ballot",
                "bank collapse", "bond sell-off", "jobs cull"],
        roles=["chief economist", "union leader", "chief executive", "market strategist",
               "small business owner", "central bank governor", "trade minister", "shareholder",
               "consumer champion", "fund manager"],
        things=["mortgage rates", "energy bills", "share prices", "order books", "wage offers",
                "supply chains", "inflation figures", "pension funds", "shipping costs", "rents"],
        verbs=["slashed", "raised", "froze", "cut", "doubled", "halved", "forecast", "warned over",
               "announced", "reviewed"],
    ),
    "weather": dict(
        events=["flash flooding", "heatwave", "snowstorm", "storm surge", "wildfire", "hailstorm",
                "landslide", "drought", "cold snap", "gale-force winds", "tornado warning", "fog chaos"],
        roles=["forecaster", "fire chief", "council leader", "farmer", "emergency planner",
               "climate scientist", "resident", "insurance assessor", "coastguard officer", "road engineer"],
        things=["sandbags", "power lines", "roads", "crops", "rail services", "flood barriers",
                "school buildings", "caravans", "river banks", "gritting lorries"],
        verbs=["battered", "flooded", "cut off", "damaged", "closed", "swept away", "cleared",
               "reopened", "inspected", "protected"],
    ),
    "health": dict(
        events=["hospital backlog", "measles outbreak", "drug trial", "ambulance delays",
                "nurses' strike", "vaccine rollout", "cancer screening error", "food poisoning outbreak",
                "mental health review", "maternity unit closure", "new diet study", "surgery waiting list"],
        roles=["consultant surgeon", "health secretary", "GP", "patient", "hospital chief executive",
               "epidemiologist", "midwife", "charity director", "pharmacist", "nurse"],
        things=["hospital beds", "waiting lists", "test results", "prescriptions", "vaccines",
                "operating theatres", "ambulances", "clinic appointments", "blood samples", "wards"],
        verbs=["postponed", "expanded", "reviewed", "funded", "suspended", "launched", "closed",
               "audited", "doubled", "restored"],
    ),
    "transport": dict(
        events=["rail strike", "motorway crash", "airport chaos", "ferry cancellation", "bus route cuts",
                "bridge closure", "signal failure", "runway expansion", "fare rise", "train derailment",
                "car park collapse", "tram line delay"],
        roles=["rail operator spokesman", "commuter", "transport secretary", "air traffic controller",
               "bus driver", "motoring expert", "travel agent", "ferry captain", "engineer", "passenger"],
        things=["timetables", "platforms", "departure boards", "ticket prices", "lorries", "carriages",
                "flights", "diversions", "toll booths", "sleeper services"],
        verbs=["cancelled", "diverted", "delayed", "grounded", "suspended", "rerouted", "restored",
               "upgraded", "replaced", "halted"],
    ),
    "sport": dict(
        events=["cup final", "transfer saga", "derby defeat", "doping ban", "title race",
                "relegation battle", "record signing", "managerial sacking", "injury crisis",
                "penalty shootout", "stadium move", "world record attempt"],
        roles=["manager", "club captain", "striker", "goalkeeper", "chairman", "pundit", "physio",
               "season-ticket holder", "agent", "referee"],
        things=["contracts", "season tickets", "medical reports", "training sessions", "match fees",
                "league tables", "ticket allocations", "kits", "stadium plans", "academy players"],
        verbs=["signed", "sold", "dropped", "benched", "fined", "recalled", "praised", "blasted",
               "sacked", "rested"],
    ),
    "celebrity": dict(
        events=["wedding", "break-up", "reality show exit", "book launch", "tour cancellation",
                "red carpet appearance", "lawsuit", "comeback single", "holiday row", "baby announcement",
                "award snub", "farewell gig"],
        roles=["singer", "reality star", "actress", "presenter", "publicist", "former bandmate",
               "stylist", "producer", "fan club president", "close friend"],
        things=["photos", "social media posts", "tour dates", "ticket sales", "gowns", "love notes",
                "contracts", "studio sessions", "interviews", "paparazzi shots"],
        verbs=["revealed", "denied", "deleted", "shared", "teased", "confirmed", "slammed",
               "celebrated", "hid", "unveiled"],
    ),
    "science": dict(
        events=["satellite launch", "fossil discovery", "battery breakthrough", "comet sighting",
                "gene study", "ocean survey", "robot trial", "telescope image", "earthquake study",
                "glacier survey", "reactor test", "meteorite find"],
        roles=["professor", "lead author", "research fellow", "space agency official", "geologist",
               "astronomer", "engineer", "museum curator", "marine biologist", "science minister"],
        things=["samples", "data sets", "sensors", "prototypes", "images", "core samples",
                "measurements", "simulations", "specimens", "instruments"],
        verbs=["discovered", "measured", "tested", "mapped", "photographed", "analysed", "recovered",
               "modelled", "confirmed", "catalogued"],
    ),
    "environment": dict(
        events=["sewage spill", "river pollution", "tree felling row", "wind farm plan", "oil leak",
                "wildlife decline", "plastic ban", "rewilding project", "air quality alert",
                "bird flu outbreak", "beach closure", "coal mine plan"],
        roles=["campaigner", "water company boss", "ecologist", "environment minister", "angler",
               "parish councillor", "park ranger", "local farmer", "planning officer", "volunteer"],
        things=["water samples", "fish stocks", "planning documents", "solar panels", "hedgerows",
                "nesting sites", "discharge permits", "turbines", "wetlands", "monitoring data"],
        verbs=["polluted", "restored", "approved", "opposed", "monitored", "cleaned", "fined",
               "protected", "surveyed", "blocked"],
    ),
}
TOPIC_NAMES = sorted(TOPICS)

ADJECTIVES = """
dramatic shocking major urgent fresh serious growing sudden bitter bold costly heated fierce rare
unprecedented alarming quiet tense swift sweeping stark emotional angry hopeful grim surprising
crucial long-awaited controversial historic damaging chaotic modest remarkable desperate rapid
""".split()
ADVERBS = """
quickly quietly publicly repeatedly firmly sharply openly formally privately briefly angrily
reluctantly immediately eventually finally previously reportedly suddenly largely partly
""".split()
TIME_PHRASES = ["on {wd}", "late on {wd}", "early on {wd}", "on {wd} morning", "on {wd} afternoon",
                "on {wd} evening", "overnight", "earlier this week", "last month", "in the early hours",
                "on {wd} night", "within hours", "at the weekend", "days later", "since the summer"]
GROUPS = ["residents", "families", "commuters", "shoppers", "pensioners", "pupils", "workers",
          "volunteers", "fans", "patients", "farmers", "drivers", "tenants", "parents", "investors",
          "holidaymakers", "local businesses", "officials", "campaigners", "neighbours"]
FEELINGS = ["devastated", "furious", "relieved", "shocked", "heartbroken", "determined", "proud",
            "worried", "disappointed", "delighted", "stunned", "frustrated", "grateful", "baffled"]
SAY_VERBS = ["said", "told reporters", "said in a statement", "told local radio", "wrote on social media",
             "told a news conference", "added", "insisted", "warned", "explained", "said on {wd}"]
UNITS = ["miles", "kilometres", "homes", "people", "jobs", "vehicles", "flights", "tonnes", "cases",
         "households", "schools", "acres", "hectares", "businesses", "staff"]
CURRENCIES = [("£", "million"), ("$", "million"), ("€", "million"), ("£", "billion"), ("$", "billion")]

# Clause fragments for quotes: combined at random, so quotes are practically unique.
QUOTE_OPENERS = [
    "We have", "Nobody here has ever", "I have honestly never", "The truth is we have", "For years we have",
    "Right now we have", "Frankly, people have", "What I can tell you is we have", "This is the moment we have",
    "To be clear, we have", "Everyone in this town has", "Our team has", "I think we have all", "Since last night we have",
    "My family has", "The government has", "We simply have", "The whole community has",
]
QUOTE_MIDDLES = [
    "been waiting for answers about", "seen anything like", "expected to deal with", "been warning about",
    "worked around the clock on", "tried to get to the bottom of", "been let down over", "pushed hard for",
    "been kept in the dark about", "lost sleep over", "put everything into", "been fighting over",
    "been asking questions about", "had enough of", "prepared for", "been shaken by",
]
QUOTE_CLOSERS = [
    "and it cannot go on like this", "but we will not give up", "and somebody has to take responsibility",
    "so we need proper answers now", "and that is what hurts the most", "but there is still a long way to go",
    "and frankly it is a scandal", "and we will keep going until it is fixed", "so I am asking people to be patient",
    "and the next few days will be crucial", "but we owe it to the people who lost everything",
    "and I am not going to stop talking about it", "so everybody needs to stay calm",
    "and it has been a nightmare for everyone", "but we are proud of how people responded",
]

# Live-blog furniture text repeated verbatim every day (the liveblog distractor).
LIVEBLOG_TEMPLATE = [
    "Welcome to our live coverage. Follow along below for the latest updates, pictures and video as the story develops throughout the day.",
    "Refresh this page for the newest posts. All times are UK time and entries appear with the most recent at the top.",
    "If you have a story or pictures to share, email our newsdesk and include a phone number so a reporter can get back to you.",
]
# Sentences standard across short police/council notices (short-shared-sentence distractor).
STANDARD_SENTENCES = [
    "Anyone with information is asked to call police on 101 or contact Crimestoppers anonymously on 0800 555 111.",
    "Motorists are advised to allow extra time for their journeys and to check travel updates before setting off.",
    "The council said residents with concerns should contact its customer services team during normal office hours.",
]

CORRECTION_NOTES = [
    "(This story has been corrected to fix the spelling of {name} in paragraph {n})",
    "(This story has been corrected to show the figure was {num}, not {num2}, in paragraph {n})",
    "(This story has been corrected to clarify {name}'s title in paragraph {n})",
]
EDITOR_NOTES = [
    "Editor's note: This article was updated to include a response from {org}.",
    "An earlier version of this story misstated the date of the announcement. It has been corrected.",
]
UPDATE_PARAS = [
    "UPDATE: {org} confirmed on {wd} evening that {num} {unit} had been affected, higher than the figure first reported.",
    "Update: {name} later said the decision would be reviewed by {org} within {num2} days.",
    "This article was updated with comments from {name}, {role}, who said the situation was now under control.",
]
LOCAL_ANGLES = [
    "In {city}, {name}, who runs a business near the town centre, said {groups} there had been following the news closely.",
    "Closer to home, {org} said it was monitoring the situation and would issue guidance to {groups} in the area.",
    "Local MP {name} said constituents had contacted the office with questions and urged them to check official advice.",
]
