"""The words and numbers the demo is made of: the demo log-ins and password, team size and
the one-in-fifteen all-brand share, the sectors with their client and engagement names,
places and people's names, outcome templates, promotion activity kinds with their weights
and rates, each profile's share of client and promotion time, and the notes on time
entries. Constants only; tracker.demo.plan walks them with one seeded random generator.
"""

from tracker.models import Activity, Kind

DEMO_PASSWORD = "demo"
EMAIL_DOMAIN = "demo.clientfirst.test"
LOGIN_CONSULTANT, LOGIN_MANAGER, LOGIN_ADMIN = "consultant", "manager", "admin"
TEAM_SIZE = 8
ALL_BRAND_ONE_IN = 15
WORKDAYS = 5
UNIT_SECONDS = 5 * 60  # durations are whole 5-minute units, as people log them

# (team name, client sector, client name suffixes, engagement names)
SECTORS = [
    ("Public Sector", "Public sector",
     ["City Council", "County Council", "Borough Council", "Housing Association",
      "Combined Authority", "Fire and Rescue Service"],
     ["Digital Front Door", "Benefits Service Redesign", "Case Management Replacement",
      "Council Tax Online", "Planning Portal", "Housing Repairs Service"]),
    ("Financial Services", "Financial services",
     ["Bank", "Building Society", "Insurance", "Capital", "Mutual", "Pensions"],
     ["Claims Automation", "Mortgage Origination Platform", "Fraud Analytics",
      "Open Banking APIs", "Core Banking Migration", "Customer Onboarding Journey"]),
    ("Health", "Health",
     ["NHS Trust", "Health Partnership", "Hospital Trust", "Care Group", "Clinics", "Pharma"],
     ["Patient Booking Service", "Waiting List Analytics", "Electronic Prescribing",
      "Community Care App", "Clinical Data Platform", "Discharge Planning"]),
    ("Retail", "Retail",
     ["Stores", "Grocers", "Fashion", "Home and Garden", "Outdoor", "Pharmacy"],
     ["E-commerce Replatform", "Loyalty Programme", "Store Stock Visibility",
      "Click and Collect", "Pricing Engine", "Checkout Optimisation"]),
    ("Energy & Utilities", "Energy and utilities",
     ["Energy", "Water", "Power", "Renewables", "Gas Networks", "Grid"],
     ["Smart Meter Insights", "Field Workforce Scheduling", "Outage Communications",
      "Billing Modernisation", "Leakage Detection", "Net Zero Reporting"]),
    ("Telecoms & Media", "Telecoms and media",
     ["Telecom", "Broadband", "Media Group", "Broadcasting", "Publishing", "Mobile"],
     ["Self-service Fault Tracking", "Streaming Platform", "Churn Prediction",
      "Network Inventory", "Subscription Billing", "Content Recommendation"]),
    ("Manufacturing", "Manufacturing",
     ["Engineering", "Foods", "Aerospace", "Plastics", "Automotive", "Industries"],
     ["Shop Floor Data Capture", "Predictive Maintenance", "Supplier Portal",
      "Quality Analytics", "ERP Integration", "Digital Twin Pilot"]),
    ("Transport & Logistics", "Transport and logistics",
     ["Rail", "Logistics", "Freight", "Airport", "Buses", "Ports"],
     ["Journey Planner", "Fleet Telematics", "Warehouse Slotting", "Delay Repay Service",
      "Route Optimisation", "Passenger Information"]),
    ("Education", "Education",
     ["University", "College", "Academy Trust", "School of Art", "Learning Partnership",
      "Institute"],
     ["Student Records Replacement", "Admissions Journey", "Virtual Learning Platform",
      "Timetabling Service", "Research Data Portal", "Alumni Engagement"]),
    ("Charities", "Charities and non-profit",
     ["Trust", "Foundation", "Community Action", "Hospice", "Wildlife Trust", "Housing Charity"],
     ["Supporter Journey", "Donation Platform", "Volunteer Matching", "Grant Management",
      "Impact Reporting", "Helpline Modernisation"]),
]  # fmt: skip

GENERIC_ENGAGEMENTS = [
    "Discovery", "Data Platform", "Cloud Migration", "Agile Coaching", "Service Design",
    "API Strategy", "Legacy Modernisation", "Product Operating Model", "DevOps Enablement",
    "Analytics Dashboards", "Security Review", "Accessibility Audit", "Delivery Assurance",
    "Architecture Review", "Platform Engineering",
]  # fmt: skip
RETAINER_ENGAGEMENTS = ["Advisory Retainer", "Executive Coaching", "Strategy Sounding Board"]

PLACES = [
    "Northbridge", "Ashcombe", "Kestrel", "Brightwater", "Oakmere", "Harbourside", "Millbrook",
    "Redcliffe", "Thornbury", "Elmstead", "Westmoor", "Greyfriars", "Sandhurst", "Larkspur",
    "Fairhaven", "Stonebridge", "Riverside", "Highgate", "Marlow", "Pennine", "Severn",
    "Cobalt", "Meridian", "Beacon", "Summit", "Northgate", "Linden", "Alder", "Juniper",
    "Hawthorn", "Silverline", "Bluewater", "Castlegate", "Kingsmead", "Foxley", "Wyvern",
    "Calder", "Tamar", "Avonmore", "Glenfield",
]  # fmt: skip

FIRST_NAMES = [
    "Aisha", "Alex", "Amara", "Ana", "Arjun", "Ben", "Bjorn", "Carmen", "Chen", "Chloé",
    "Dana", "Daniel", "Dev", "Eilidh", "Elena", "Emeka", "Emma", "Farah", "Finn", "Gabriel",
    "Grace", "Hamza", "Hannah", "Ines", "Isaac", "Jamal", "Jess", "José", "Kai", "Kemi",
    "Laura", "Leon", "Lucia", "Maya", "Mei", "Mohammed", "Nadia", "Ngozi", "Niamh", "Noah",
    "Oliver", "Omar", "Priya", "Rafael", "Rhys", "Rosa", "Ruth", "Sam", "Sana", "Siobhán",
    "Sofia", "Tariq", "Tom", "Tomasz", "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zoë",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Ahmed", "Andersson", "Bailey", "Banerjee", "Brennan", "Campbell", "Chen",
    "Clarke", "Costa", "Da Silva", "Davies", "Evans", "Fernández", "Fischer", "Gallagher",
    "García", "Green", "Hall", "Hughes", "Iqbal", "Jones", "Kaur", "Kowalski", "Kumar", "Lee",
    "Lewis", "Lopez", "MacLeod", "Martin", "Mensah", "Morgan", "Müller", "Murphy", "Nguyen",
    "Novak", "O'Brien", "Okafor", "Olsen", "Owen", "Patel", "Price", "Quinn", "Rahman", "Reid",
    "Roberts", "Rossi", "Santos", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Turner",
    "Van Dijk", "Walker", "Wang", "Williams", "Wilson", "Wright",
]  # fmt: skip
CONTACT_ROLES = [
    "Head of Operations", "Chief Information Officer", "Service Owner", "Programme Director",
    "Chief Digital Officer", "Product Director", "Finance Director",
]  # fmt: skip

# (title, metric, unit, baseline range, direction, relative change of the target, decimals)
OUTCOME_TEMPLATES = [
    ("Cut processing time", "average processing time", "days", (8, 30), "decrease",
     (0.3, 0.6), 1),
    ("Raise online conversion", "online conversion rate", "%", (1.5, 4), "increase",
     (0.2, 0.6), 2),
    ("Reduce cloud costs", "monthly cloud spend", "£k", (40, 300), "decrease", (0.15, 0.4), 0),
    ("Improve customer satisfaction", "customer satisfaction score", "points", (55, 72),
     "increase", (0.08, 0.2), 1),
    ("Shorten lead time", "lead time for changes", "days", (10, 45), "decrease", (0.4, 0.7), 1),
    ("Fewer failed deployments", "change failure rate", "%", (12, 30), "decrease",
     (0.3, 0.6), 1),
    ("Grow self-service use", "share of requests handled online", "%", (20, 45), "increase",
     (0.3, 0.8), 1),
    ("Reduce call volumes", "calls per week", "calls", (2000, 9000), "decrease", (0.1, 0.3), 0),
    ("Clear the backlog", "open cases", "cases", (400, 3000), "decrease", (0.3, 0.6), 0),
    ("Faster onboarding", "time to onboard a customer", "days", (5, 20), "decrease",
     (0.3, 0.6), 1),
    ("Increase staff adoption", "weekly active users", "users", (100, 1500), "increase",
     (0.3, 1.0), 0),
    ("Lift first-contact resolution", "first-contact resolution", "%", (45, 65), "increase",
     (0.1, 0.25), 1),
]  # fmt: skip

ACTIVITY_TOPICS = [
    "outcome-based contracts", "service design in the public sector", "AI in claims handling",
    "data mesh in practice", "product thinking for IT teams", "legacy modernisation",
    "measuring what clients gain", "platform teams", "accessibility by default",
    "cloud cost control", "user research on a budget", "delivery without estimates",
    "team topologies", "responsible AI", "continuous delivery in regulated industries",
]  # fmt: skip
# kind: (title pattern, venues, audience range, lead choices)
ACTIVITY_KINDS = {
    Activity.Kind.TALK: ("{Topic}: lessons from the field",
                         ["Delivery Summit", "Product Tank", "DevOps Days", "City Tech Meetup"],
                         (40, 600), (0, 0, 1, 1, 2, 3)),
    Activity.Kind.PANEL: ("Panel: the future of {topic}",
                          ["Industry Forum", "Digital Leaders", "Sector Breakfast"],
                          (60, 400), (0, 0, 0, 1, 2)),
    Activity.Kind.WEBINAR: ("Webinar: getting started with {topic}",
                            ["Company webinar", "Partner webinar"], (30, 400), (0, 0, 1, 2)),
    Activity.Kind.PODCAST: ("Podcast guest: {topic}",
                            ["Delivery Matters podcast", "The Product Show", "Tech Talk Weekly"],
                            (300, 5000), (0, 0, 0, 1)),
    Activity.Kind.BLOG_POST: ("What we learned about {topic}", ["Company blog", "Medium"],
                              (150, 3000), (0, 0, 0, 0, 1)),
    Activity.Kind.SOCIAL_POST: ("Thoughts on {topic}", ["LinkedIn", "Mastodon", "Bluesky"],
                                (500, 20000), (0, 0, 0, 0, 0, 0, 1)),
    Activity.Kind.NEWSLETTER: ("Newsletter: {topic}", ["Monthly newsletter"], (300, 4000),
                               (0, 0, 0, 1)),
    Activity.Kind.AWARD: ("Shortlisted: {topic} award", ["Industry Awards"], (200, 1500),
                          (0, 1)),
}  # fmt: skip
ACTIVITY_KIND_WEIGHTS = {
    # a typical consultant writes and speaks now and then
    "normal": {"talk": 20, "blog_post": 25, "social_post": 20, "webinar": 10, "podcast": 8,
               "panel": 7, "newsletter": 7, "award": 3},
    # the all-brand ones post and podcast a lot
    "all_brand": {"social_post": 40, "blog_post": 20, "podcast": 15, "talk": 10, "panel": 10,
                  "newsletter": 5},
}  # fmt: skip
ACTIVITIES_PER_WEEK = {"normal": (0.1, 0.35), "promoter": (0.5, 1.0), "all_brand": (1.5, 3.0)}
ACTIVITY_WEEKS_BEFORE = 8  # activities start before the period, so early work has a source

# share of (client, promotion) time; internal is the rest
KIND_SHARES = {
    "normal": ((0.70, 0.85), (0.05, 0.15)),
    "promoter": ((0.55, 0.65), (0.22, 0.32)),
    "all_brand": ((0.10, 0.20), (0.60, 0.72)),
}
PROMOTER_SHARE = 0.1
KINDS = (Kind.CLIENT.value, Kind.PROMOTION.value, Kind.INTERNAL.value)
ENTRIES_PER_DAY = (4, 5, 6)
ENTRIES_PER_DAY_CUM = (0.2, 0.8, 1.0)  # mean 5

# No tab, newline or backslash: the COPY writer sends notes as they are.
NOTES = {
    Kind.CLIENT.value: ["Workshop", "Stakeholder interviews", "Delivery", "Sprint review",
                        "Analysis", "Report writing", "Client meeting", "Pairing with client team",
                        "Backlog refinement", "Prototype", ""],
    Kind.PROMOTION.value: ["Preparing talk", "Writing post", "Networking event", "Podcast prep",
                           "LinkedIn", "Slides", ""],
    Kind.INTERNAL.value: ["Team meeting", "Training", "Admin", "Recruiting interviews",
                          "Knowledge sharing", "1:1s", "Bid writing", ""],
}  # fmt: skip

# What the demo manager wrote on the week they returned to the demo consultant.
RETURN_COMMENT = ("Some internal time has no note: please say what it was for, "
                  "then submit the week again.")

# Client confirmations (docs/confirmations.md): of the achieved outcomes, about this share is
# confirmed by a client contact through their link, these few disputed or still unanswered
# (at least one each once there are enough), the rest never put to the client; CARDS of the
# confirmations come with consent to a public card, the first of them naming the contact.
CONFIRMED_SHARE = 0.5
DISPUTED_SHARE = 0.06
PENDING_SHARE = 0.06
CARDS = 2
# The contacts' e-mail domains: <client-slug>.example, a name reserved for examples.
CONTACT_EMAIL_TLD = "example"
DISPUTE_COMMENTS = [
    "The last figure includes the pilot region only; across all regions we are not there yet.",
    "We measured this differently: our own dashboard shows about half of that improvement.",
    "The achievement date is too early: the change went live a month later.",
    "This counts work our internal team did before the engagement started.",
]
