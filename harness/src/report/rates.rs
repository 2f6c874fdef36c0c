//! The rates in every rendering: per tenant, the client's peak requests per second, most requests
//! in flight, requests per appointment and 429s beside the tenant's limits (see [`crate::rates`]),
//! and the fleet projection of `--fleet` (see [`crate::fleet`]): a block on the terminal, fields of
//! the JSON summary, JUnit properties, and a table with a small chart of the rate over time against
//! the limit in the HTML report.

use serde_json::{Value, json};

use super::escape_markup as esc;
use crate::rates::{TenantRates, line, overall, ratio};
use crate::verdict::{Report, ScenarioResult};

/// The rehearsal's rates per tenant, as the terminal summary and the JSON summary give them.
pub(super) fn of_report(report: &Report) -> Vec<TenantRates> {
    overall(report.scenarios.iter().map(|s| s.rates.as_slice()))
}

/// The terminal's block: one line per tenant over the rehearsal, and the fleet projection.
pub fn rates_block(report: &Report) -> String {
    let rates = of_report(report);
    let mut out = String::new();
    if !rates.is_empty() {
        out.push_str("Rates (FHIR requests per tenant, from the emulator's journal; peaks over all scenarios):\n");
        for r in &rates {
            out.push_str(&format!("  {}\n", line(r)));
        }
    }
    if let Some(p) = &report.meta.fleet {
        out.push_str(&format!("Fleet budget: {} (from {})\n", crate::fleet::sentence(p), p.basis));
    }
    out
}

/// The JSON summary's `rates` (per tenant: `peak_rps`, `max_in_flight`, `requests_per_appointment`,
/// `throttled`, and the limits) and `fleet`.
pub(super) fn json_fields(report: &Report) -> (Value, Value) {
    let rates: Vec<Value> = of_report(report).iter().map(tenant_json).collect();
    let fleet = report.meta.fleet.as_ref().map_or(Value::Null, |p| json!(p));
    (Value::Array(rates), fleet)
}

pub(super) fn tenant_json(r: &TenantRates) -> Value {
    json!({
        "tenant": r.tenant,
        "requests": r.requests,
        "peak_rps": r.peak_rps,
        "max_in_flight": r.max_in_flight,
        "appointments": r.appointments,
        "requests_per_appointment": r.requests_per_appointment,
        "throttled": r.throttled,
        "limits": r.limits,
    })
}

/// A suite's JUnit properties: `rate.<tenant>.<field>` per tenant of the scenario, and the fleet
/// projection's on the fleet-budget suite.
pub(super) fn junit_properties(scenario: &ScenarioResult, report: &Report) -> Vec<(String, String)> {
    let mut properties = Vec::new();
    for r in &scenario.rates {
        let cap = r.limits.max_in_flight.map_or("none".to_owned(), |n| n.to_string());
        for (field, value) in [
            ("peak_rps", r.peak_rps.to_string()),
            ("max_in_flight", r.max_in_flight.to_string()),
            ("requests_per_appointment", ratio(r.requests_per_appointment)),
            ("throttled", r.throttled.to_string()),
            ("limit_per_second", r.limits.fhir_per_second.to_string()),
            ("limit_max_in_flight", cap),
        ] {
            properties.push((format!("rate.{}.{field}", r.tenant), value));
        }
    }
    if let (Some(p), "fleet-budget") = (&report.meta.fleet, scenario.scenario.as_str()) {
        properties.push(("fleet".into(), crate::fleet::sentence(p)));
        properties.push(("fleet.requests".into(), p.requests.to_string()));
        properties.push(("fleet.hours".into(), format!("{:.2}", p.hours)));
        properties.push(("fleet.fits_in_a_day".into(), p.fits_in_a_day.to_string()));
    }
    properties
}

/// The HTML report's rates of a scenario: a table per tenant and a chart of its rate over time.
pub(super) fn html_section(page: &mut String, scenario: &ScenarioResult) {
    if scenario.rates.is_empty() {
        return;
    }
    page.push_str(
        "<table class=\"rates\">\n<thead><tr><th>Tenant</th><th>Peak req/s</th><th>Limit/s (burst)</th>\
         <th>Most in flight</th><th>Cap</th><th>Requests/appointment</th><th>429s</th><th>Rate over time</th>\
         </tr></thead>\n<tbody>\n",
    );
    for r in &scenario.rates {
        let cap = r.limits.max_in_flight.map_or("none".to_owned(), |n| n.to_string());
        page.push_str(&format!(
            "<tr><td class=\"name\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({})</td>\
             <td class=\"num\">{}</td><td class=\"num\">{cap}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            esc(&r.tenant),
            r.peak_rps,
            r.limits.fhir_per_second,
            r.limits.fhir_burst,
            r.max_in_flight,
            ratio(r.requests_per_appointment),
            r.throttled,
            chart(r),
        ));
    }
    page.push_str("</tbody>\n</table>\n");
}

/// The overall rates and the fleet projection, under the report's header.
pub(super) fn html_overview(page: &mut String, report: &Report) {
    let rates = of_report(report);
    if !rates.is_empty() {
        page.push_str("<h2>Rates</h2>\n<ul class=\"rates\">\n");
        for r in &rates {
            page.push_str(&format!("<li>{}</li>\n", esc(&line(r))));
        }
        page.push_str("</ul>\n");
    }
    if let Some(p) = &report.meta.fleet {
        page.push_str(&format!(
            "<p class=\"fleet\"><b>Fleet budget</b>: {} <span class=\"muted\">(from {})</span></p>\n",
            esc(&crate::fleet::sentence(p)),
            esc(&p.basis)
        ));
    }
}

const CHART_W: f64 = 240.0;
const CHART_H: f64 = 40.0;

/// Requests per second in each bucket as bars, the sustained limit as a red line (the scale goes
/// to whichever is higher).
pub(super) fn chart(r: &TenantRates) -> String {
    let seconds = r.bucket_ms.max(1) as f64 / 1000.0;
    let rates: Vec<f64> = r.series.iter().map(|n| f64::from(*n) / seconds).collect();
    let limit = f64::from(r.limits.fhir_per_second);
    let top = rates.iter().copied().fold(limit, f64::max).max(1.0);
    let width = CHART_W / rates.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"rate-svg\" width=\"{CHART_W}\" height=\"{CHART_H}\" \
         viewBox=\"0 0 {CHART_W} {CHART_H}\" role=\"img\" aria-label=\"{}\">",
        esc(&format!("rate of {} over time: peak {} req/s against a limit of {limit} req/s", r.tenant, r.peak_rps)),
    );
    for (i, rate) in rates.iter().enumerate().filter(|(_, rate)| **rate > 0.0) {
        let height = rate / top * CHART_H;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"#0969da\"/>",
            i as f64 * width,
            CHART_H - height,
            width.max(1.0),
        ));
    }
    let y = CHART_H - limit / top * CHART_H;
    svg.push_str(&format!(
        "<line class=\"limit\" x1=\"0\" y1=\"{y:.1}\" x2=\"{CHART_W}\" y2=\"{y:.1}\" stroke=\"#cf222e\" stroke-dasharray=\"4 2\"/></svg>"
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rates::TenantLimits;

    fn rates() -> TenantRates {
        TenantRates {
            tenant: "t<1>".into(),
            requests: 6,
            peak_rps: 4,
            max_in_flight: 2,
            appointments: 3,
            requests_per_appointment: Some(2.0),
            throttled: 1,
            series: vec![4, 0, 2],
            bucket_ms: 1000,
            limits: TenantLimits { fhir_per_second: 20, fhir_burst: 50, max_in_flight: Some(2) },
            ..Default::default()
        }
    }

    #[test]
    fn the_chart_draws_a_bar_per_busy_second_and_the_limit_line() {
        let svg = chart(&rates());
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("class=\"limit\"") && svg.contains("y1=\"0.0\""), "the limit is the top: {svg}");
        assert!(svg.contains("t&lt;1&gt;"), "escaped");
        super::super::xml_check::parse(&svg).expect("well-formed SVG");
    }

    #[test]
    fn junit_properties_name_each_field_per_tenant() {
        let mut scenario = super::super::sample::report().scenarios[0].clone();
        scenario.rates = vec![rates()];
        let properties = junit_properties(&scenario, &super::super::sample::report());
        let get = |name: &str| properties.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("rate.t<1>.peak_rps"), Some("4"));
        assert_eq!(get("rate.t<1>.requests_per_appointment"), Some("2.00"));
        assert_eq!(get("rate.t<1>.limit_max_in_flight"), Some("2"));
        assert_eq!(get("rate.t<1>.throttled"), Some("1"));
    }
}
