//! Search results as a DSTU2 `Bundle` of type `searchset`, in Cerner's shape: `id` (uuid),
//! `total` (except for Slot, whose documented bundles have none), `link` with `self` and, when more
//! pages exist, `next`/`previous`, and entries with `fullUrl` = `{base}{Type}/{id}` and `resource`.
//! Stored resources are written straight into the bundle's one buffer, never parsed or re-encoded.

mod parts;

pub(crate) use parts::Parts;
use uuid::Uuid;

use crate::store::{ResourceType, Row};

/// One entry: its type and stored row (`fullUrl` is the bundle's base, the type and the id).
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    pub resource_type: ResourceType,
    pub row: &'a Row,
    /// `search.mode` (`match` or `include`); Cerner writes it on Slot bundles only.
    pub mode: Option<&'static str>,
}

#[derive(Debug, Default)]
pub(crate) struct Bundle<'a> {
    /// The endpoint's base URL for the tenant, ending in `/`.
    pub base: String,
    pub total: Option<usize>,
    pub self_url: String,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub entries: Vec<Entry<'a>>,
}

/// Appends `text` escaped as the inside of a JSON string, as serde_json escapes it.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    if !needs_escape(text.as_bytes()) {
        out.push_str(text);
        return;
    }
    let quoted = serde_json::to_string(text).unwrap_or_default();
    out.push_str(quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default());
}

/// Whether JSON escapes any of `bytes`. Written without an early exit, so it compiles to wide
/// compares: every bundle checks its links (a `next` link is hundreds of bytes) and each entry's id.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &b| found | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

pub(crate) fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    push_escaped(out, text);
    out.push('"');
}

impl Bundle<'_> {
    /// The bundle with each resource written by `write` (R4 writes its own form of the stored
    /// resource), in one buffer sized from `hint` (about how many bytes `write` writes for a row);
    /// an entry whose resource `write` refuses (returns false) is left out whole.
    pub(crate) fn render_with(
        &self,
        hint: impl Fn(&Row) -> usize,
        write: impl Fn(ResourceType, &Row, &mut String) -> bool,
    ) -> String {
        let mut out = String::with_capacity(self.head_len() + self.entries_len(hint) + 1);
        self.push_head(&mut out);
        self.push_entries(&mut out, write);
        out.push('}');
        out
    }

    /// About how long [`Bundle::push_head`] writes.
    pub(crate) fn head_len(&self) -> usize {
        let links = [Some(&self.self_url), self.next.as_ref(), self.previous.as_ref()];
        links.iter().flatten().map(|url| url.len() + 32).sum::<usize>() + 160
    }

    /// Everything before the entries: `{"resourceType":"Bundle","id":"…",…,"link":[…]`, with a new
    /// `id`. The bundle ends with `}` after [`Bundle::push_entries`]' text.
    pub(crate) fn push_head(&self, out: &mut String) {
        out.push_str("{\"resourceType\":\"Bundle\",\"id\":\"");
        out.push_str(crate::ids::random_uuid().hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        out.push_str("\",\"type\":\"searchset\"");
        if let Some(total) = self.total {
            out.push_str(",\"total\":");
            out.push_str(itoa::Buffer::new().format(total));
        }
        out.push_str(",\"link\":[");
        let links =
            [("self", Some(&self.self_url)), ("next", self.next.as_ref()), ("previous", self.previous.as_ref())];
        let mut first = true;
        for (relation, url) in links.iter().filter_map(|(r, u)| u.map(|u| (r, u))) {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str("{\"relation\":\"");
            out.push_str(relation);
            out.push_str("\",\"url\":");
            push_quoted(out, url);
            out.push('}');
        }
        out.push(']');
    }

    /// About how long [`Bundle::push_entries`] writes, from `hint` for each row.
    pub(crate) fn entries_len(&self, hint: impl Fn(&Row) -> usize) -> usize {
        self.entries.iter().map(|e| hint(e.row) + self.base.len() + e.row.id.len() + 64).sum()
    }

    /// The entries, `,"entry":[…]` (nothing when there are none): each resource written by `write`,
    /// an entry whose resource `write` refuses left out whole. They depend on the base, the types,
    /// rows and modes of the entries and the version's writer only, not on the request.
    pub(crate) fn push_entries(&self, out: &mut String, write: impl Fn(ResourceType, &Row, &mut String) -> bool) {
        // `{"fullUrl":"{base}{Type}/` once for each type of entry, so an entry starts with one copy.
        let mut head = String::with_capacity(self.base.len() + 32);
        let mut head_type = None;
        let mut written = 0;
        for entry in &self.entries {
            let rollback = out.len();
            out.push_str(if written == 0 { ",\"entry\":[" } else { "," });
            if head_type != Some(entry.resource_type) {
                head.clear();
                head.push_str("{\"fullUrl\":\"");
                push_escaped(&mut head, &self.base);
                head.push_str(entry.resource_type.as_str());
                head.push('/');
                head_type = Some(entry.resource_type);
            }
            out.push_str(&head);
            push_escaped(out, &entry.row.id);
            out.push_str("\",\"resource\":");
            if !write(entry.resource_type, entry.row, out) {
                out.truncate(rollback);
                continue;
            }
            if let Some(mode) = entry.mode {
                out.push_str(",\"search\":{\"mode\":\"");
                out.push_str(mode);
                out.push_str("\"}");
            }
            out.push('}');
            written += 1;
        }
        if written > 0 {
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::dstu2::Dstu2;
    use crate::fhir::seam::Version;
    use crate::store::Body;

    #[test]
    fn renders_valid_json_with_raw_resources() {
        let row = Row {
            id: "1\"".into(),
            version: "0".into(),
            body: Body::Json(r#"{"resourceType":"Appointment","id":"1\""}"#.into()),
        };
        let bundle = Bundle {
            base: "http://x/\\".into(),
            total: Some(1),
            self_url: "http://x/Appointment?a=\"q\"".into(),
            next: Some("http://x/next".into()),
            previous: None,
            entries: vec![Entry { resource_type: ResourceType::Appointment, row: &row, mode: Some("match") }],
        };
        let value: serde_json::Value =
            serde_json::from_str(&bundle.render_with(Row::json_len_hint, <Dstu2 as Version>::write)).unwrap();
        assert_eq!(value["total"], 1);
        assert_eq!(value["link"][1]["relation"], "next");
        assert_eq!(value["link"][0]["url"], "http://x/Appointment?a=\"q\"");
        assert_eq!(value["entry"][0]["fullUrl"], "http://x/\\Appointment/1\"");
        assert_eq!(value["entry"][0]["resource"]["id"], "1\"");
        assert_eq!(value["entry"][0]["search"]["mode"], "match");
        let empty: serde_json::Value =
            serde_json::from_str(&Bundle::default().render_with(Row::json_len_hint, <Dstu2 as Version>::write))
                .unwrap();
        assert!(empty.get("entry").is_none());
    }

    #[test]
    fn escaping_matches_serde_json() {
        for text in ["plain", "q\"uote", "back\\slash", "tab\tnew\nline", "\u{1}\u{1f}\u{7f}é"] {
            let mut out = String::new();
            push_quoted(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap());
        }
    }

    #[test]
    fn an_entry_its_writer_refuses_is_left_out_whole() {
        let row = |id: &str| Row {
            id: id.into(),
            version: "0".into(),
            body: Body::Json(format!(r#"{{"resourceType":"Slot","id":"{id}"}}"#).into_boxed_str().into()),
        };
        let rows = [row("refused"), row("1"), row("refused"), row("2")];
        let entries = rows.iter().map(|row| Entry { resource_type: ResourceType::Slot, row, mode: Some("match") });
        let bundle = Bundle { base: "http://x/".into(), entries: entries.collect(), ..Bundle::default() };
        let rendered = bundle.render_with(Row::json_len_hint, |_, row, out| {
            row.id.as_ref() != "refused" && {
                row.write_json(out);
                true
            }
        });
        let value: serde_json::Value = serde_json::from_str(&rendered).unwrap();
        let ids: Vec<&str> =
            value["entry"].as_array().unwrap().iter().filter_map(|e| e["resource"]["id"].as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(value["entry"][0]["fullUrl"], "http://x/Slot/1");
        let none = bundle.render_with(Row::json_len_hint, |_, _, _| false);
        let value: serde_json::Value = serde_json::from_str(&none).unwrap();
        assert!(value.get("entry").is_none(), "{none}");
    }
}
