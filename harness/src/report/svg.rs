//! A scenario's requests as a picture (inline SVG, no script): one lane per tenant, time running
//! left to right, each request a mark coloured by its status, each request a fault rule shaped
//! under a band, and after each 429 the wait the client really made (a bar) over the wait it was
//! asked for (a dashed outline). A busy loop is a dense row of marks with no bars; a missed wait is
//! a bar shorter than its outline.

use super::escape_markup as esc;
use crate::verdict::{ScenarioResult, TimelineEntry};

const WIDTH: f64 = 960.0;
const LABEL: f64 = 120.0;
const LANE: f64 = 30.0;
const TOP: f64 = 10.0;
const AXIS: f64 = 24.0;

/// Past this many requests in a scenario, a lane's requests are drawn per bucket of [`BUCKET_PX`]
/// pixels (one mark saying how many and which), so a looping client's picture stays small.
pub(super) const MARK_LIMIT: usize = 1_000;
const BUCKET_PX: f64 = 2.0;

/// The request timeline of `scenario` as an `<svg>` element; empty when it made no request.
pub fn timeline_svg(scenario: &ScenarioResult) -> String {
    timeline_svg_within(scenario, MARK_LIMIT)
}

/// [`timeline_svg`] with at most about `marks` marks: past that many requests each lane is drawn
/// per bucket, the buckets as wide as the budget needs (never under [`BUCKET_PX`]).
pub fn timeline_svg_within(scenario: &ScenarioResult, marks: usize) -> String {
    let entries = &scenario.timeline;
    if entries.is_empty() {
        return String::new();
    }
    let lanes = lanes(entries);
    let span_ms = entries.iter().map(|e| e.offset_ms + e.latency_ms).max().unwrap_or(0).max(1);
    let scale = Scale { span_ms: span_ms as f64 };
    let height = TOP + LANE * lanes.len() as f64 + AXIS;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline-svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\">\n",
        esc(&format!(
            "Request timeline of {} on {}: {} requests",
            scenario.scenario,
            scenario.fhir_version.label(),
            entries.len()
        )),
    );
    for (index, (tenant, lane)) in lanes.iter().enumerate() {
        let y = TOP + LANE * index as f64;
        let name = tenant.map_or_else(|| "no tenant".to_owned(), |t| t.chars().take(13).collect());
        svg.push_str(&format!(
            "<g class=\"lane\"><title>{}</title><rect x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{LANE}\" fill=\"{}\"/>\
             <text x=\"4\" y=\"{}\" font-size=\"11\" font-family=\"monospace\">{}</text></g>\n",
            esc(tenant.unwrap_or("requests with no tenant")),
            if index % 2 == 0 { "#f6f8fa" } else { "#ffffff" },
            y + LANE / 2.0 + 4.0,
            esc(&name),
        ));
        if entries.len() > marks {
            let px = ((WIDTH - LABEL) * lanes.len() as f64 / marks.max(1) as f64).max(BUCKET_PX);
            bucketed(&mut svg, lane, y, scale, px);
        } else {
            for (i, entry) in lane.iter().enumerate() {
                draw(&mut svg, entry, lane.get(i + 1).copied(), y, scale);
            }
        }
    }
    axis(&mut svg, TOP + LANE * lanes.len() as f64, span_ms);
    svg.push_str("</svg>\n");
    svg
}

#[derive(Clone, Copy)]
struct Scale {
    span_ms: f64,
}

impl Scale {
    fn x(self, ms: u64) -> f64 {
        LABEL + (ms as f64 / self.span_ms) * (WIDTH - LABEL - 10.0)
    }

    fn width(self, ms: u64) -> f64 {
        (ms as f64 / self.span_ms) * (WIDTH - LABEL - 10.0)
    }
}

fn draw(svg: &mut String, entry: &TimelineEntry, next: Option<&TimelineEntry>, y: f64, scale: Scale) {
    let x = scale.x(entry.offset_ms);
    if let Some(fault) = &entry.fault {
        svg.push_str(&format!(
            "<rect class=\"fault\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f2cc60\" \
             fill-opacity=\"0.6\"><title>{}</title></rect>\n",
            x - 3.0,
            y + 2.0,
            scale.width(entry.latency_ms).max(6.0),
            LANE - 4.0,
            esc(&format!("fault {fault} on #{}", entry.seq)),
        ));
    }
    if entry.status == 429 {
        wait(svg, entry, next, y, scale);
    }
    svg.push_str(&format!(
        "<rect class=\"request\" x=\"{x:.1}\" y=\"{:.1}\" width=\"2\" height=\"{:.1}\" fill=\"{}\"><title>{}</title></rect>\n",
        y + 6.0,
        LANE - 12.0,
        colour(entry.status),
        esc(&format!("#{} {} {} → {} at {} ms", entry.seq, entry.method, entry.url, entry.status, entry.offset_ms)),
    ));
}

/// One mark per non-empty bucket of the lane: coloured by its worst status, its title the count,
/// the first and last request and how many hit a fault.
fn bucketed(svg: &mut String, lane: &[&TimelineEntry], y: f64, scale: Scale, px: f64) {
    let mut start = 0;
    while start < lane.len() {
        let bucket = |e: &TimelineEntry| (scale.x(e.offset_ms) / px).floor() as i64;
        let key = bucket(lane[start]);
        let end = lane[start..].iter().position(|e| bucket(e) != key).map_or(lane.len(), |n| start + n);
        let group = &lane[start..end];
        let worst = group.iter().map(|e| e.status).max_by_key(|s| severity(*s)).unwrap_or(200);
        let faults = group.iter().filter(|e| e.fault.is_some()).count();
        let (first, last) = (group[0], group[group.len() - 1]);
        svg.push_str(&format!(
            "<rect class=\"bucket\" x=\"{:.1}\" y=\"{:.1}\" width=\"{px:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}</title></rect>\n",
            key as f64 * px,
            y + 6.0,
            LANE - 12.0,
            colour(worst),
            esc(&format!(
                "{} requests #{}–#{} at {}–{} ms, worst status {worst}, {faults} faulted",
                group.len(),
                first.seq,
                last.seq,
                first.offset_ms,
                last.offset_ms
            )),
        ));
        start = end;
    }
}

/// How bad a status looks in a bucket: a cut connection or 5xx over 429 over 4xx over success.
fn severity(status: u16) -> u8 {
    match status {
        0 | 500.. => 4,
        429 => 3,
        400..=499 => 2,
        _ => 1,
    }
}

/// After a 429: the wait asked (dashed outline) and the wait made until the lane's next request.
fn wait(svg: &mut String, entry: &TimelineEntry, next: Option<&TimelineEntry>, y: f64, scale: Scale) {
    let start = entry.offset_ms + entry.latency_ms;
    let asked_ms = entry.retry_after.as_deref().and_then(|r| r.parse::<u64>().ok()).map(|s| s.saturating_mul(1000));
    if let Some(asked) = asked_ms {
        let room = scale.span_ms as u64 - start.min(scale.span_ms as u64);
        svg.push_str(&format!(
            "<rect class=\"asked-wait\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"8\" fill=\"none\" stroke=\"#0969da\" \
             stroke-dasharray=\"3 2\"><title>{}</title></rect>\n",
            scale.x(start),
            y + LANE - 10.0,
            scale.width(asked.min(room)).max(1.0),
            esc(&format!("Retry-After: {} asked after #{}", entry.retry_after.as_deref().unwrap_or(""), entry.seq)),
        ));
    }
    if let Some(next) = next {
        let waited = next.offset_ms.saturating_sub(start);
        svg.push_str(&format!(
            "<rect class=\"waited\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"4\" fill=\"#0969da\"><title>{}</title></rect>\n",
            scale.x(start),
            y + LANE - 8.0,
            scale.width(waited).max(1.0),
            esc(&format!("waited {waited} ms after #{} before #{}", entry.seq, next.seq)),
        ));
    }
}

fn axis(svg: &mut String, y: f64, span_ms: u64) {
    let end = WIDTH - 10.0;
    svg.push_str(&format!(
        "<g class=\"axis\"><line x1=\"{LABEL}\" y1=\"{y}\" x2=\"{end}\" y2=\"{y}\" stroke=\"#57606a\"/>\
         <text x=\"{LABEL}\" y=\"{}\" font-size=\"11\">0 s</text>\
         <text x=\"{end}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{:.1} s</text></g>\n",
        y + 14.0,
        y + 14.0,
        span_ms as f64 / 1000.0,
    ));
}

/// Green for success, blue for redirects, amber for 429, orange for other refusals, red for server
/// errors and cut connections (status 0).
fn colour(status: u16) -> &'static str {
    match status {
        200..=299 => "#1a7f37",
        300..=399 => "#0969da",
        429 => "#9a6700",
        400..=499 => "#bc4c00",
        _ => "#cf222e",
    }
}

/// Entries per tenant, in order of first appearance.
fn lanes(entries: &[TimelineEntry]) -> Vec<(Option<&str>, Vec<&TimelineEntry>)> {
    let mut lanes: Vec<(Option<&str>, Vec<&TimelineEntry>)> = Vec::new();
    for entry in entries {
        let tenant = entry.tenant.as_deref();
        match lanes.iter_mut().find(|(t, _)| *t == tenant) {
            Some((_, lane)) => lane.push(entry),
            None => lanes.push((tenant, vec![entry])),
        }
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::super::{sample, xml_check};
    use super::*;

    #[test]
    fn the_picture_is_well_formed_svg_with_a_lane_per_tenant_and_a_mark_per_request() {
        let report = sample::report();
        let svg = timeline_svg(&report.scenarios[1]);
        let root = xml_check::parse(&svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
        assert_eq!((root.name.as_str(), root.attr("xmlns")), ("svg", Some("http://www.w3.org/2000/svg")));
        let class = |name: &str| root.descendants("rect").iter().filter(|r| r.attr("class") == Some(name)).count();
        assert_eq!(root.descendants("g").iter().filter(|g| g.attr("class") == Some("lane")).count(), 3);
        assert_eq!((class("request"), class("fault"), class("asked-wait"), class("waited")), (4, 1, 1, 1));
        assert!(svg.contains("fill=\"#9a6700\"") && svg.contains("fill=\"#1a7f37\""), "429 and 200 colours");
        assert!(svg.contains("Retry-After: 5 asked after #9") && svg.contains("waited 97 ms after #9 before #10"));
        assert!(svg.contains("x=&lt;y&gt;"), "URLs escaped in titles");
    }

    #[test]
    fn past_the_mark_limit_requests_are_drawn_per_bucket() {
        let mut scenario = sample::report().scenarios.remove(1);
        let template = scenario.timeline[0].clone();
        scenario.timeline = (0..125_000u64)
            .map(|n| TimelineEntry {
                seq: n,
                offset_ms: n,
                status: if n % 7 == 0 { 503 } else { 200 },
                ..template.clone()
            })
            .collect();
        let svg = timeline_svg(&scenario);
        let marks = svg.matches("<rect class=\"bucket\"").count();
        assert!(marks > 100 && marks <= 420, "{marks} marks");
        assert!(!svg.contains("class=\"request\""));
        assert!(svg.len() < 200_000, "{} bytes", svg.len());
        assert!(svg.contains("worst status 503"), "the worst status shows");
    }

    #[test]
    fn no_requests_no_picture() {
        let mut scenario = sample::report().scenarios.remove(0);
        scenario.timeline.clear();
        assert_eq!(timeline_svg(&scenario), "");
    }
}
