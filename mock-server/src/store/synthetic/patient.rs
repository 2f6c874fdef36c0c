//! Synthetic Patients, shaped like fhir.cerner.com's DSTU2 Patient read example: an MRN under
//! Cerner's `urn:oid:2.16.840.1.113883.6.1000` with its zero-padded rendering, an official name,
//! home phone and e-mail, a home address, and a `careProvider` among the generated Practitioners.
//! Every field the Patient search reads (name, identifier, telecom, address-postalcode, gender,
//! birthdate) is present.

use std::fmt::Write as _;

use serde::Serialize;

use super::SyntheticSpec;
use super::calendar::{self, SECS_PER_DAY};
use super::json::{Coding, Concept, HumanName, IDENTIFIER_TYPE, Identifier, Meta, Narrative, Period};
use super::json::{RENDERED_VALUE, Reference, Rendered, Sink, StringExtension, version};
use super::names::{FAMILY, GIVEN_FEMALE, GIVEN_MALE, STREETS, TOWNS, Town};
use super::practitioner::pick;
use super::world::{Person, Sequence, World, id};
use crate::rng::{Rng, Stream};
use crate::store::ResourceType;

const MRN_SYSTEM: &str = "urn:oid:2.16.840.1.113883.6.1000";
/// MRNs start here, above the sandbox fixtures' four-digit MRNs.
const FIRST_MRN: u64 = 1_000_000;
/// 1935-01-01 as a Unix day: the oldest birth date.
const OLDEST_BIRTH_DAY: i64 = -12_784;
const YEAR_SECS: u64 = 365 * SECS_PER_DAY as u64;

const MRN_TYPE: [Coding<'static>; 1] =
    [Coding { system: IDENTIFIER_TYPE, code: "MR", display: "Medical record number", user_selected: false }];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Patient<'a> {
    resource_type: &'static str,
    id: &'a str,
    meta: Meta<'a>,
    text: Narrative<'a>,
    identifier: [Identifier<'a>; 1],
    active: bool,
    name: [HumanName<'a>; 1],
    telecom: [ContactPoint<'a>; 2],
    gender: &'static str,
    birth_date: &'a str,
    address: [Address<'a>; 1],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    care_provider: &'a [Reference<'a>],
}

#[derive(Serialize)]
struct ContactPoint<'a> {
    system: &'static str,
    value: &'a str,
    #[serde(rename = "use")]
    use_: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Address<'a> {
    #[serde(rename = "use")]
    use_: &'static str,
    text: &'a str,
    line: [&'a str; 1],
    city: &'static str,
    district: &'static str,
    state: &'static str,
    postal_code: &'a str,
    country: &'static str,
}

/// The random choices behind one patient.
struct Draw {
    female: bool,
    given: &'static str,
    family: &'static str,
    town: Town,
    street: &'static str,
    birth_day: i64,
    /// `meta.lastUpdated` and the registration instant (identifier and name periods).
    updated: i64,
    since: i64,
    numbers: u64,
    provider: Option<usize>,
    version: usize,
}

/// Strings one patient borrows, reused from one to the next.
#[derive(Default)]
struct Texts {
    id: String,
    updated: String,
    since: String,
    mrn: String,
    rendered: String,
    phone: String,
    email: String,
    birth: String,
    line: String,
    address: String,
    postal: String,
    div: String,
}

pub(super) fn patients(spec: &SyntheticSpec, world: &mut World, sink: &mut Sink<'_>) {
    let mut rng = Rng::new(spec.seed, Stream::Patient);
    let mut texts = Texts::default();
    for index in 0..u64::from(spec.patients) {
        let draw = draw(&mut rng, world);
        let person_id = id(spec.id_base, Sequence::Patient, index);
        let person = Person {
            id: person_id,
            reference: format!("Patient/{person_id}"),
            display: format!("{}, {}", draw.family, draw.given),
            visit: 0,
            home: 0,
            credential: 0,
        };
        texts.fill(&draw, &person, index);
        let provider = draw.provider.and_then(|p| world.practitioners.get(p));
        let care = provider.map(|p| Reference { reference: &p.reference, display: Some(&p.display) });
        let care = care.as_slice();
        sink.send(ResourceType::Patient, &texts.resource(&draw, &person, care));
        world.patients.push(person);
    }
}

fn draw(rng: &mut Rng, world: &World) -> Draw {
    let female = rng.chance(520);
    let first_day = world.first_secs.div_euclid(SECS_PER_DAY);
    let births = (first_day - 365 - OLDEST_BIRTH_DAY).max(1) as u64;
    let updated = world.first_secs - 1 - rng.below(3 * YEAR_SECS) as i64;
    let birth_day = OLDEST_BIRTH_DAY + rng.below(births) as i64;
    Draw {
        female,
        given: pick(rng, if female { &GIVEN_FEMALE } else { &GIVEN_MALE }),
        family: pick(rng, &FAMILY),
        town: TOWNS.get(rng.index(TOWNS.len())).copied().unwrap_or(TOWNS[0]),
        street: pick(rng, &STREETS),
        birth_day,
        updated,
        since: (updated - rng.below(8 * YEAR_SECS) as i64).max(birth_day * SECS_PER_DAY),
        numbers: rng.next_u64(),
        provider: (!world.practitioners.is_empty()).then(|| rng.index(world.practitioners.len())),
        version: rng.index(5),
    }
}

impl Texts {
    fn fill(&mut self, draw: &Draw, person: &Person, index: u64) {
        self.clear();
        let town = draw.town;
        let _ = write!(self.id, "{}", person.id);
        calendar::push_instant(&mut self.updated, draw.updated);
        calendar::push_instant(&mut self.since, draw.since);
        let _ = write!(self.mrn, "{}", FIRST_MRN + index);
        let _ = write!(self.rendered, "{:011}", FIRST_MRN + index);
        let _ = write!(self.phone, "{}555{:04}", town.area, draw.numbers % 10_000);
        self.email.extend(draw.given.chars().chain(['.']).chain(draw.family.chars()));
        self.email.make_ascii_lowercase();
        let _ = write!(self.email, "{index}@example.com");
        calendar::push_date(&mut self.birth, draw.birth_day);
        let _ = write!(self.line, "{} {}", 100 + (draw.numbers >> 16) % 9_900, draw.street);
        let _ = write!(self.postal, "{}{:02}", town.zip3, (draw.numbers >> 32) % 100);
        // Cerner's example writes the line breaks of `address.text` as a literal backslash-n.
        let _ = write!(self.address, "{}\\n{}, {} {}\\nUS", self.line, town.city, town.state, self.postal);
        self.fill_div(draw, person);
    }

    fn fill_div(&mut self, draw: &Draw, person: &Person) {
        let _ = write!(self.div, "<div><p><b>Patient</b></p><p><b>Name</b>: {}</p><p><b>DOB</b>: ", person.display);
        calendar::push_div_date(&mut self.div, draw.birth_day);
        let gender = if draw.female { "Female" } else { "Male" };
        let _ = write!(self.div, "</p><p><b>Administrative Gender</b>: {gender}</p><p><b>Status</b>: Active</p></div>");
    }

    fn clear(&mut self) {
        for text in [
            &mut self.id,
            &mut self.updated,
            &mut self.since,
            &mut self.mrn,
            &mut self.rendered,
            &mut self.phone,
            &mut self.email,
            &mut self.birth,
            &mut self.line,
            &mut self.address,
            &mut self.postal,
            &mut self.div,
        ] {
            text.clear();
        }
    }

    fn resource<'a>(&'a self, draw: &Draw, person: &'a Person, care: &'a [Reference<'a>]) -> Patient<'a> {
        let name = HumanName {
            use_: "official",
            text: &person.display,
            family: [draw.family],
            given: [draw.given],
            suffix: &[],
            period: Period { start: &self.since, end: None },
        };
        Patient {
            resource_type: "Patient",
            id: &self.id,
            meta: Meta { version_id: version(draw.version), last_updated: &self.updated },
            text: Narrative::generated(&self.div),
            identifier: [self.mrn()],
            active: true,
            name: [name],
            telecom: [
                ContactPoint { system: "phone", value: &self.phone, use_: "home" },
                ContactPoint { system: "email", value: &self.email, use_: "home" },
            ],
            gender: if draw.female { "female" } else { "male" },
            birth_date: &self.birth,
            address: [self.address(draw.town)],
            care_provider: care,
        }
    }

    fn mrn(&self) -> Identifier<'_> {
        Identifier {
            use_: "usual",
            kind: Concept { coding: &MRN_TYPE, text: Some("MRN") },
            system: Some(MRN_SYSTEM),
            value: &self.mrn,
            rendered: Some(Rendered {
                extension: [StringExtension { url: RENDERED_VALUE, value_string: &self.rendered }],
            }),
            period: Period { start: &self.since, end: None },
        }
    }

    fn address(&self, town: Town) -> Address<'_> {
        Address {
            use_: "home",
            text: &self.address,
            line: [&self.line],
            city: town.city,
            district: town.district,
            state: town.state,
            postal_code: &self.postal,
            country: "US",
        }
    }
}
