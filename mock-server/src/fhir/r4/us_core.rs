//! Race and ethnicity on R4 Patients (fhir.cerner.com Millennium R4 Patient, Extensions: "US Core
//! Race", "US Core Ethnicity"). The store keeps a Patient in its DSTU2 shape, with the Argonaut
//! `argo-race` / `argo-ethnicity` extensions; R4 names them by their US Core URLs, and the codings
//! of their `ombCategory` and `detailed` parts use the CDC Race & Ethnicity code system by its OID,
//! as US Core binds them. The `text` part is kept as it is.

use serde_json::Value;

const ARGONAUT: &str = "http://fhir.org/guides/argonaut/StructureDefinition/";
const US_CORE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/";
/// The CDC Race & Ethnicity code system.
pub(super) const CDC_RACE_ETHNICITY: &str = "urn:oid:2.16.840.1.113883.6.238";

/// Rewrites a Patient's Argonaut race and ethnicity extensions as US Core ones, in place.
pub(super) fn race_and_ethnicity(patient: &mut Value) {
    let Some(extensions) = patient.get_mut("extension").and_then(Value::as_array_mut) else { return };
    for extension in extensions {
        let us_core = match extension["url"].as_str().and_then(|url| url.strip_prefix(ARGONAUT)) {
            Some("argo-race") => "us-core-race",
            Some("argo-ethnicity") => "us-core-ethnicity",
            _ => continue,
        };
        extension["url"] = Value::String(format!("{US_CORE}{us_core}"));
        let parts = extension.get_mut("extension").and_then(Value::as_array_mut).into_iter().flatten();
        for part in parts.filter(|p| matches!(p["url"].as_str(), Some("ombCategory" | "detailed"))) {
            if let Some(coding) = part.get_mut("valueCoding").and_then(Value::as_object_mut) {
                coding.insert("system".to_owned(), Value::String(CDC_RACE_ETHNICITY.to_owned()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::r4::render::to_r4;
    use crate::store::{Body, ResourceType, Row};
    use serde_json::json;

    /// fhir.cerner.com Millennium R4 Patient, Extensions: "* [US Core Race]" and "* [US Core
    /// Ethnicity]"; its example (`r4_examples_patient.rb`) carries `'url':
    /// 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race'` with an `ombCategory`
    /// coding of `'system': 'urn:oid:2.16.840.1.113883.6.238'`.
    #[test]
    fn argonaut_race_and_ethnicity_become_us_core_with_the_cdc_system() {
        let dstu2 = json!({"resourceType": "Patient", "id": "1", "extension": [
            {"url": "http://fhir.org/guides/argonaut/StructureDefinition/argo-race", "extension": [
                {"url": "ombCategory", "valueCoding": {"system": "http://hl7.org/fhir/v3/Race", "code": "2106-3", "display": "White"}},
                {"url": "detailed", "valueCoding": {"system": "http://hl7.org/fhir/v3/Race", "code": "2106-3"}},
                {"url": "text", "valueString": "White"}]},
            {"url": "http://fhir.org/guides/argonaut/StructureDefinition/argo-ethnicity", "extension": [
                {"url": "ombCategory", "valueCoding": {"system": "http://hl7.org/fhir/v3/Ethnicity", "code": "2186-5"}},
                {"url": "text", "valueString": "Not Hispanic"}]},
            {"url": "https://fhir-ehr.cerner.com/dstu2/StructureDefinition/birth-time", "valueDateTime": "2020"}]});
        let row = Row { id: "1".into(), version: "1".into(), body: Body::Json(dstu2.to_string().as_str().into()) };
        let r4 = to_r4(ResourceType::Patient, &row).unwrap();
        let extensions = &r4["extension"];
        assert_eq!(extensions[0]["url"], "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race");
        assert_eq!(
            extensions[0]["extension"][0],
            json!({"url": "ombCategory", "valueCoding": {"system": CDC_RACE_ETHNICITY, "code": "2106-3", "display": "White"}})
        );
        assert_eq!(extensions[0]["extension"][1]["valueCoding"]["system"], CDC_RACE_ETHNICITY);
        assert_eq!(extensions[0]["extension"][2], json!({"url": "text", "valueString": "White"}));
        assert_eq!(extensions[1]["url"], "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity");
        assert_eq!(extensions[1]["extension"][0]["valueCoding"]["system"], CDC_RACE_ETHNICITY);
        assert_eq!(extensions[2]["url"], "https://fhir-ehr.cerner.com/r4/StructureDefinition/birth-time");
    }

    /// The same rule over every stored Patient of the default profile, the sandbox fixtures and
    /// the synthetic generator's patients alike: no Argonaut URL reaches R4, and a race or
    /// ethnicity coding is in the CDC system.
    #[test]
    fn every_stored_patient_renders_race_and_ethnicity_as_us_core() {
        let profile = crate::Profile::embedded_default();
        let day = time::macros::date!(2026 - 01 - 05);
        let store = crate::store::Store::load(&profile, day, &Default::default()).unwrap();
        let (mut patients, mut with_race) = (0, 0);
        for tenant in &profile.tenants {
            let data = store.read(tenant.id.as_str()).unwrap();
            for (_, row) in data.table(ResourceType::Patient).unwrap().rows() {
                let r4 = to_r4(ResourceType::Patient, row).unwrap();
                let text = r4.to_string();
                assert!(!text.contains("argonaut"), "{}: {text}", row.id);
                let us_core = r4["extension"].as_array().into_iter().flatten().filter(|e| {
                    e["url"].as_str().is_some_and(|u| {
                        u.starts_with(US_CORE) && (u.ends_with("us-core-race") || u.ends_with("us-core-ethnicity"))
                    })
                });
                for extension in us_core {
                    with_race += 1;
                    for part in extension["extension"].as_array().into_iter().flatten() {
                        if part["url"] != "text" {
                            assert_eq!(part["valueCoding"]["system"], CDC_RACE_ETHNICITY, "{}", row.id);
                        }
                    }
                }
                patients += 1;
            }
        }
        assert!(patients > 100, "synthetic patients are among them: {patients}");
        assert!(with_race >= 2, "the sandbox patient's race and ethnicity: {with_race}");
    }
}
