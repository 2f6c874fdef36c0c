//! Search results as a DSTU2 `Bundle` of type `searchset`, in Cerner's shape: `id` (uuid),
//! `total` (except for Slot, whose documented bundles have none), `link` with `self` and, when more
//! pages exist, `next`/`previous`, and entries with `fullUrl` = `{base}{Type}/{id}` and `resource`.
//! Stored resources are already JSON, so the bundle is written around them without re-parsing.

use uuid::Uuid;

/// One entry: where it lives and its stored JSON.
#[derive(Debug)]
pub struct Entry<'a> {
    pub full_url: String,
    pub resource: &'a str,
    /// `search.mode` (`match` or `include`); Cerner writes it on Slot bundles only.
    pub mode: Option<&'static str>,
}

#[derive(Debug, Default)]
pub struct Bundle<'a> {
    pub total: Option<usize>,
    pub self_url: String,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub entries: Vec<Entry<'a>>,
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

impl Bundle<'_> {
    pub fn render(&self) -> String {
        let size: usize = self.entries.iter().map(|e| e.resource.len() + e.full_url.len() + 64).sum();
        let mut out = String::with_capacity(size + 512);
        out.push_str("{\"resourceType\":\"Bundle\",\"id\":");
        out.push_str(&quoted(&Uuid::new_v4().to_string()));
        out.push_str(",\"type\":\"searchset\"");
        if let Some(total) = self.total {
            out.push_str(&format!(",\"total\":{total}"));
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
            out.push_str(&format!("{{\"relation\":\"{relation}\",\"url\":{}}}", quoted(url)));
        }
        out.push(']');
        if !self.entries.is_empty() {
            out.push_str(",\"entry\":[");
            for (i, entry) in self.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"fullUrl\":");
                out.push_str(&quoted(&entry.full_url));
                out.push_str(",\"resource\":");
                out.push_str(entry.resource);
                if let Some(mode) = entry.mode {
                    out.push_str(&format!(",\"search\":{{\"mode\":\"{mode}\"}}"));
                }
                out.push('}');
            }
            out.push(']');
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_valid_json_with_raw_resources() {
        let bundle = Bundle {
            total: Some(1),
            self_url: "http://x/Appointment?a=\"q\"".into(),
            next: Some("http://x/next".into()),
            previous: None,
            entries: vec![Entry {
                full_url: "http://x/Appointment/1".into(),
                resource: r#"{"resourceType":"Appointment","id":"1"}"#,
                mode: Some("match"),
            }],
        };
        let value: serde_json::Value = serde_json::from_str(&bundle.render()).unwrap();
        assert_eq!(value["total"], 1);
        assert_eq!(value["link"][1]["relation"], "next");
        assert_eq!(value["link"][0]["url"], "http://x/Appointment?a=\"q\"");
        assert_eq!(value["entry"][0]["resource"]["id"], "1");
        assert_eq!(value["entry"][0]["search"]["mode"], "match");
        let empty: serde_json::Value = serde_json::from_str(&Bundle::default().render()).unwrap();
        assert!(empty.get("entry").is_none());
    }
}
