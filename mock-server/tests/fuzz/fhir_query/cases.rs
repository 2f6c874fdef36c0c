//! The cases of the `fhir_query` target: which endpoint, tenant and type a request goes to, how its
//! query is written (pairs, raw bytes or a mutated `next` link), its credentials and `Accept`,
//! weighted so most cases reach the parsers and enough go astray to try every refusal.

use percent_encoding::{NON_ALPHANUMERIC, percent_encode};
use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::params::{name, pairs, value};
use crate::driver::{SANDBOX, SECOND, UNAPPROVED};

#[derive(Debug, Clone)]
pub(super) enum Auth {
    None,
    Valid,
    OtherTenant,
    PatientOnly,
    Raw(String),
}

fn auth() -> BoxedStrategy<Auth> {
    prop_oneof![
        1 => Just(Auth::None),
        6 => Just(Auth::Valid),
        1 => Just(Auth::OtherTenant),
        1 => Just(Auth::PatientOnly),
        1 => "(Bearer |bearer |Basic |)[ -~]{0,60}".prop_map(Auth::Raw),
    ]
    .boxed()
}

/// A path segment: a known value mostly, else anything, percent-encoded (also invalid UTF-8).
fn segment(known: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(known).prop_map(str::to_owned),
        1 => "[A-Za-z0-9.-]{1,70}",
        1 => proptest::collection::vec(any::<u8>(), 1..40).prop_map(|b| percent_encode(&b, NON_ALPHANUMERIC).to_string()),
    ]
    .boxed()
}

fn accept() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        16 => Just(None),
        3 => select(&["application/json+fhir", "application/json", "*/*", "application/xml+fhir", "text/html;q=0.9, */*;q=0",
            "application/json;q=0"][..]).prop_map(|s| Some(s.to_owned())),
        1 => "[ -~]{0,40}".prop_map(Some),
    ]
    .boxed()
}

/// How a query string is written: form-encoded, raw (bad escapes, `+`, stray `&`), or arbitrary.
#[derive(Debug, Clone)]
pub(super) enum QueryText {
    Pairs {
        kind: usize,
        pairs: Vec<(String, String)>,
        encoded: bool,
    },
    Raw(Vec<u8>),
    /// A real `next`/`previous` link, then `mutation` applied to its token and parameters.
    Page {
        link: Index,
        mutation: PageMutation,
    },
}

#[derive(Debug, Clone)]
pub(super) enum PageMutation {
    AsIs,
    FlipChar(Index, char),
    Truncate(Index),
    Direction(String),
    DropDirection,
    Append(String, String),
    OtherTenant,
    OtherType(Index),
    Replace(String),
}

fn query() -> BoxedStrategy<QueryText> {
    let mutation = prop_oneof![
        2 => Just(PageMutation::AsIs),
        3 => (any::<Index>(), any::<char>()).prop_map(|(i, c)| PageMutation::FlipChar(i, c)),
        1 => any::<Index>().prop_map(PageMutation::Truncate),
        1 => "(NEXT|PREVIOUS|next|\\PC{0,6})".prop_map(PageMutation::Direction),
        1 => Just(PageMutation::DropDirection),
        2 => (name(), value()).prop_map(|(n, v)| PageMutation::Append(n, v)),
        1 => Just(PageMutation::OtherTenant),
        1 => any::<Index>().prop_map(PageMutation::OtherType),
        1 => "[A-Za-z0-9_.-]{0,80}".prop_map(PageMutation::Replace),
    ];
    prop_oneof![
        6 => (pairs(), any::<bool>()).prop_map(|((kind, pairs), encoded)| QueryText::Pairs { kind, pairs, encoded }),
        2 => proptest::collection::vec(any::<u8>(), 0..160).prop_map(QueryText::Raw),
        2 => (any::<Index>(), mutation).prop_map(|(link, mutation)| QueryText::Page { link, mutation }),
    ]
    .boxed()
}

#[derive(Debug, Clone)]
pub(super) struct Case {
    pub(super) secured: bool,
    pub(super) r4: bool,
    pub(super) tenant: String,
    /// A resource type index, or a segment of its own.
    pub(super) kind: Result<usize, String>,
    pub(super) read_id: Option<String>,
    pub(super) query: QueryText,
    pub(super) auth: Auth,
    pub(super) accept: Option<String>,
}

pub(super) fn case() -> BoxedStrategy<Case> {
    let kind = prop_oneof![
        9 => Just(Ok(usize::MAX)),
        1 => segment(&["metadata", ".well-known", "Appointments", "appointment", "Binary"]).prop_map(Err),
    ];
    let read_id = proptest::option::weighted(0.15, segment(&["4817508", "12724066", "593923", "97855447", "30000001"]));
    (
        any::<u8>(),
        segment(&[SANDBOX, SANDBOX, SANDBOX, SANDBOX, SECOND, UNAPPROVED]),
        kind,
        read_id,
        query(),
        auth(),
        accept(),
    )
        .prop_map(|(bits, tenant, kind, read_id, query, auth, accept)| Case {
            secured: bits % 4 != 0,
            r4: bits % 3 == 0,
            tenant,
            kind,
            read_id,
            query,
            auth,
            accept,
        })
        .boxed()
}
