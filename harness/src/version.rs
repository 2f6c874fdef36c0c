//! The FHIR versions a rehearsal speaks: DSTU2 (the default, as the review of DSTU2 apps expects)
//! and R4 (what production system accounts use). A scenario runs once per version asked for, with
//! the job's `fhir_base`s, its fault rules and its checks in that version's terms.

use serde::Serialize;

/// A FHIR version a scenario runs on; lower case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FhirVersion {
    /// DSTU2 (1.0.2), the `/dstu2/` bases.
    Dstu2,
    /// R4 (4.0.1), the `/r4/` bases.
    R4,
}

impl FhirVersion {
    /// Both versions, DSTU2 first.
    pub const ALL: [FhirVersion; 2] = [FhirVersion::Dstu2, FhirVersion::R4];

    /// The path segment of its bases (`/dstu2/{tenant}/`, `/r4/{tenant}/`), also the name fault
    /// rules and the journal use.
    pub fn segment(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "dstu2",
            FhirVersion::R4 => "r4",
        }
    }

    /// How reports name it.
    pub fn label(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "DSTU2",
            FhirVersion::R4 => "R4",
        }
    }

    /// The `fhirVersion` its `metadata` declares.
    pub fn number(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "1.0.2",
            FhirVersion::R4 => "4.0.1",
        }
    }

    /// The version of a FHIR base URL, from its path (`…/r4/{tenant}/` is R4, anything else DSTU2).
    pub fn of_base(base: &str) -> Self {
        if base.contains("/r4/") { FhirVersion::R4 } else { FhirVersion::Dstu2 }
    }

    /// Whether an `Accept` value (absent: `None`) asks for this version's FHIR JSON. DSTU2:
    /// `application/json+fhir` or `application/json`. R4 (fhir.cerner.com R4 media types): absent,
    /// `*/*`, `application/fhir+json`, `application/json`, or DSTU2's `application/json+fhir`.
    pub fn accepts(self, accept: Option<&str>) -> bool {
        match (self, accept) {
            (FhirVersion::Dstu2, None) => false,
            (FhirVersion::Dstu2, Some(value)) => {
                media_ranges(value).any(|m| m == "application/json+fhir" || m == "application/json")
            }
            (FhirVersion::R4, None) => true,
            (FhirVersion::R4, Some(value)) => media_ranges(value).any(|m| {
                matches!(m.as_str(), "*/*" | "application/fhir+json" | "application/json" | "application/json+fhir")
            }),
        }
    }

    /// What the Accept check expects, in words.
    pub fn accepted_types(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "application/json+fhir or application/json",
            FhirVersion::R4 => "application/fhir+json, application/json, application/json+fhir, */* or no Accept",
        }
    }
}

/// The media types of an `Accept` value, lower-cased, without parameters; a range given `q=0` is
/// a refusal and left out.
fn media_ranges(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split(',').filter_map(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next()?.to_ascii_lowercase();
        let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
        (!refused && !media.is_empty()).then_some(media)
    })
}

/// Whether a request path is one of a FHIR base's (secured or open, either version).
pub fn is_fhir_path(path: &str) -> bool {
    let path = path.strip_prefix("/open").unwrap_or(path);
    path.starts_with("/dstu2/") || path.starts_with("/r4/")
}

/// `--fhir-version`: `dstu2`, `r4` or `both`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum VersionChoice {
    /// DSTU2 only.
    #[default]
    Dstu2,
    /// R4 only.
    R4,
    /// Each scenario on every version it exists on.
    Both,
}

impl VersionChoice {
    /// The versions the choice stands for, DSTU2 first.
    pub fn versions(self) -> Vec<FhirVersion> {
        match self {
            VersionChoice::Dstu2 => vec![FhirVersion::Dstu2],
            VersionChoice::R4 => vec![FhirVersion::R4],
            VersionChoice::Both => FhirVersion::ALL.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dstu2_accepts_its_json_types_only() {
        let v = FhirVersion::Dstu2;
        assert!(v.accepts(Some("application/json+fhir")) && v.accepts(Some("application/json; charset=utf-8")));
        assert!(!v.accepts(None) && !v.accepts(Some("text/html")) && !v.accepts(Some("application/fhir+json")));
    }

    #[test]
    fn r4_accepts_what_cerner_documents_and_nothing_else() {
        let v = FhirVersion::R4;
        for ok in
            [None, Some("*/*"), Some("application/fhir+json"), Some("application/json"), Some("application/json+fhir")]
        {
            assert!(v.accepts(ok), "{ok:?}");
        }
        for refused in [Some("application/fhir+xml"), Some("text/html"), Some("application/fhir+json;q=0"), Some("")] {
            assert!(!v.accepts(refused), "{refused:?}");
        }
        assert!(v.accepts(Some("text/html, application/fhir+json;q=0.9")));
    }

    #[test]
    fn both_is_every_version_in_order() {
        assert_eq!(VersionChoice::Both.versions(), vec![FhirVersion::Dstu2, FhirVersion::R4]);
        assert_eq!(VersionChoice::default().versions(), vec![FhirVersion::Dstu2]);
    }

    #[test]
    fn fhir_paths_are_told_from_token_and_admin_paths() {
        assert!(is_fhir_path("/r4/t/Appointment") && is_fhir_path("/open/dstu2/t/metadata"));
        assert!(!is_fhir_path("/tenants/t/protocols/oauth2/profiles/smart-v1/token") && !is_fhir_path("/r4x/"));
        assert_eq!(FhirVersion::of_base("http://h/r4/t/"), FhirVersion::R4);
    }
}
