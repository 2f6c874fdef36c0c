//! Where a profile's relative paths lead: a directory on disk, or the files compiled in with the
//! default profile so the binary runs without any.

use std::path::PathBuf;

pub(super) const DEFAULT_PROFILE: &str = include_str!("../../../fixtures/profile.toml");
/// Files the default profile refers to, compiled in with it so the binary needs no files.
const EMBEDDED_FILES: &[(&str, &str)] = &[
    ("keys/jwt-account.jwks.json", include_str!("../../../fixtures/keys/jwt-account.jwks.json")),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Appointment.json",
        include_str!("../../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Appointment.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Encounter.json",
        include_str!("../../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Encounter.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Patient.json",
        include_str!("../../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Patient.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Practitioner.json",
        include_str!("../../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Practitioner.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Schedule.json",
        include_str!("../../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Schedule.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Slot.json",
        include_str!("../../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Slot.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Location.json",
        include_str!("../../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Location.json"),
    ),
];

pub(super) enum Files {
    Dir(PathBuf),
    Embedded,
}

impl Files {
    pub(super) fn read(&self, rel: &str) -> Result<String, String> {
        match self {
            Files::Dir(dir) => {
                let path = dir.join(rel);
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
            }
            Files::Embedded => EMBEDDED_FILES
                .iter()
                .find(|(name, _)| *name == rel)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| format!("no embedded file {rel:?}")),
        }
    }

    /// Like [`Files::read`], but a missing file is `None`.
    pub(super) fn read_optional(&self, rel: &str) -> Result<Option<String>, String> {
        let exists = match self {
            Files::Dir(dir) => dir.join(rel).exists(),
            Files::Embedded => EMBEDDED_FILES.iter().any(|(name, _)| *name == rel),
        };
        if exists { self.read(rel).map(Some) } else { Ok(None) }
    }
}
