//! Word lists for synthetic people, places and visit types. People's names are plain ASCII
//! letters, so they double as e-mail local parts and need no escaping in the narrative.

pub(super) const FAMILY: [&str; 40] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
];

pub(super) const GIVEN_FEMALE: [&str; 24] = [
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Nancy",
    "Lisa",
    "Betty",
    "Margaret",
    "Sandra",
    "Ashley",
    "Emily",
    "Donna",
    "Michelle",
    "Carol",
    "Amanda",
    "Melissa",
    "Deborah",
    "Stephanie",
];

pub(super) const GIVEN_MALE: [&str; 24] = [
    "James",
    "Robert",
    "John",
    "Michael",
    "David",
    "William",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Donald",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kenneth",
    "Kevin",
    "Brian",
    "George",
];

/// A practitioner's credential (the name suffix Cerner prints, as in "Sisko, Jon PT") and the
/// role text an Appointment participant carries for it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Credential {
    pub suffix: &'static str,
    pub role: &'static str,
}

/// Weighted by repetition: most schedulable providers are physicians.
pub(super) const CREDENTIALS: [Credential; 8] = [
    Credential { suffix: "MD", role: "Physicians" },
    Credential { suffix: "MD", role: "Physicians" },
    Credential { suffix: "MD", role: "Physicians" },
    Credential { suffix: "MD", role: "Physicians" },
    Credential { suffix: "DO", role: "Physicians" },
    Credential { suffix: "NP", role: "Nurse Practitioners" },
    Credential { suffix: "PA-C", role: "Physician Assistants" },
    Credential { suffix: "PT", role: "PT Therapists" },
];

/// Appointment/slot types of Cerner code set 14249. The first two codes are the ones
/// fhir.cerner.com's examples show; the others are invented for the emulator.
pub(super) const VISIT_TYPES: [(&str, &str); 8] = [
    ("24477854", "Established Patient"),
    ("26054577", "PT Eval"),
    ("24477861", "New Patient"),
    ("24477868", "Follow Up"),
    ("24477875", "Annual Physical"),
    ("24477882", "Telehealth Visit"),
    ("24477889", "Post Op Check"),
    ("24477896", "Lab Review"),
];

pub(super) const STREETS: [&str; 12] = [
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Pine St",
    "Elm St",
    "Walnut Ave",
    "Park Blvd",
    "Lakeview Dr",
    "Hillcrest Rd",
    "Sunset Blvd",
    "Washington St",
];

/// A town for addresses: its name, county, state, ZIP prefix (3 digits) and phone area code.
#[derive(Debug, Clone, Copy)]
pub(super) struct Town {
    pub city: &'static str,
    pub district: &'static str,
    pub state: &'static str,
    pub zip3: &'static str,
    pub area: &'static str,
}

pub(super) const TOWNS: [Town; 8] = [
    Town { city: "Kansas City", district: "Jackson", state: "MO", zip3: "641", area: "816" },
    Town { city: "Independence", district: "Jackson", state: "MO", zip3: "640", area: "816" },
    Town { city: "Overland Park", district: "Johnson", state: "KS", zip3: "662", area: "913" },
    Town { city: "Olathe", district: "Johnson", state: "KS", zip3: "660", area: "913" },
    Town { city: "Lee's Summit", district: "Jackson", state: "MO", zip3: "640", area: "816" },
    Town { city: "Liberty", district: "Clay", state: "MO", zip3: "640", area: "816" },
    Town { city: "Lawrence", district: "Douglas", state: "KS", zip3: "660", area: "785" },
    Town { city: "Saint Joseph", district: "Buchanan", state: "MO", zip3: "645", area: "816" },
];

/// Location names used when the spec names no locations.
pub(super) const DEFAULT_LOCATIONS: [&str; 4] =
    ["MX Clinic North", "OP Rehab East", "Family Medicine West", "Cardiology South"];
