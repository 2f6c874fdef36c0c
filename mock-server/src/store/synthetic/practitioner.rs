//! Synthetic Practitioners, shaped like fhir.cerner.com's DSTU2 Practitioner read example: an NPI
//! identifier, `active`, one `name` (DSTU2 allows a single HumanName here) and `gender`.

use std::fmt::Write as _;

use serde::Serialize;

use super::SyntheticSpec;
use super::calendar::{self, SECS_PER_DAY};
use super::json::{Coding, Concept, HumanName, IDENTIFIER_TYPE, Identifier, Meta, Narrative, Period, Sink, version};
use super::names::{CREDENTIALS, FAMILY, GIVEN_FEMALE, GIVEN_MALE, VISIT_TYPES};
use super::world::{Person, Sequence, World, id};
use crate::rng::{Rng, Stream};
use crate::store::ResourceType;

const NPI_TYPE: [Coding<'static>; 1] =
    [Coding { system: IDENTIFIER_TYPE, code: "NPI", display: "National provider identifier", user_selected: false }];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Practitioner<'a> {
    resource_type: &'static str,
    id: &'a str,
    meta: Meta<'a>,
    text: Narrative<'a>,
    identifier: [Identifier<'a>; 1],
    active: bool,
    name: HumanName<'a>,
    gender: &'static str,
}

/// Strings one practitioner borrows, reused from one to the next.
#[derive(Default)]
struct Texts {
    id: String,
    updated: String,
    since: String,
    npi: String,
    div: String,
}

pub(super) fn practitioners(spec: &SyntheticSpec, world: &mut World, sink: &mut Sink<'_>) {
    let mut rng = Rng::new(spec.seed, Stream::Practitioner);
    let mut texts = Texts::default();
    for index in 0..u64::from(spec.practitioners) {
        let female = rng.chance(500);
        let given = pick(&mut rng, if female { &GIVEN_FEMALE } else { &GIVEN_MALE });
        let family = pick(&mut rng, &FAMILY);
        let credential = rng.index(CREDENTIALS.len());
        let suffix = CREDENTIALS.get(credential).map_or("MD", |c| c.suffix);
        let person_id = id(spec.id_base, Sequence::Practitioner, index);
        let person = Person {
            id: person_id,
            reference: format!("Practitioner/{person_id}"),
            display: format!("{family}, {given} {suffix}"),
            visit: rng.index(VISIT_TYPES.len()),
            home: (index % world.locations.len().max(1) as u64) as usize,
            credential,
        };
        texts.fill(&mut rng, world, &person, index);
        let suffixes = [suffix];
        let name = HumanName {
            use_: "usual",
            text: &person.display,
            family: [family],
            given: [given],
            suffix: &suffixes,
            period: Period { start: &texts.since, end: None },
        };
        let version = version(rng.index(3));
        sink.send(ResourceType::Practitioner, &texts.resource(name, female, version));
        world.practitioners.push(person);
    }
}

pub(super) fn pick(rng: &mut Rng, words: &[&'static str]) -> &'static str {
    words.get(rng.index(words.len())).copied().unwrap_or("Unknown")
}

impl Texts {
    fn fill(&mut self, rng: &mut Rng, world: &World, person: &Person, index: u64) {
        for text in [&mut self.id, &mut self.updated, &mut self.since, &mut self.npi, &mut self.div] {
            text.clear();
        }
        let updated = world.first_secs - 1 - rng.below(3 * 365 * SECS_PER_DAY as u64) as i64;
        let since = updated - rng.below(10 * 365 * SECS_PER_DAY as u64) as i64;
        let _ = write!(self.id, "{}", person.id);
        calendar::push_instant(&mut self.updated, updated);
        calendar::push_instant(&mut self.since, since);
        let _ = write!(self.npi, "{}", 1_000_000_000 + index % 9_000_000_000);
        let _ = write!(
            self.div,
            "<div><p><b>Practitioner</b></p><p><b>Name</b>: {}</p><p><b>Identifiers</b>: NPI: {}</p><p><b>Status</b>: Active</p></div>",
            person.display, self.npi
        );
    }

    fn resource<'a>(&'a self, name: HumanName<'a>, female: bool, version: &'static str) -> Practitioner<'a> {
        let npi = Identifier {
            use_: "usual",
            kind: Concept { coding: &NPI_TYPE, text: Some("National Provider Identifier") },
            system: Some("http://hl7.org/fhir/sid/us-npi"),
            value: &self.npi,
            rendered: None,
            period: Period { start: &self.since, end: None },
        };
        Practitioner {
            resource_type: "Practitioner",
            id: &self.id,
            meta: Meta { version_id: version, last_updated: &self.updated },
            text: Narrative::generated(&self.div),
            identifier: [npi],
            active: true,
            name,
            gender: if female { "female" } else { "male" },
        }
    }
}
