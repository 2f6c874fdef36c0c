//! The search parameter grammar of the `fhir_query` target: dates with prefixes and precisions,
//! id lists, tokens and the other values Cerner's DSTU2 and R4 searches take, and parameter lists shaped
//! like each type's documented searches.

use proptest::prelude::*;
use proptest::sample::{Index, select};

/// A date value with an optional prefix, from well formed to nearly so.
pub(super) fn date() -> BoxedStrategy<String> {
    let prefix = select(&["", "", "ge", "gt", "le", "lt", "eq", "ne", "sa", "eb", "ap", "GE", "g"][..]);
    let year = prop_oneof![8 => 2019..2031i32, 1 => 0..10000i32, 1 => -5..100_000i32];
    let zone = select(&["Z", "+05:00", "-23:59", "+24:00", "+14:00", "", "z", "+0530"][..]);
    let time = (
        0..26u8,
        0..62u8,
        proptest::option::of(0..62u8),
        proptest::option::of(select(&[".000", ".5", ".123456"][..])),
        zone,
    )
        .prop_map(|(h, m, s, frac, zone)| {
            let seconds = s.map(|s| format!(":{s:02}{}", frac.unwrap_or_default())).unwrap_or_default();
            format!("T{h:02}:{m:02}{seconds}{zone}")
        });
    (prefix, year, proptest::option::of((0..14u8, proptest::option::of((0..33u8, proptest::option::of(time))))))
        .prop_map(|(prefix, year, rest)| {
            let rest = rest.map(|(month, day)| {
                let day = day.map(|(d, t)| format!("-{d:02}{}", t.unwrap_or_default())).unwrap_or_default();
                format!("-{month:02}{day}")
            });
            format!("{prefix}{year:04}{}", rest.unwrap_or_default())
        })
        .boxed()
}

pub(super) fn ids() -> BoxedStrategy<String> {
    let one = prop_oneof![
        4 => select(&["4817508", "12724066", "593923", "21503380", "21304876", "32216049", "30000001", "30000150",
            "24477854-21304876-62852027-0", "97855447"][..]).prop_map(str::to_owned),
        2 => "[A-Za-z0-9.-]{0,66}",
        1 => "\\PC{0,8}",
    ];
    proptest::collection::vec(one, 1..4).prop_map(|ids| ids.join(",")).boxed()
}

/// Any value a parameter might be given.
pub(super) fn value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => date(),
        4 => ids(),
        1 => "(proposed|booked|arrived|fulfilled|cancelled|noshow|Booked|)(,(booked|pending|done|))?",
        1 => "([a-z:/.]{0,12}\\|)?[A-Za-z0-9|]{0,10}",
        1 => "(-?[0-9]{1,22}|1e3|0x10| 5)",
        1 => "(planned|arrived|triaged|in-progress|onleave|finished|cancelled|unknown|)(,(finished|done|))?",
        1 => select(&["Slot:schedule", "Schedule:actor:Practitioner", "Schedule:actor", "Practitioner/593923", "Practitioner/", "male", "female",
            "NEXT", "PREVIOUS", "next"][..]).prop_map(str::to_owned),
        2 => "\\PC{0,24}",
    ]
    .boxed()
}

pub(super) fn name() -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(&["_id", "patient", "practitioner", "location", "date", "status", "_count", "identifier", "name",
            "family", "given", "birthdate", "phone", "email", "address-postalcode", "gender", "slot-type", "start",
            "schedule.actor", "-location", "_include", "-pageContext", "-pageDirection", "name:exact", "_format", "",
            "subject", "account", "_lastUpdated", "service-type", "-date-or-req-period", "-physicalType", "type",
            "address", "address-city", "address-state", "organization", "active"][..])
            .prop_map(str::to_owned),
        1 => "[a-z_:.-]{1,12}",
        1 => "\\PC{1,8}",
    ]
    .boxed()
}

/// Parameters shaped like a type's documented searches, then disturbed at random.
pub(super) fn pairs() -> BoxedStrategy<(usize, Vec<(String, String)>)> {
    let p = |n: &'static str| value().prop_map(move |v| (n.to_owned(), v));
    let shaped = prop_oneof![
        (
            select(&["patient", "practitioner", "location"][..]),
            ids(),
            date(),
            proptest::option::of(date()),
            proptest::option::of(value())
        )
            .prop_map(|(actor, ids, d1, d2, status)| {
                let mut v = vec![(actor.to_owned(), ids), ("date".to_owned(), d1)];
                v.extend(d2.map(|d| ("date".to_owned(), d)));
                v.extend(status.map(|s| ("status".to_owned(), s)));
                (0, v)
            }),
        proptest::collection::vec(
            prop_oneof![
                p("name"),
                p("family"),
                p("given"),
                p("birthdate"),
                p("gender"),
                p("identifier"),
                p("phone"),
                p("email"),
                p("address-postalcode"),
                p("_id")
            ],
            1..4
        )
        .prop_map(|v| (2, v)),
        (value(), date(), proptest::option::of(date()), proptest::option::of(value()), any::<bool>()).prop_map(
            |(types, s1, s2, actor, include)| {
                let mut v = vec![("slot-type".to_owned(), types), ("start".to_owned(), s1)];
                v.extend(s2.map(|s| ("start".to_owned(), s)));
                v.extend(actor.map(|a| ("schedule.actor".to_owned(), a)));
                v.extend(include.then(|| ("_include".to_owned(), "Slot:schedule".to_owned())));
                (5, v)
            }
        ),
        (
            select(&["patient", "subject", "account", "identifier"][..]),
            ids(),
            proptest::option::of(date()),
            proptest::option::of(value()),
            proptest::collection::vec(date(), 0..3)
        )
            .prop_map(|(criterion, ids, date, status, updated)| {
                let mut v = vec![(criterion.to_owned(), ids)];
                v.extend(date.map(|d| ("date".to_owned(), d)));
                v.extend(status.map(|s| ("status".to_owned(), s)));
                v.extend(updated.into_iter().map(|u| ("_lastUpdated".to_owned(), u)));
                (1, v)
            }),
        (0..7usize, ids()).prop_map(|(t, ids)| (t, vec![("_id".to_owned(), ids)])),
        (0..7usize, proptest::collection::vec((name(), value()), 0..6)),
    ];
    let extra = proptest::option::of((name(), value(), any::<Index>()));
    let count = proptest::option::weighted(0.3, value().prop_map(|v| ("_count".to_owned(), v)));
    (shaped, extra, count)
        .prop_map(|((kind, mut pairs), extra, count)| {
            if let Some((name, value, at)) = extra {
                pairs.insert(at.index(pairs.len() + 1), (name, value));
            }
            pairs.extend(count);
            (kind, pairs)
        })
        .boxed()
}
