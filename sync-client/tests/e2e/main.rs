//! End-to-end tests of the sync client against `cerner-mock` started in-process on port 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Instantiates each listed `async fn(FhirVersion)` once per FHIR version (modules `on_dstu2` and
/// `on_r4`).
macro_rules! on_both_versions {
    ($($case:ident),* $(,)?) => {
        mod on_dstu2 {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(appointment_sync::fhir_version::FhirVersion::Dstu2).await;
                }
            )*
        }
        mod on_r4 {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(appointment_sync::fhir_version::FhirVersion::R4).await;
                }
            )*
        }
    };
}

mod cli;
mod crash;
mod fleet;
mod helpers;
mod hostile;
mod quick_start;
mod r4;
mod resilience;
mod slow_bodies;
mod sync;
mod synthetic;
mod tls;
mod workers;
