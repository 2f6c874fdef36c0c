//! The window-edge check over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

fn edges_in_truth() -> Evidence {
    let mut ev = evidence();
    let inside: Vec<(&str, &str, &str)> = EDGES.iter().filter(|e| e.3).map(|e| (e.0, "0", "booked")).collect();
    with_truth(&mut ev, SANDBOX, &inside);
    ev
}

#[test]
fn the_edges_pass_when_exactly_the_inside_ones_are_kept() {
    let mut ev = edges_in_truth();
    let inside: Vec<(&str, &str, &str)> = EDGES.iter().filter(|e| e.3).map(|e| (e.0, "0", "booked")).collect();
    with_output(&mut ev, SANDBOX, &inside);
    passes(&edges_kept(&ev, SANDBOX), "8 edge appointments where they belong");
    assert!(window_edges(&ev).iter().all(|c| c.verdict.passed()));
}

#[test]
fn an_outside_edge_stored_or_an_inside_edge_missed_is_named() {
    let mut ev = edges_in_truth();
    with_output(&mut ev, SANDBOX, &[("99100003", "0", "booked"), ("99100002", "0", "booked")]);
    let check = edges_kept(&ev, SANDBOX);
    fails(&check, "99100003 starting 2026-01-27T00:00:00.000Z (at end 00:00:00Z) is outside but stored");
    fails(&check, "99100001 starting 2026-01-06T00:00:00.000Z (at start 00:00:00Z) is inside but missing");
}

#[test]
fn a_search_that_disagrees_with_the_scenario_fails_the_scenario_not_silently() {
    let mut ev = edges_in_truth();
    with_truth(&mut ev, SANDBOX, &[("99100004", "0", "booked")]);
    fails(&edges_kept(&ev, SANDBOX), "the emulator's search has 99100004 (in the hour before start)");
}
