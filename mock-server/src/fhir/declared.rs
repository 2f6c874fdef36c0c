//! What each FHIR version serves, declared once: per resource type its search parameters (name,
//! FHIR type, documentation, modifiers) and the `_include`s it serves with the read scope each
//! needs. The search parsers accept exactly the declared names ([`ResourceDecl::accepts`]), and
//! each base's capability statement lists exactly the declared types, `searchParam`s and
//! `searchInclude`s, so the metadata cannot claim what is not served nor leave out what is.
//!
//! The one sanctioned difference: a parameter Cerner's API accepts but its published statement
//! leaves out is declared with [`SearchParam::unlisted`], the docs line that says so, and is kept
//! out of the statement as Cerner keeps it out.

use crate::request::FhirVersion;
use crate::store::ResourceType;

/// A search parameter's FHIR type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `token`: `[system|]code`.
    Token,
    /// `reference`: ids of another resource.
    Reference,
    /// `date`: a date or date-time with an optional prefix.
    Date,
    /// `string`: matched case-insensitively from the start.
    String,
    /// `number`, e.g. `_count`.
    Number,
}

impl ParamType {
    /// The type's name in a capability statement's `searchParam.type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ParamType::Token => "token",
            ParamType::Reference => "reference",
            ParamType::Date => "date",
            ParamType::String => "string",
            ParamType::Number => "number",
        }
    }
}

/// One declared search parameter.
#[derive(Debug)]
pub struct SearchParam {
    /// The parameter's name in a query, e.g. `patient`.
    pub name: &'static str,
    /// Its FHIR type.
    pub kind: ParamType,
    /// The statement's `searchParam.documentation`, as Cerner's words.
    pub documentation: &'static str,
    /// The modifiers accepted after the name (`exact` for `name:exact`).
    pub modifiers: &'static [&'static str],
    /// Accepted but, as in Cerner's published capability statement, not listed in it: the docs
    /// line that documents the parameter anyway.
    pub unlisted: Option<&'static str>,
}

impl SearchParam {
    /// A listed parameter without modifiers.
    pub const fn new(name: &'static str, kind: ParamType, documentation: &'static str) -> Self {
        Self { name, kind, documentation, modifiers: &[], unlisted: None }
    }

    /// The parameter, also accepting these modifiers.
    pub const fn with_modifiers(self, modifiers: &'static [&'static str]) -> Self {
        Self { modifiers, ..self }
    }

    /// The parameter, accepted but left out of the capability statement; `docs` is the documentation line that says it is accepted.
    pub const fn unlisted(self, docs: &'static str) -> Self {
        Self { unlisted: Some(docs), ..self }
    }
}

/// One `_include` value a search serves, and the type whose read scope it needs on a secured base.
#[derive(Debug)]
pub struct Include {
    /// The value as written, e.g. `Slot:schedule`.
    pub value: &'static str,
    /// The type whose read scope the included resources need.
    pub needs: ResourceType,
}

/// One `_revinclude` value a search serves, and the type whose read scope it needs on a secured
/// base (a type the emulator need not serve: `Provenance:target` adds the Provenance resources
/// that target the matches, of which the store holds none).
#[derive(Debug)]
pub struct RevInclude {
    /// The `_revinclude` value, e.g. `Provenance:target`.
    pub value: &'static str,
    /// The resource type whose `system/<Type>.read` the secured base requires for it.
    pub needs: &'static str,
}

/// A resource type a version serves (read and search-type), with what its searches accept.
#[derive(Debug)]
pub struct ResourceDecl {
    /// The resource type.
    pub resource: ResourceType,
    /// Its search parameters.
    pub params: &'static [SearchParam],
    /// Its `_include` values; empty when it serves none.
    pub includes: &'static [Include],
    /// Its `_revinclude` values (listed as `searchRevInclude`); empty when it serves none.
    pub rev_includes: &'static [RevInclude],
}

impl ResourceDecl {
    /// True when a search on this type accepts the parameter `name` (`base` or `base:modifier`;
    /// `_include` or `_revinclude` when the type serves one).
    pub fn accepts(&self, name: &str) -> bool {
        match name {
            "_include" => return !self.includes.is_empty(),
            "_revinclude" => return !self.rev_includes.is_empty(),
            _ => {}
        }
        let (base, modifier) = name.split_once(':').map_or((name, None), |(b, m)| (b, Some(m)));
        self.param(base).is_some_and(|p| modifier.is_none_or(|m| p.modifiers.contains(&m)))
    }

    /// The declared parameter `name` (without a modifier), if there is one.
    pub fn param(&self, name: &str) -> Option<&'static SearchParam> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The served `_include` of this value.
    pub fn include(&self, value: &str) -> Option<&'static Include> {
        self.includes.iter().find(|i| i.value == value)
    }

    /// The served `_revinclude` of this value.
    pub fn rev_include(&self, value: &str) -> Option<&'static RevInclude> {
        self.rev_includes.iter().find(|i| i.value == value)
    }

    /// The parameters the capability statement lists.
    pub fn listed(&self) -> impl Iterator<Item = &'static SearchParam> {
        self.params.iter().filter(|p| p.unlisted.is_none())
    }

    /// `a or b`, for error messages.
    pub fn include_list(&self) -> String {
        let values: Vec<&str> = self.includes.iter().map(|i| i.value).collect();
        values.join(" or ")
    }

    /// `a or b`, for error messages.
    pub fn rev_include_list(&self) -> String {
        let values: Vec<&str> = self.rev_includes.iter().map(|i| i.value).collect();
        values.join(" or ")
    }
}

/// Everything one version serves.
#[derive(Debug)]
pub struct Declaration {
    /// The FHIR version whose bases serve these resources.
    pub version: FhirVersion,
    /// Every resource type it serves, in the statement's order.
    pub resources: &'static [ResourceDecl],
}

impl Declaration {
    /// The declaration of a served type; `None` is the 404 of an unsupported type.
    pub fn resource(&self, resource: ResourceType) -> Option<&'static ResourceDecl> {
        self.resources.iter().find(|r| r.resource == resource)
    }

    /// The served type a path segment names.
    pub fn served(&self, kind: &str) -> Option<&'static ResourceDecl> {
        self.resources.iter().find(|r| r.resource.as_str() == kind)
    }
}

/// A tenant's `[tenants.capabilities]`: a filter over the declaration of either version. A tenant
/// serves only the `resources` listed (all declared ones when absent), and a type listed under
/// `search` only those parameters (a name with a modifier counts as its base name); the tenant's
/// metadata lists exactly what it serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// The types the tenant serves; `None` serves every declared type.
    pub resources: Option<Vec<ResourceType>>,
    /// Per type, the only search parameters it accepts (base names); a type not listed keeps its declaration.
    pub search: Vec<(ResourceType, Vec<String>)>,
}

impl Capabilities {
    /// Whether the tenant serves `resource` at all.
    pub fn serves(&self, resource: ResourceType) -> bool {
        self.resources.as_ref().is_none_or(|served| served.contains(&resource))
    }

    /// Whether a search of `resource` at the tenant may use the (declared) parameter `name`.
    pub fn searches(&self, resource: ResourceType, name: &str) -> bool {
        let base = name.split_once(':').map_or(name, |(base, _)| base);
        match self.search.iter().find(|(r, _)| *r == resource) {
            Some((_, names)) => names.iter().any(|n| n == base),
            None => true,
        }
    }

    /// The parameter a search of `resource` uses that the tenant does not serve, if any.
    pub fn refused<'p>(&self, resource: ResourceType, pairs: &'p [(String, String)]) -> Option<&'p str> {
        pairs.iter().map(|(name, _)| name.as_str()).find(|name| !self.searches(resource, name))
    }
}

/// The declaration of `resource` on `version`; a type the version does not serve accepts nothing.
pub fn decl(version: FhirVersion, resource: ResourceType) -> &'static ResourceDecl {
    static NOTHING: ResourceDecl =
        ResourceDecl { resource: ResourceType::Appointment, params: &[], includes: &[], rev_includes: &[] };
    of(version).resource(resource).unwrap_or(&NOTHING)
}

/// The declaration of `version`.
pub fn of(version: FhirVersion) -> &'static Declaration {
    match version {
        FhirVersion::Dstu2 => &super::dstu2::table::DECLARATION,
        FhirVersion::R4 => &super::r4::table::DECLARATION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_well_formed() {
        for version in FhirVersion::ALL {
            let declared = of(version);
            assert_eq!(declared.version, version);
            for resource in declared.resources {
                let names: Vec<&str> = resource.params.iter().map(|p| p.name).collect();
                let mut unique = names.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), names.len(), "{version} {} declares a name twice", resource.resource);
                assert!(!resource.accepts("_include:iterate"), "no modifiers on _include");
                assert!(!resource.accepts("_revinclude:iterate"), "no modifiers on _revinclude");
                assert!(resource.params.iter().all(|p| !p.name.ends_with("include")), "includes are not params");
                for include in resource.includes {
                    assert!(declared.resource(include.needs).is_some(), "{} includes a served type", include.value);
                }
            }
        }
    }
}
