//! The admin client's wire JSON, URLs and error texts.

use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn fault_rule_serializes_to_the_documented_json() {
    let rule = FaultRule::new(
        FaultMatch::path("/dstu2/*/Appointment")
            .method("GET")
            .tenant("t1")
            .resource("Appointment")
            .client("c1")
            .nth(3)
            .every(2)
            .first(5)
            .probability(0.25, 7),
        FaultAction::Status { status: 503 },
    )
    .with_id("r1");
    let expected = json!({
        "id": "r1",
        "match": {"method": "GET", "path": "/dstu2/*/Appointment", "tenant": "t1", "resource": "Appointment",
                  "client": "c1", "nth": 3, "every": 2, "first": 5, "probability": 0.25, "seed": 7},
        "action": {"type": "status", "status": 503},
    });
    assert_eq!(serde_json::to_value(&rule).unwrap(), expected);
}

#[test]
fn a_sequence_uses_the_actions_key_and_every_action_has_its_documented_tag() {
    let actions = vec![
        FaultAction::Status { status: 500 },
        FaultAction::Throttle { retry_after: "120".into() },
        FaultAction::Delay { ms: 1500 },
        FaultAction::Reset,
        FaultAction::Truncate,
        FaultAction::Malformed,
        FaultAction::ExpireToken,
        FaultAction::RevokeApproval,
        FaultAction::ForeignNext { origin: "http://127.0.0.1:9".into() },
        FaultAction::ShortPage { keep: 2 },
        FaultAction::MoveEntryToLaterPage,
        FaultAction::NextCycle,
        FaultAction::NextSelf,
        FaultAction::EndlessNext,
        FaultAction::ForeignTenantNext { tenant: "t2".into() },
        FaultAction::HugePage { bytes: 1024 },
        FaultAction::ForeignTokenUrl { origin: "http://127.0.0.1:9".into() },
        FaultAction::Pass,
    ];
    let rule = FaultRule::sequence(FaultMatch::any(), actions);
    let expected = json!({"match": {}, "actions": [
        {"type": "status", "status": 500}, {"type": "throttle", "retry_after": "120"},
        {"type": "delay", "ms": 1500}, {"type": "reset"}, {"type": "truncate"}, {"type": "malformed"},
        {"type": "expire_token"}, {"type": "revoke_approval"},
        {"type": "foreign_next", "origin": "http://127.0.0.1:9"}, {"type": "short_page", "keep": 2},
        {"type": "move_entry_to_later_page"}, {"type": "next_cycle"}, {"type": "next_self"},
        {"type": "endless_next"}, {"type": "foreign_tenant_next", "tenant": "t2"},
        {"type": "huge_page", "bytes": 1024}, {"type": "foreign_token_url", "origin": "http://127.0.0.1:9"},
        {"type": "pass"},
    ]});
    let value = serde_json::to_value(&rule).unwrap();
    assert_eq!(value, expected);
    assert_eq!(serde_json::from_value::<FaultRule>(value).unwrap(), rule);
}

#[test]
fn a_journal_entry_decodes_from_the_documented_json() {
    let entry: JournalEntry = serde_json::from_value(json!({
        "seq": 42, "time": "2026-03-01T12:00:00Z", "wall_time": "2026-05-02T08:30:00.123456Z",
        "method": "GET", "path": "/dstu2/t1/Appointment", "query": "date=ge2026-03-01", "client_id": "c1",
        "tenant": "t1", "jti": null, "authorization": "Bearer", "accept": "application/json+fhir",
        "status": 503, "bytes": 321, "latency_ms": 1.25, "request_id": "abc",
        "fault": {"rule": "r1", "action": "status"},
    }))
    .unwrap();
    assert_eq!(entry.seq, 42);
    assert_eq!(entry.time, datetime!(2026-03-01 12:00:00 UTC));
    assert_eq!(entry.authorization.as_deref(), Some("Bearer"));
    assert_eq!(entry.jti, None);
    assert_eq!(entry.fault, Some(FaultApplied { rule: "r1".into(), action: "status".into() }));
    assert_eq!(entry.to_string(), "#42 GET /dstu2/t1/Appointment?date=ge2026-03-01 -> 503 client=c1 fault=r1:status");
}

#[test]
fn a_fault_view_decodes_with_its_counters() {
    let view: FaultView = serde_json::from_value(json!({
        "id": "fault-1", "match": {"path": "/dstu2/*/Appointment", "nth": 2},
        "actions": [{"type": "delay", "ms": 10}, {"type": "pass"}],
        "matched": 3, "applied": 1, "remaining": null,
    }))
    .unwrap();
    assert_eq!(view.id, "fault-1");
    assert_eq!(view.rule.matcher, FaultMatch::path("/dstu2/*/Appointment").nth(2));
    assert_eq!(view.rule.actions, Some(vec![FaultAction::Delay { ms: 10 }, FaultAction::Pass]));
    assert_eq!((view.matched, view.applied, view.remaining), (3, 1, None));
    assert_eq!(view.to_rule().id.as_deref(), Some("fault-1"));
}

#[test]
fn a_tenant_detail_decodes_with_its_summary() {
    let detail: TenantDetail = serde_json::from_value(json!({
        "id": "t1", "name": "Clinic", "fhir_base": "http://h/dstu2/t1/", "open_fhir_base": "http://h/open/dstu2/t1/",
        "r4_fhir_base": "http://h/r4/t1/", "open_r4_fhir_base": "http://h/open/r4/t1/",
        "token_url": "http://h/tenants/t1/token", "approved_accounts": ["c1"],
        "data": {"counts": {"Appointment": 2}, "appointment_statuses": {"booked": 2},
                 "appointment_starts": ["2026-01-05T09:00:00Z", "2026-02-05T16:30:00.5Z"],
                 "locations": [{"id": "L1", "appointments": 2}], "practitioners": []},
    }))
    .unwrap();
    assert_eq!(detail.info.approved_accounts, ["c1"]);
    let starts = detail.data.appointment_starts.unwrap();
    assert_eq!(starts.first, datetime!(2026-01-05 09:00:00 UTC));
    assert_eq!(detail.data.locations[0], ActorCount { id: "L1".into(), appointments: 2 });
}

#[test]
fn changes_serialize_with_their_op_tag() {
    let changes = [
        Change::add(json!({"resourceType": "Appointment", "id": "9"})),
        Change::reschedule("1", "2026-01-07T10:00:00.000Z", "2026-01-07T11:00:00.000Z"),
        Change::cancel("2"),
        Change::set_status("3", "noshow"),
        Change::replace(json!({"resourceType": "Slot", "id": "4", "freeBusyType": "busy"})),
        Change::remove(ResourceType::Slot, "5"),
    ];
    let expected = json!([
        {"op": "add", "resource": {"resourceType": "Appointment", "id": "9"}},
        {"op": "reschedule", "id": "1", "start": "2026-01-07T10:00:00.000Z", "end": "2026-01-07T11:00:00.000Z"},
        {"op": "cancel", "id": "2"},
        {"op": "set_status", "id": "3", "status": "noshow"},
        {"op": "replace", "resource": {"resourceType": "Slot", "id": "4", "freeBusyType": "busy"}},
        {"op": "remove", "resource_type": "Slot", "id": "5"},
    ]);
    assert_eq!(serde_json::to_value(changes).unwrap(), expected);
}

#[test]
fn admin_urls_encode_ids_and_journal_filters() {
    let client = AdminClient::new("http://127.0.0.1:8080/").unwrap();
    assert_eq!(
        client.url(&["tenants", "a/b c", "changes"]).unwrap().as_str(),
        "http://127.0.0.1:8080/__admin/tenants/a%2Fb%20c/changes"
    );
    assert_eq!(client.journal_url(&JournalQuery::new()).unwrap().as_str(), "http://127.0.0.1:8080/__admin/journal");
    let query = JournalQuery::new().tenant("t1").client("c&1").path_prefix("/dstu2/").since(7);
    assert_eq!(
        client.journal_url(&query).unwrap().as_str(),
        "http://127.0.0.1:8080/__admin/journal?tenant=t1&client=c%261&path_prefix=%2Fdstu2%2F&since=7"
    );
}

#[test]
fn an_origin_with_a_path_or_credentials_is_refused_without_echoing_them() {
    for origin in ["http://127.0.0.1:8080/dstu2", "ftp://h", "not a url", "http://h/?a=b"] {
        assert!(matches!(AdminClient::new(origin), Err(AdminError::BadOrigin(_))), "{origin}");
    }
    let error = AdminClient::new("http://u:hunter2@h:1").unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn errors_display_on_one_line() {
    let status = status_error(409, br#"{"error": "the clock is real;\n it cannot move"}"#);
    assert_eq!(status.to_string(), "admin API answered 409: the clock is real; it cannot move");
    assert_eq!(status_error(502, b"").to_string(), "admin API answered 502: (empty body)");
    assert_eq!(status_error(500, b"<html>\nboom</html>").to_string(), "admin API answered 500: <html> boom</html>");
    let decode = decode::<ClockState>(b"{}", "GET /__admin/clock").unwrap_err();
    assert!(decode.to_string().starts_with("unexpected admin API answer: GET /__admin/clock: missing field"));
    assert_eq!(AdminError::BadOrigin("x".into()).to_string(), "bad admin origin: x");
}

#[test]
fn the_admin_token_never_shows_in_debug() {
    let client = AdminClient::new("http://127.0.0.1:8080").unwrap().with_token("s3cret-token");
    let debug = format!("{client:?} {client:#?}");
    assert!(!debug.contains("s3cret-token"), "{debug}");
    assert!(debug.contains("***"), "{debug}");
}
