//! How served requests are logged. A fault rule's answer (a 500, a reset, a 503) is what the user
//! asked for, not an emulator error: it is recorded in the journal and logged at DEBUG with the
//! rule that shaped it. A 5xx the emulator produced by itself is still logged at ERROR.

use std::time::Duration;

use axum::http::Response;
use tower_http::classify::{ServerErrorsAsFailures, ServerErrorsFailureClass, SharedClassifier};
use tower_http::trace::{OnFailure, OnResponse, TraceLayer};
use tracing::Span;

use crate::journal::FaultApplied;

/// The trace layer around the whole router.
pub fn trace_layer() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    tower_http::trace::DefaultMakeSpan,
    tower_http::trace::DefaultOnRequest,
    LogResponse,
    tower_http::trace::DefaultOnBodyChunk,
    tower_http::trace::DefaultOnEos,
    LogFailure,
> {
    TraceLayer::new_for_http().on_response(LogResponse).on_failure(LogFailure)
}

/// Marks a response that a fault rule shaped, so the log can tell it from an emulator failure.
pub fn mark<B>(response: &mut Response<B>, fault: &FaultApplied) {
    response.extensions_mut().insert(fault.clone());
}

/// Logs each response: a fault rule's at DEBUG with its rule, the emulator's own 5xx at ERROR, the rest at DEBUG.
#[derive(Debug, Clone, Copy)]
pub struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        let status = response.status().as_u16();
        let latency_ms = latency.as_millis();
        match response.extensions().get::<FaultApplied>() {
            Some(fault) => {
                tracing::debug!(status, latency_ms, rule = %fault.rule, action = %fault.action, "fault injected")
            }
            None if response.status().is_server_error() => tracing::error!(status, latency_ms, "response failed"),
            None => tracing::debug!(status, latency_ms, "finished processing request"),
        }
    }
}

/// Body-stream failures come from cut connections (a `truncate` rule, a client that hung up):
/// the journal has them; the log keeps them at DEBUG. Status failures are logged by
/// [`LogResponse`], which can tell an injected one.
#[derive(Debug, Clone, Copy)]
pub struct LogFailure;

impl OnFailure<ServerErrorsFailureClass> for LogFailure {
    fn on_failure(&mut self, failure: ServerErrorsFailureClass, latency: Duration, _span: &Span) {
        tracing::debug!(%failure, latency_ms = latency.as_millis(), "response failed");
    }
}
