//! Public origins (`scheme://host[:port]`), as the profile, the command line and the hostile
//! fault actions give them. A leaf module, so the profile and the fault rules share it without
//! depending on each other.

use url::Url;

/// Why a text is not an origin; the message quotes the text (origins hold no secrets here:
/// the admin client, which may be given credentials, checks its own).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// The text does not parse as a URL.
    #[error("{text:?} is not a URL: {source}")]
    NotAUrl {
        /// The text as given.
        text: String,
        /// Why it does not parse.
        source: url::ParseError,
    },
    /// A URL that is not http(s), has no host, or has a path, query or fragment.
    #[error("{0:?} must be an origin such as http://localhost:8080 (no path)")]
    NotAnOrigin(String),
}

/// Parses an origin: scheme `http` or `https`, a host, an optional port, nothing else.
pub fn parse_origin(text: &str) -> Result<Url, OriginError> {
    let url = Url::parse(text).map_err(|source| OriginError::NotAUrl { text: text.to_owned(), source })?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
        return Err(OriginError::NotAnOrigin(text.to_owned()));
    }
    Ok(url)
}
