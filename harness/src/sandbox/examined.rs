//! The sandbox's version of rehearse's rule against vacuous verdicts: a check whose subject never
//! occurred (no search, no next link, no FHIR request) is "not examined", never a pass, and the
//! run exits 2.

use crate::evidence::Evidence;
use crate::verdict::CheckResult;
use crate::version::is_fhir_path;

/// `check` when `seen` > 0; otherwise "not examined", naming what never occurred.
pub(super) fn or_not_examined(check: CheckResult, seen: usize, what: &str) -> CheckResult {
    if seen > 0 {
        return check;
    }
    CheckResult::not_examined(
        &check.check,
        format!("at least one {what} to examine"),
        format!("nothing to examine: the run had no {what}"),
    )
}

/// The client's Appointment searches through the proxy.
pub(super) fn searches(ev: &Evidence) -> usize {
    ev.journal.iter().filter(|e| e.path.ends_with("/Appointment")).count()
}

/// The client's FHIR requests through the proxy.
pub(super) fn fhir_requests(ev: &Evidence) -> usize {
    ev.journal.iter().filter(|e| is_fhir_path(&e.path)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::SANDBOX;
    use crate::scenarios::checks::follows_links;
    use crate::scenarios::kit::*;

    #[test]
    fn a_check_with_nothing_to_examine_is_not_examined_and_exits_2() {
        let ev = evidence();
        let check = or_not_examined(follows_links(&ev, false), searches(&ev), "Appointment search");
        assert!(!check.verdict.examined() && !check.verdict.passed(), "{check:?}");
        assert_eq!(check.verdict.evidence(), "nothing to examine: the run had no Appointment search");
        let mut searched = evidence();
        searched.journal = vec![search(1, SANDBOX, "a", 200)];
        let check = or_not_examined(follows_links(&searched, false), searches(&searched), "Appointment search");
        passes(&check, "0 pages followed by link over 1 searches");
    }
}
