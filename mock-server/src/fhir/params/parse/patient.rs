//! Patient search (fhir.cerner.com DSTU2 Patient): at least one of `_id identifier name family
//! given birthdate phone email address-postalcode`; `gender` narrows but does not suffice.

use super::{Params, count, date_param, ids, invalid, search, token};
use crate::fhir::params::{DEFAULT_PATIENT_COUNT, ParamError, PatientQuery, Query, Search, TimeRange, Token};

const SUPPORTED: &[&str] = &[
    "_id",
    "identifier",
    "name",
    "family",
    "given",
    "birthdate",
    "phone",
    "email",
    "address-postalcode",
    "gender",
    "_count",
];

const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

pub(super) fn parse(pairs: &[(String, String)]) -> Result<Search, ParamError> {
    let params = Params::new(pairs, SUPPORTED)?;
    let count = count(&params, DEFAULT_PATIENT_COUNT)?;
    let query = PatientQuery {
        ids: ids(&params)?,
        identifier: identifier(&params)?,
        name: text(&params, "name")?,
        family: text(&params, "family")?,
        given: text(&params, "given")?,
        birthdate: birthdate(&params)?,
        phone: text(&params, "phone")?,
        email: text(&params, "email")?,
        postal_code: text(&params, "address-postalcode")?,
        gender: gender(&params)?,
    };
    let gender_only = PatientQuery { gender: query.gender.clone(), ..PatientQuery::default() };
    if query == gender_only {
        return Err(ParamError::NoSupportedParameters);
    }
    Ok(search(Query::Patient(query), count))
}

/// A string criterion, matched later as a case-insensitive prefix; kept as given.
fn text(params: &Params<'_>, name: &str) -> Result<Option<String>, ParamError> {
    Ok(params.single(name)?.map(str::to_owned))
}

/// `identifier=[system|]value`: one token (a value may contain commas, so no list).
fn identifier(params: &Params<'_>) -> Result<Option<Token>, ParamError> {
    params.single("identifier")?.map(|value| token(value).map_err(|reason| invalid("identifier", reason))).transpose()
}

/// One date value; any prefix, so the range may be open (`lt1970`).
fn birthdate(params: &Params<'_>) -> Result<Option<TimeRange>, ParamError> {
    params.single("birthdate")?.map(|value| date_param("birthdate", value).map(|param| param.range())).transpose()
}

fn gender(params: &Params<'_>) -> Result<Option<String>, ParamError> {
    match params.single("gender")? {
        Some(gender) if !GENDERS.contains(&gender) => {
            Err(invalid("gender", format!("'{gender}' is not one of {}", GENDERS.join(", "))))
        }
        gender => Ok(gender.map(str::to_owned)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, invalid_reason, ok, utc_ms};
    use super::*;
    use crate::fhir::params::{Ids, MAX_COUNT};
    use crate::store::ResourceType::Patient;

    fn patient(query: &str) -> PatientQuery {
        match ok(Patient, query).query {
            Query::Patient(patient) => patient,
            other => panic!("not a Patient query: {other:?}"),
        }
    }

    #[test]
    fn each_criterion_alone_is_enough() {
        let criteria = [
            "_id=1",
            "identifier=1",
            "name=Smart",
            "family=Smart",
            "given=Nancy",
            "birthdate=1990",
            "phone=5551234",
            "email=a@b.c",
            "address-postalcode=64117",
        ];
        for query in criteria {
            assert_ne!(patient(query), PatientQuery::default(), "{query}");
        }
    }

    #[test]
    fn every_criterion_lands_in_its_field() {
        let query = "_id=3,3,4&identifier=urn:oid:1.2|MRN1&name=Nan&family=Smart&given=Nancy&birthdate=1990-09-15\
                     &phone=555&email=n@x.org&address-postalcode=64117&gender=female";
        let expected = PatientQuery {
            ids: Some(Ids(vec!["3".into(), "4".into()])),
            identifier: Some(Token { system: Some("urn:oid:1.2".into()), code: "MRN1".into() }),
            name: Some("Nan".into()),
            family: Some("Smart".into()),
            given: Some("Nancy".into()),
            birthdate: Some(TimeRange::new(utc_ms(1990, 9, 15), utc_ms(1990, 9, 16))),
            phone: Some("555".into()),
            email: Some("n@x.org".into()),
            postal_code: Some("64117".into()),
            gender: Some("female".into()),
        };
        assert_eq!(patient(query), expected);
    }

    #[test]
    fn the_patient_page_defaults_to_twenty_and_is_capped() {
        assert_eq!(ok(Patient, "family=Smart").count, DEFAULT_PATIENT_COUNT);
        assert_eq!(ok(Patient, "family=Smart&_count=7").count, 7);
        assert_eq!(ok(Patient, "family=Smart&_count=201").count, MAX_COUNT);
    }

    #[test]
    fn gender_alone_or_nothing_is_no_supported_parameters() {
        for query in ["gender=male", "", "_count=5", "gender=other&_count=5"] {
            assert_eq!(err(Patient, query), ParamError::NoSupportedParameters, "{query}");
        }
    }

    #[test]
    fn gender_must_be_an_administrative_gender() {
        assert_eq!(patient("family=Smart&gender=unknown").gender.as_deref(), Some("unknown"));
        assert!(invalid_reason(Patient, "family=Smart&gender=F", "gender").contains("'F'"));
    }

    #[test]
    fn a_birthdate_prefix_gives_an_open_range() {
        let range = patient("birthdate=lt1970").birthdate;
        assert_eq!(range, Some(TimeRange::new(i64::MIN, utc_ms(1970, 1, 1))));
        assert_eq!(patient("birthdate=ge2000").birthdate.map(|r| r.to), Some(i64::MAX));
    }

    #[test]
    fn a_bad_birthdate_is_invalid() {
        for value in ["1990-02-30", "ne1990", "1990-01-01T10:00"] {
            invalid_reason(Patient, &format!("birthdate={value}"), "birthdate");
        }
        assert_eq!(err(Patient, "birthdate=ge1990&birthdate=lt2000"), ParamError::Repeated("birthdate".into()));
    }

    #[test]
    fn an_identifier_without_system_matches_any_system() {
        let expected = Token { system: None, code: "12345".into() };
        assert_eq!(patient("identifier=12345").identifier, Some(expected));
    }

    #[test]
    fn malformed_identifiers_are_invalid() {
        for value in ["|123", "urn:oid:1|", "a|b|c"] {
            invalid_reason(Patient, &format!("identifier={value}"), "identifier");
        }
    }

    #[test]
    fn criteria_may_not_be_repeated_or_empty() {
        assert_eq!(err(Patient, "name=a&name=b"), ParamError::Repeated("name".into()));
        assert!(invalid_reason(Patient, "family=", "family").contains("empty"));
    }

    #[test]
    fn modifiers_and_unknown_parameters_are_unsupported() {
        for (query, name) in [("name:exact=Smart", "name:exact"), ("family=Smart&address=x", "address")] {
            assert_eq!(err(Patient, query), ParamError::Unsupported(name.into()), "{query}");
        }
    }
}
