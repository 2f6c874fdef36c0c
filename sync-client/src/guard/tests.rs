use time::macros::datetime;

use super::*;

fn base() -> Url {
    Url::parse("https://fhir.example/dstu2/t1/").unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[test]
fn a_next_link_must_stay_under_the_tenants_base() {
    let base = base();
    assert!(is_under(&base, &url("https://fhir.example/dstu2/t1/Appointment?-pageContext=x")));
    for outside in [
        "https://fhir.example/dstu2/t2/Appointment",
        "https://fhir.example/dstu2/t1/../t2/Appointment",
        "https://fhir.example/dstu2/t1/%2e%2e/t2/Appointment",
        "https://fhir.example/dstu2/t1",
        "https://fhir.example/dstu2/t10/Appointment",
        "http://fhir.example/dstu2/t1/Appointment",
        "https://fhir.example:8443/dstu2/t1/Appointment",
        "https://evil.example/dstu2/t1/Appointment",
    ] {
        assert!(!is_under(&base, &url(outside)), "{outside}");
    }
}

#[test]
fn paging_refuses_cycles_foreign_links_and_endless_pages() {
    let mut paging = Paging::new(&base(), 3);
    let page = |n: u32| url(&format!("https://fhir.example/dstu2/t1/Appointment?page={n}"));
    paging.admit(&page(1)).unwrap();
    paging.admit(&page(2)).unwrap();
    let cycle = paging.admit(&page(1)).unwrap_err().to_string();
    assert!(cycle.starts_with("paging cycle:"), "{cycle}");
    paging.admit(&page(3)).unwrap();
    let endless = paging.admit(&page(4)).unwrap_err().to_string();
    assert!(endless.contains("more than max_pages (3)"), "{endless}");
    paging.start_group();
    paging.admit(&page(5)).unwrap();
    assert!(paging.admit(&page(2)).unwrap_err().to_string().starts_with("paging cycle:"), "a page of an earlier group");
    let foreign = paging.admit(&url("https://fhir.example/dstu2/t2/Appointment?page=9")).unwrap_err().to_string();
    assert!(foreign.contains("outside the tenant's FHIR base (/dstu2/t2/Appointment)"), "{foreign}");
    let other = paging.admit(&url("https://fhir.example:8443/dstu2/t1/Appointment")).unwrap_err().to_string();
    assert!(other.starts_with("refused a next link to another origin (https://fhir.example:8443)"), "{other}");
}

#[test]
fn links_that_differ_only_by_fragment_port_or_escape_case_are_one_page() {
    let same = [
        ("https://fhir.example/dstu2/t1/Appointment?page=2", "https://fhir.example/dstu2/t1/Appointment?page=2#a"),
        ("https://fhir.example/dstu2/t1/Appointment?page=2#a", "https://fhir.example/dstu2/t1/Appointment?page=2#b"),
        ("https://fhir.example/dstu2/t1/Appointment?page=2", "https://FHIR.example:443/dstu2/t1/Appointment?page=2"),
        ("https://fhir.example/dstu2/t1/Appointment?c=a%2fb", "https://fhir.example/dstu2/t1/Appointment?c=a%2Fb"),
        ("https://fhir.example/dstu2/t1/%7eA/x", "https://fhir.example/dstu2/t1/%7EA/x"),
    ];
    for (first, second) in same {
        assert_eq!(page_key(&url(first)), page_key(&url(second)), "{first} / {second}");
        let mut paging = Paging::new(&base(), 10);
        paging.admit(&url(first)).unwrap();
        let refused = paging.admit(&url(second)).unwrap_err().to_string();
        assert!(refused.starts_with("paging cycle:"), "{second}: {refused}");
    }
    let different = [
        ("https://fhir.example/dstu2/t1/Appointment?c=a%2Fb", "https://fhir.example/dstu2/t1/Appointment?c=a/b"),
        ("https://fhir.example/dstu2/t1/Appointment?page=2", "https://fhir.example/dstu2/t1/Appointment?page=3"),
        ("https://fhir.example/dstu2/t1/Appointment?c=%zz", "https://fhir.example/dstu2/t1/Appointment?c=%ZZ"),
    ];
    for (first, second) in different {
        assert_ne!(page_key(&url(first)), page_key(&url(second)), "{first} / {second}");
    }
    assert_eq!(
        page_key(&url("https://fhir.example/dstu2/t1/A?x=%e2%82%ac%")),
        "https://fhir.example/dstu2/t1/A?x=%E2%82%AC%"
    );
}

#[test]
fn token_urls_are_trusted_on_the_base_origin_or_https_on_a_trusted_host() {
    let trusted = vec!["authorization.cerner.com".to_owned()];
    let base = base();
    let ok = |u: &str| trusted_token_url(&base, &url(u), &trusted).map_err(|e| e.to_string());
    ok("https://fhir.example/tenants/t1/token").unwrap();
    ok("https://AUTHORIZATION.cerner.com/tenants/t1/token").unwrap();
    assert!(ok("https://evil.example/token").unwrap_err().contains("evil.example is neither"));
    assert!(ok("http://authorization.cerner.com/token").unwrap_err().contains("not https"));
    assert!(ok("http://127.0.0.1:9/token").unwrap_err().contains("not https"), "a remote base, a loopback token URL");
    let local = url("http://127.0.0.1:8080/dstu2/t1/");
    trusted_token_url(&local, &url("http://127.0.0.1:8080/tenants/t1/token"), &trusted).unwrap();
    assert!(trusted_token_url(&local, &url("http://127.0.0.1:9999/token"), &trusted).is_err(), "another port");
}

fn limits() -> SyncLimits {
    SyncLimits {
        throttle_floor: Duration::from_secs(1),
        max_retry_after: Duration::from_secs(300),
        max_throttle_waits: 3,
        throttle_budget: Duration::from_secs(10),
        ..SyncLimits::default()
    }
}

#[test]
fn a_429_waits_at_least_the_floor() {
    let now = datetime!(2026-01-05 08:00 UTC);
    for retry_after in [None, Some(Duration::ZERO), Some(Duration::from_millis(10))] {
        let mut throttle = Throttle::new(&limits());
        assert_eq!(throttle.on_429(retry_after, now), ThrottleStep::Wait(Duration::from_secs(1)), "{retry_after:?}");
    }
}

#[test]
fn a_tenant_that_keeps_answering_429_is_deferred() {
    let now = datetime!(2026-01-05 08:00 UTC);
    let mut throttle = Throttle::new(&limits());
    for _ in 0..3 {
        assert!(matches!(throttle.on_429(None, now), ThrottleStep::Wait(_)));
    }
    let ThrottleStep::Defer { until, reason } = throttle.on_429(None, now) else { panic!("not deferred") };
    assert_eq!(until, datetime!(2026-01-05 08:00:01 UTC));
    assert!(reason.contains("after 3 waits in a row"), "{reason}");

    let mut throttle = Throttle::new(&limits());
    assert!(matches!(throttle.on_429(Some(Duration::from_secs(6)), now), ThrottleStep::Wait(_)));
    throttle.answered();
    let ThrottleStep::Defer { reason, .. } = throttle.on_429(Some(Duration::from_secs(6)), now) else {
        panic!("not deferred")
    };
    assert!(reason.contains("throttle_budget (10s; 6s waited already)"), "{reason}");
    assert_eq!(throttle.waited(), Duration::from_secs(6));
}

#[test]
fn a_wait_past_the_calendar_saturates() {
    let now = datetime!(9999-12-30 00:00 UTC);
    let mut throttle = Throttle::new(&limits());
    let ThrottleStep::Defer { until, .. } = throttle.on_429(Some(crate::http::MAX_RETRY_AFTER), now) else {
        panic!("not deferred")
    };
    assert_eq!(until, datetime!(9999-12-31 23:59:59.999_999_999 UTC));
}
