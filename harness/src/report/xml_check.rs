//! A small XML well-formedness checker for the renderers' tests: one root element, balanced and
//! matching tags, quoted and unique attributes, no raw `<` or stray `&` in text or attributes, only
//! the predefined entities and character references, no control characters XML 1.0 forbids. It
//! returns the tree so tests can count elements and read unescaped attribute values. The workspace
//! has no XML crate, and the renderers must not pull one in for their tests alone.

#[derive(Debug)]
pub(super) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every element named `name` below this one, in document order.
    pub(super) fn descendants(&self, name: &str) -> Vec<&Element> {
        let mut found = Vec::new();
        for child in &self.children {
            if child.name == name {
                found.push(child);
            }
            found.extend(child.descendants(name));
        }
        found
    }
}

/// Why a document is not well-formed: the first fault found, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(super) struct NotWellFormed(String);

/// Parses a whole document: an optional `<?xml ..?>` declaration, an optional `<!DOCTYPE ..>`
/// (so XHTML-style HTML can be checked too), one root element, nothing after it but whitespace.
pub(super) fn parse(doc: &str) -> Result<Element, NotWellFormed> {
    document(doc).map_err(NotWellFormed)
}

fn document(doc: &str) -> Result<Element, String> {
    if let Some(c) = doc.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err(format!("control character {c:?}"));
    }
    let mut p = Parser { rest: doc };
    p.skip_ws();
    if p.rest.starts_with("<?xml") {
        p.skip_past("?>")?;
    }
    p.skip_ws();
    if p.rest.starts_with("<!DOCTYPE") {
        p.skip_past(">")?;
    }
    p.skip_ws();
    let root = p.element()?;
    p.skip_ws();
    if p.rest.is_empty() { Ok(root) } else { Err(format!("content after the root: {:.40}", p.rest)) }
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn element(&mut self) -> Result<Element, String> {
        self.expect("<")?;
        let name = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let spaced = self.skip_ws();
            if self.eat("/>") {
                return Ok(Element { name, attrs, children: Vec::new(), text: String::new() });
            }
            if self.eat(">") {
                break;
            }
            if !spaced {
                return Err(format!("no space before an attribute of <{name}>"));
            }
            let (key, value) = self.attribute()?;
            if attrs.iter().any(|(k, _)| *k == key) {
                return Err(format!("duplicate attribute {key} on <{name}>"));
            }
            attrs.push((key, value));
        }
        let (children, text) = self.content(&name)?;
        Ok(Element { name, attrs, children, text })
    }

    fn attribute(&mut self) -> Result<(String, String), String> {
        let key = self.name()?;
        self.skip_ws();
        self.expect("=")?;
        self.skip_ws();
        self.expect("\"")?;
        let end = self.rest.find('"').ok_or("unterminated attribute value")?;
        let raw = &self.rest[..end];
        if raw.contains('<') {
            return Err(format!("raw < in attribute {key}"));
        }
        let value = unescape(raw)?;
        self.rest = &self.rest[end + 1..];
        Ok((key, value))
    }

    /// Children and text up to and including the closing tag of `name`.
    fn content(&mut self, name: &str) -> Result<(Vec<Element>, String), String> {
        let (mut children, mut text) = (Vec::new(), String::new());
        loop {
            let next = self.rest.find('<').ok_or_else(|| format!("<{name}> is never closed"))?;
            text.push_str(&unescape(&self.rest[..next])?);
            self.rest = &self.rest[next..];
            if self.eat("</") {
                let closing = self.name()?;
                self.skip_ws();
                self.expect(">")?;
                return if closing == name {
                    Ok((children, text))
                } else {
                    Err(format!("<{name}> closed by </{closing}>"))
                };
            }
            if self.rest.starts_with("<!--") {
                self.skip_past("-->")?;
                continue;
            }
            children.push(self.element()?);
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let end = self
            .rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
            .unwrap_or(self.rest.len());
        let name = &self.rest[..end];
        if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return Err(format!("bad name at {:.40}", self.rest));
        }
        self.rest = &self.rest[end..];
        Ok(name.to_owned())
    }

    /// Skips whitespace; says whether there was any.
    fn skip_ws(&mut self) -> bool {
        let before = self.rest.len();
        self.rest = self.rest.trim_start_matches([' ', '\t', '\n', '\r']);
        self.rest.len() != before
    }

    fn eat(&mut self, token: &str) -> bool {
        self.rest.strip_prefix(token).map(|rest| self.rest = rest).is_some()
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.eat(token) { Ok(()) } else { Err(format!("expected {token:?} at {:.40}", self.rest)) }
    }

    fn skip_past(&mut self, token: &str) -> Result<(), String> {
        let at = self.rest.find(token).ok_or_else(|| format!("missing {token:?}"))?;
        self.rest = &self.rest[at + token.len()..];
        Ok(())
    }
}

/// Resolves the five predefined entities and character references; anything else after `&` is an
/// error, which is how an unescaped `&` shows up.
fn unescape(raw: &str) -> Result<String, String> {
    let mut pieces = raw.split('&');
    let mut out = pieces.next().unwrap_or_default().to_owned();
    for piece in pieces {
        let semi = piece.find(';').ok_or_else(|| format!("stray & before {piece:.20}"))?;
        let (entity, tail) = (&piece[..semi], &piece[semi + 1..]);
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => entity.strip_prefix('#').and_then(|dec| dec.parse().ok()),
                };
                code.and_then(char::from_u32).ok_or_else(|| format!("unknown entity &{entity};"))?
            }
        };
        out.push(c);
        out.push_str(tail);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_accepts_well_formed_documents() {
        let root = parse("<?xml version=\"1.0\"?>\n<a x=\"1 &amp; &#39;2&#x27;\"><b/><b>t &lt;</b><!-- c --></a>\n")
            .expect("well-formed");
        assert_eq!(root.attr("x"), Some("1 & '2'"));
        assert_eq!(root.descendants("b").len(), 2);
        assert_eq!(root.children[1].text, "t <");
    }

    #[test]
    fn the_checker_rejects_what_a_ci_server_would() {
        for bad in [
            "<a><b></a>",
            "<a></a><b></b>",
            "<a x=\"<\"></a>",
            "<a>&</a>",
            "<a>&nbsp;</a>",
            "<a x=\"1\" x=\"2\"></a>",
            "<a x=\"1\"y=\"2\"></a>",
            "<a>\u{1b}</a>",
            "<a>",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }
}
