//! The request timeline of a scenario as tables, one per tenant, in journal order: the listing a
//! reviewer reads as the client's call log beside the picture. Kept apart from the page's frame
//! because its limits (how many rows a client that loops may take) are a concern of their own.

use crate::report::{escape_markup as esc, plural};
use crate::verdict::{ScenarioResult, TimelineEntry};

/// The requests per tenant, in journal order, as the reviewer would read the client's call log.
/// Open for a failing scenario (its evidence cites these sequence numbers), folded otherwise.
pub(super) fn timeline(page: &mut String, s: &ScenarioResult, rows: usize) {
    if s.timeline.is_empty() {
        page.push_str("<p class=\"muted\">No requests recorded.</p>\n");
        return;
    }
    let tenants = by_tenant(&s.timeline);
    page.push_str(&format!(
        "<details{}>\n<summary>Request timeline: {}, {}</summary>\n",
        if s.passed() { "" } else { " open=\"\"" },
        plural(s.timeline.len(), "request"),
        plural(tenants.len(), "tenant"),
    ));
    for (tenant, entries) in tenants {
        let title = tenant.map_or_else(|| "No tenant".to_owned(), |t| format!("Tenant {}", esc(t)));
        page.push_str(&format!(
            "<h3>{title}</h3>\n<table class=\"timeline\">\n<thead><tr><th>Seq</th><th>Time (from the first request)</th><th>Method</th>\
             <th>URL</th><th>Status</th><th>Fault</th></tr></thead>\n<tbody>\n"
        ));
        let (head, tail) = shown(entries.len(), rows);
        for entry in &entries[..head] {
            timeline_row(page, entry);
        }
        if head < entries.len() - tail {
            let hidden = entries.len() - tail - head;
            page.push_str(&format!(
                "<tr class=\"gap\"><td colspan=\"6\">… {} not shown (seq {} to {}); the picture above has them all</td></tr>\n",
                plural(hidden, "request"),
                entries[head].seq,
                entries[entries.len() - tail - 1].seq,
            ));
        }
        for entry in &entries[entries.len() - tail..] {
            timeline_row(page, entry);
        }
        page.push_str("</tbody>\n</table>\n");
    }
    page.push_str("</details>\n");
}

/// Rows a tenant's table shows: all of them up to [`TABLE_ROWS`], else the first and the last
/// ones. A client that loops (endless paging, a busy loop on 429) makes tens of thousands of
/// requests; a table of every one would make a report of hundreds of megabytes that no browser
/// opens, while its beginning and end tell the story.
const TABLE_ROWS: usize = 300;
const TABLE_TAIL: usize = 100;

/// How many rows of a table of `len` to show from its start and from its end, at most `rows`
/// ([`TABLE_ROWS`] at most; fewer when the report has many tables: see `html`'s budget).
fn shown(len: usize, rows: usize) -> (usize, usize) {
    let rows = rows.clamp(3, TABLE_ROWS);
    let tail = if rows == TABLE_ROWS { TABLE_TAIL } else { rows / 3 };
    if len <= rows { (len, 0) } else { (rows - tail, tail) }
}

/// The most rows a table of a report with `tables` request tables shows: [`ROW_BUDGET`] shared.
pub(super) fn rows_per_table(tables: usize) -> usize {
    (ROW_BUDGET / tables.max(1)).clamp(6, TABLE_ROWS)
}

/// Request rows in the whole page (a row is about 450 bytes): with the picture's and the client
/// output's budgets, what keeps any report under 3 MB.
const ROW_BUDGET: usize = 1_500;

fn timeline_row(page: &mut String, e: &TimelineEntry) {
    let status_class = if e.status >= 400 { "num fail" } else { "num" };
    page.push_str(&format!(
        "<tr{}><td class=\"num\">{}</td><td class=\"code\" title=\"{}\">+{:.3} s</td><td>{}</td><td class=\"code\" title=\"{}\">{}</td>\
         <td class=\"{status_class}\">{}</td><td>{}</td></tr>\n",
        if e.fault.is_some() { " class=\"fault\"" } else { "" },
        e.seq,
        esc(&e.wall_time),
        e.offset_ms as f64 / 1000.0,
        esc(&e.method),
        esc(&e.url),
        esc(&short_url(&e.url)),
        e.status,
        esc(e.fault.as_deref().unwrap_or("")),
    ));
}

/// A URL for a table cell: each query value longer than 24 characters (a page token) cut to its
/// first 10 and last 6 characters; the cell's `title` keeps the whole URL.
fn short_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_owned() };
    let params: Vec<String> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((key, value)) if value.chars().count() > 24 => {
                let chars: Vec<char> = value.chars().collect();
                let head: String = chars[..10].iter().collect();
                let tail: String = chars[chars.len() - 6..].iter().collect();
                format!("{key}={head}…{tail}")
            }
            _ => param.to_owned(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

/// Groups entries by tenant in order of first appearance, keeping each tenant's journal order.
fn by_tenant(entries: &[TimelineEntry]) -> Vec<(Option<&str>, Vec<&TimelineEntry>)> {
    let mut groups: Vec<(Option<&str>, Vec<&TimelineEntry>)> = Vec::new();
    for entry in entries {
        let tenant = entry.tenant.as_deref();
        match groups.iter_mut().find(|(t, _)| *t == tenant) {
            Some((_, group)) => group.push(entry),
            None => groups.push((tenant, vec![entry])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{html, sample, xml_check};

    #[test]
    fn timeline_groups_keep_first_appearance_and_journal_order() {
        let mut entries = sample::report().scenarios.remove(1).timeline;
        entries.push(TimelineEntry { seq: 10, ..entries[0].clone() });
        let groups = by_tenant(&entries);
        let seqs: Vec<(Option<&str>, Vec<u64>)> =
            groups.iter().map(|(t, g)| (*t, g.iter().map(|e| e.seq).collect())).collect();
        assert_eq!(seqs, [(Some("tenant-a"), vec![7, 10]), (None, vec![8]), (Some("tenant-b"), vec![9, 10])]);
    }

    #[test]
    fn long_page_tokens_are_cut_in_cells_and_whole_on_hover() {
        let url = "http://h/t/Appointment?-pageContext=eyJ0IjoiYSJ9abcdefghijklmnop.c2lnXYZ&-pageDirection=NEXT";
        assert_eq!(short_url(url), "http://h/t/Appointment?-pageContext=eyJ0IjoiYS…2lnXYZ&-pageDirection=NEXT");
        assert_eq!(short_url("http://h/x?a=1"), "http://h/x?a=1");
        let mut report = sample::report();
        report.scenarios[0].timeline[1].url = url.to_owned();
        let page = html(&report);
        assert!(page.contains(&format!("title=\"{}\"", esc(url))), "the whole URL on hover");
        assert!(page.contains(&esc(&short_url(url))));
    }

    #[test]
    fn a_tenant_of_thousands_of_requests_shows_its_first_and_last_rows_and_says_how_many_are_hidden() {
        let mut report = sample::report();
        let first = report.scenarios[0].timeline[0].clone();
        report.scenarios[0].timeline =
            (1..=10_000).map(|seq| TimelineEntry { seq, tenant: Some("t".into()), ..first.clone() }).collect();
        let page = html(&report);
        let rows = page.matches("<tr><td class=\"num\">").count() + page.matches("<tr class=\"fault\"><td").count();
        assert_eq!(rows, TABLE_ROWS + report.scenarios[1].timeline.len(), "the long table's rows and the other's");
        assert!(page.contains("… 9700 requests not shown (seq 201 to 9900)"));
        assert!(page.contains("<td class=\"num\">10000</td>") && page.contains("<td class=\"num\">200</td>"));
        assert!(page.len() < 2_000_000, "{} bytes", page.len());
        xml_check::parse(&page).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    }
}
