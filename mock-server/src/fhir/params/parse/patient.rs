//! Patient search (fhir.cerner.com DSTU2 Patient): at least one of `_id identifier name family
//! given birthdate phone email address-postalcode`; `gender` narrows but does not suffice.

use super::{Params, RangeRule, count, date_param, ids, invalid, pair_range, search, token};
use crate::fhir::declared::ResourceDecl;
use crate::fhir::params::date::DatePrefix;
use crate::fhir::params::{DEFAULT_PATIENT_COUNT, ParamError, PatientQuery, Query, Search, Text, TimeRange, Token};

/// "Twice to indicate a date range and must contain one prefix each of `le` and `ge`."
const BIRTHDATE_RANGE: RangeRule = RangeRule { lower: &[DatePrefix::Ge], upper: &[DatePrefix::Le] };

const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

/// Patient's rules, the same on both versions; `declared` is the version's Patient declaration.
pub(crate) fn parse(pairs: &[(String, String)], declared: &ResourceDecl) -> Result<Search, ParamError> {
    from_params(&Params::new(pairs, declared)?)
}

/// Patient's rules on pairs already grouped (and checked against a declaration) by [`Params::new`].
pub(crate) fn from_params(params: &Params<'_>) -> Result<Search, ParamError> {
    let count = count(params, DEFAULT_PATIENT_COUNT)?;
    let query = PatientQuery {
        ids: ids(params)?,
        identifier: identifier(params)?,
        name: string(params, "name")?,
        family: string(params, "family")?,
        given: string(params, "given")?,
        birthdate: birthdate(params)?,
        phone: text(params, "phone")?,
        email: text(params, "email")?,
        postal_code: string(params, "address-postalcode")?,
        gender: gender(params)?,
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

/// A string parameter that takes the `:exact` modifier (Patient: `name`, `family`, `given`,
/// `address-postalcode`), given once, with or without it.
fn string(params: &Params<'_>, name: &str) -> Result<Option<Text>, ParamError> {
    let exact_name = format!("{name}:exact");
    match (params.single(name)?, params.single(&exact_name)?) {
        (Some(_), Some(_)) => Err(ParamError::Conflict(name.to_owned(), exact_name)),
        (Some(value), None) => Ok(Some(Text::prefix(value))),
        (None, Some(value)) => Ok(Some(Text { value: value.to_owned(), exact: true })),
        (None, None) => Ok(None),
    }
}

/// One date value with any prefix (the range may be open, `lt1970`), or a `ge` + `le` pair.
fn birthdate(params: &Params<'_>) -> Result<Option<TimeRange>, ParamError> {
    match params.values("birthdate") {
        [] => Ok(None),
        [one] => date_param("birthdate", one).map(|param| Some(param.range())),
        [a, b] => pair_range("birthdate", date_param("birthdate", a)?, date_param("birthdate", b)?, &BIRTHDATE_RANGE)
            .map(Some),
        more => Err(invalid("birthdate", format!("given {} times; give one value, or one ge and one le", more.len()))),
    }
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
            name: Some(Text::prefix("Nan")),
            family: Some(Text::prefix("Smart")),
            given: Some(Text::prefix("Nancy")),
            birthdate: Some(TimeRange::new(utc_ms(1990, 9, 15), utc_ms(1990, 9, 16))),
            phone: Some("555".into()),
            email: Some("n@x.org".into()),
            postal_code: Some(Text::prefix("64117")),
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
        let reason = invalid_reason(Patient, "birthdate=ge1990&birthdate=lt2000", "birthdate");
        assert!(reason.contains("one ge value and one le value"), "{reason}");
        invalid_reason(Patient, "birthdate=ge1990&birthdate=le1980", "birthdate");
        invalid_reason(Patient, "birthdate=ge1990&birthdate=le2000&birthdate=1995", "birthdate");
    }

    #[test]
    fn a_birthdate_ge_le_pair_is_the_closed_range_between_them() {
        let expected = TimeRange::new(utc_ms(2001, 3, 13), utc_ms(2001, 5, 2));
        assert_eq!(patient("birthdate=ge2001-03-13&birthdate=le2001-05-01").birthdate, Some(expected));
        assert_eq!(patient("birthdate=le2001-05-01&birthdate=ge2001-03-13").birthdate, Some(expected));
    }

    #[test]
    fn name_family_given_and_postal_code_take_the_exact_modifier() {
        let query = patient("name:exact=Smart&family:exact=Smart&given:exact=Nancy&address-postalcode:exact=64117");
        let exact = |value: &str| Some(Text { value: value.into(), exact: true });
        assert_eq!((query.name, query.family, query.given), (exact("Smart"), exact("Smart"), exact("Nancy")));
        assert_eq!(query.postal_code, exact("64117"));
        assert_eq!(err(Patient, "name=a&name:exact=b"), ParamError::Conflict("name".into(), "name:exact".into()));
        assert_eq!(err(Patient, "phone:exact=1"), ParamError::Unsupported("phone:exact".into()));
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
        for (query, name) in [("name:contains=Smart", "name:contains"), ("family=Smart&address=x", "address")] {
            assert_eq!(err(Patient, query), ParamError::Unsupported(name.into()), "{query}");
        }
    }
}
