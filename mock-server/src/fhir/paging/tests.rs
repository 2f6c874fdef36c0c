use super::*;

fn tenant(id: &str) -> TenantId {
    TenantId::parse(id).unwrap()
}
use proptest::prelude::*;

fn state() -> PageState {
    PageState {
        tenant: "t".into(),
        version: FhirVersion::Dstu2,
        resource_type: "Appointment".into(),
        params: vec![("location".into(), "1".into())],
        cursor: (5, 1),
        direction: Direction::Next,
        issued_ms: 0,
    }
}

#[test]
fn pages_in_an_order_of_their_own_continue_after_their_cursor() {
    let matches = [(1, 9), (1, 3), (1, 5), (2, 1)];
    assert_eq!(page_bounds_in_order(&matches, None, 2), (0, 2));
    assert_eq!(page_bounds_in_order(&matches, Some(((1, 3), Direction::Next)), 2), (2, 4));
    assert_eq!(page_bounds_in_order(&matches, Some(((1, 5), Direction::Previous)), 2), (0, 2));
    assert_eq!(page_bounds_in_order(&matches, Some(((1, 4), Direction::Next)), 2), (3, 4), "a gone cursor");
}

#[test]
fn a_borrowed_state_is_signed_as_the_state_and_needs_no_escaping() {
    let keys = PageKeys::generate();
    let state = PageState { params: vec![("a b".into(), "é&\"=".into())], ..state() };
    assert_eq!(serde_json::to_vec(&state.borrowed()).unwrap(), serde_json::to_vec(&state).unwrap());
    let token = keys.encode(&state);
    let mut pushed = "x".to_owned();
    keys.push_token(&state.borrowed(), &mut pushed);
    assert_eq!(pushed, format!("x{token}"));
    let escaped: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    assert_eq!(escaped, token);
}

#[test]
fn tokens_round_trip_and_refuse_tampering() {
    let keys = PageKeys::generate();
    let token = keys.encode(&state());
    assert_eq!(
        keys.decode(&token, "NEXT", FhirVersion::Dstu2, &tenant("t"), ResourceType::Appointment, 10),
        Ok(state())
    );
    assert_eq!(
        keys.decode(&token, "PREVIOUS", FhirVersion::Dstu2, &tenant("t"), ResourceType::Appointment, 10),
        Err(PageError::BadDirection)
    );
    assert_eq!(
        keys.decode(&token, "NEXT", FhirVersion::Dstu2, &tenant("u"), ResourceType::Appointment, 10),
        Err(PageError::OtherSearch)
    );
    assert_eq!(
        keys.decode(&token, "NEXT", FhirVersion::Dstu2, &tenant("t"), ResourceType::Slot, 10),
        Err(PageError::OtherSearch)
    );
    assert_eq!(
        keys.decode(&token, "NEXT", FhirVersion::R4, &tenant("t"), ResourceType::Appointment, 10),
        Err(PageError::OtherSearch)
    );
    assert_eq!(
        keys.decode(
            &token,
            "NEXT",
            FhirVersion::Dstu2,
            &tenant("t"),
            ResourceType::Appointment,
            PAGE_TOKEN_LIFETIME_MS + 1
        ),
        Err(PageError::Expired)
    );
    assert_eq!(
        PageKeys::generate().decode(&token, "NEXT", FhirVersion::Dstu2, &tenant("t"), ResourceType::Appointment, 0),
        Err(PageError::Invalid)
    );
    let mut forged = state();
    forged.tenant = "u".into();
    let (_, tag) = token.split_once('.').unwrap();
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
    assert_eq!(
        keys.decode(
            &format!("{payload}.{tag}"),
            "NEXT",
            FhirVersion::Dstu2,
            &tenant("u"),
            ResourceType::Appointment,
            0
        ),
        Err(PageError::Invalid)
    );
}

#[test]
fn pages_walk_every_key_once_both_ways() {
    let matches: Vec<Key> = (0..23).map(|i| (i / 3, i as u32)).collect();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let (start, end) = page_bounds(&matches, cursor, 5);
        seen.extend_from_slice(&matches[start..end]);
        if end == matches.len() {
            break;
        }
        cursor = Some((matches[end - 1], Direction::Next));
    }
    assert_eq!(seen, matches);
    assert_eq!(page_bounds(&matches, Some((matches[5], Direction::Previous)), 5), (0, 5));
    assert_eq!(page_bounds(&matches, Some((matches[3], Direction::Previous)), 5), (0, 3));
}

proptest! {
    #[test]
    fn decoding_never_panics(token in "\\PC{0,120}", direction in "[A-Z]{0,9}") {
        let keys = PageKeys::generate();
        let _ = keys.decode(&token, &direction, FhirVersion::Dstu2, &tenant("t"), ResourceType::Appointment, 0);
    }
}
