//! The FHIR versions the client speaks, and what differs between them: how a tenant's version is
//! learnt (`fhirVersion` in `{base}metadata`), the media type sent, and the Appointment search.
//! Everything else (paging, throttling, token hosts, page reading, storing) is the same code for
//! both ([`crate::guard`], [`crate::page`], [`crate::store`]).

use std::fmt;

use serde_json::Value;
use url::Url;

use crate::config::Window;

/// A FHIR version of Cerner Millennium's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum FhirVersion {
    /// `fhirVersion` 1.0.2: `/dstu2/{tenant}/` bases.
    #[serde(rename = "DSTU2")]
    Dstu2,
    /// `fhirVersion` 4.0.1: `/r4/{tenant}/` bases.
    #[serde(rename = "R4")]
    R4,
}

/// The `Accept` of the metadata request, sent before the version is known: each version's FHIR
/// JSON type, which both versions' servers answer.
pub const METADATA_ACCEPT: &str = "application/fhir+json, application/json+fhir;q=0.9";

/// Why a tenant's metadata names no version this client speaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The metadata document has no `fhirVersion` string.
    #[error("the metadata has no fhirVersion (expected 1.0.2 for DSTU2 or 4.0.1 for R4)")]
    Missing,
    /// A `fhirVersion` other than 1.0.2 or 4.0.1, as declared (shortened, control characters dropped).
    #[error("the metadata's fhirVersion {0:?} is not one this client speaks (1.0.2 for DSTU2, 4.0.1 for R4)")]
    Unsupported(String),
}

impl FhirVersion {
    /// Both versions, DSTU2 first.
    pub const ALL: [FhirVersion; 2] = [FhirVersion::Dstu2, FhirVersion::R4];

    /// The version a metadata document (DSTU2 Conformance, R4 CapabilityStatement) declares.
    pub fn from_metadata(metadata: &Value) -> Result<Self, VersionError> {
        let declared = metadata.get("fhirVersion").ok_or(VersionError::Missing)?;
        let Some(text) = declared.as_str() else {
            return Err(VersionError::Unsupported(shown(&declared.to_string())));
        };
        Self::ALL.into_iter().find(|v| v.release() == text).ok_or_else(|| VersionError::Unsupported(shown(text)))
    }

    /// The `fhirVersion` a server of this version declares.
    pub fn release(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "1.0.2",
            FhirVersion::R4 => "4.0.1",
        }
    }

    /// The name stored beside each record and written by `export`: `DSTU2` or `R4`.
    pub fn name(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "DSTU2",
            FhirVersion::R4 => "R4",
        }
    }

    /// The version of a stored [`FhirVersion::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The FHIR JSON media type sent as `Accept`.
    pub fn media_type(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "application/json+fhir",
            FhirVersion::R4 => "application/fhir+json",
        }
    }

    /// The first search of a location group, with valid Cerner parameters only:
    /// - DSTU2: `{base}Appointment?location=a,b&date=geSTART&date=ltEND&_count=N`;
    /// - R4: `{base}Appointment?location=a,b&-date-or-req-period=geSTARTT00:00:00.000Z&…=ltENDT00:00:00.000Z&_count=N`.
    ///   R4 wants times with its prefixes, and its `date` leaves `proposed` appointments out;
    ///   `-date-or-req-period` takes the same range and also matches them by `requestedPeriod`.
    ///
    /// `page_size` 0 leaves `_count` out (a tenant whose metadata does not offer it).
    pub fn search_url(
        self,
        base: &Url,
        locations: &[String],
        window: &Window,
        page_size: u32,
    ) -> Result<Url, url::ParseError> {
        let mut url = base.join("Appointment")?;
        let (date, start, end) = match self {
            FhirVersion::Dstu2 => ("date", window.start.to_string(), window.end.to_string()),
            FhirVersion::R4 => (
                "-date-or-req-period",
                format!("{}T00:00:00.000Z", window.start),
                format!("{}T00:00:00.000Z", window.end),
            ),
        };
        url.query_pairs_mut()
            .append_pair("location", &locations.join(","))
            .append_pair(date, &format!("ge{start}"))
            .append_pair(date, &format!("lt{end}"));
        // 0: the tenant's metadata does not offer `_count`; its own page size applies.
        if page_size > 0 {
            url.query_pairs_mut().append_pair("_count", &page_size.to_string());
        }
        Ok(url)
    }
}

impl fmt::Display for FhirVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A declared version for a message: at most 32 characters, control characters dropped.
fn shown(text: &str) -> String {
    let cut: String = text.chars().filter(|c| !c.is_control()).take(32).collect();
    if cut.chars().count() < text.chars().count() { format!("{cut}…") } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_version_is_read_from_fhir_version() {
        assert_eq!(FhirVersion::from_metadata(&json!({"fhirVersion": "1.0.2"})), Ok(FhirVersion::Dstu2));
        assert_eq!(FhirVersion::from_metadata(&json!({"fhirVersion": "4.0.1"})), Ok(FhirVersion::R4));
        assert_eq!(FhirVersion::from_metadata(&json!({"resourceType": "Conformance"})), Err(VersionError::Missing));
        let refused = [json!("3.0.2"), json!("4.0"), json!(""), json!(4.01), json!(null), json!(["4.0.1"])];
        for value in refused {
            let err = FhirVersion::from_metadata(&json!({ "fhirVersion": value })).unwrap_err();
            assert!(matches!(err, VersionError::Unsupported(_)), "{value}: {err}");
            assert!(err.to_string().contains("1.0.2 for DSTU2, 4.0.1 for R4"), "{err}");
        }
    }

    #[test]
    fn a_long_declared_version_is_cut_in_the_message() {
        let err = FhirVersion::from_metadata(&json!({ "fhirVersion": "9".repeat(10_000) })).unwrap_err();
        assert!(err.to_string().len() < 200, "{err}");
    }

    #[test]
    fn names_round_trip() {
        for version in FhirVersion::ALL {
            assert_eq!(FhirVersion::from_name(version.name()), Some(version));
        }
        assert_eq!(FhirVersion::from_name("r4"), None);
    }

    #[test]
    fn a_page_size_of_zero_leaves_count_out() {
        let window = Window { start: time::macros::date!(2026 - 01 - 05), end: time::macros::date!(2026 - 01 - 12) };
        let base = Url::parse("https://h/dstu2/t/").unwrap();
        let url = FhirVersion::Dstu2.search_url(&base, &["1".into()], &window, 0).unwrap();
        assert_eq!(url.as_str(), "https://h/dstu2/t/Appointment?location=1&date=ge2026-01-05&date=lt2026-01-12");
    }

    #[test]
    fn each_version_searches_by_its_own_rules() {
        let window = Window { start: time::macros::date!(2026 - 01 - 05), end: time::macros::date!(2026 - 01 - 12) };
        let base = Url::parse("https://h/dstu2/t/").unwrap();
        let url = FhirVersion::Dstu2.search_url(&base, &["1".into(), "2".into()], &window, 100).unwrap();
        assert_eq!(
            url.as_str(),
            "https://h/dstu2/t/Appointment?location=1%2C2&date=ge2026-01-05&date=lt2026-01-12&_count=100"
        );
        let base = Url::parse("https://h/r4/t/").unwrap();
        let url = FhirVersion::R4.search_url(&base, &["1".into(), "2".into()], &window, 100).unwrap();
        assert_eq!(
            url.as_str(),
            "https://h/r4/t/Appointment?location=1%2C2&-date-or-req-period=ge2026-01-05T00%3A00%3A00.000Z\
             &-date-or-req-period=lt2026-01-12T00%3A00%3A00.000Z&_count=100"
        );
    }
}
