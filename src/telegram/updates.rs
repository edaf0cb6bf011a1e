//! Polling without a public address: getUpdates with offsets, long polling bounded by the
//! call's Timeout, and the batch returned with the offset to store after it.
//!
//! Telegram confirms an update when getUpdates is next called with an offset above its
//! `update_id`. So the caller stores the batch first and `next_offset` second: a crash between
//! the two re-reads the batch (at-least-once) and nothing is lost.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::transfer_error::TransferError;
use super::{check_token, Api, Body, Error};

/// Options of GetTelegramUpdates.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatesOptions {
    /// 1..=100 updates per batch (Telegram's default: 100).
    pub limit: Option<i64>,
    /// Update kinds to receive, e.g. `["message", "callback_query"]`.
    pub allowed_updates: Option<Vec<String>>,
}

/// getUpdates' body.
#[derive(Debug, Serialize)]
struct GetUpdates<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
    timeout: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_updates: Option<&'a [String]>,
}

/// The long-poll wait Telegram is asked for: what the caller wants, but short enough that the
/// answer arrives within the call's Timeout (a margin of a tenth, at least 2 s, for the
/// round trip).
pub fn poll_seconds(wanted: u64, timeout: Duration) -> u64 {
    let total = timeout.as_secs();
    let margin = (total / 10).max(2);
    wanted.min(total.saturating_sub(margin))
}

/// The offset to pass next: one above the highest `update_id` of the batch, or `offset`
/// itself when the batch is empty.
pub fn next_offset(updates: &[Value], offset: i64) -> i64 {
    updates
        .iter()
        .filter_map(|u| u.get("update_id").and_then(Value::as_i64))
        .max()
        .map_or(offset, |id| id + 1)
}

impl Api {
    /// getUpdates from `offset` (0: from the oldest unconfirmed; updates below it are
    /// confirmed), waiting up to `wait_seconds` for one to come. Returns
    /// `{"updates": [...], "next_offset": N}`.
    pub fn get_updates(
        &self,
        token: &str,
        offset: i64,
        wait_seconds: u64,
        options: &UpdatesOptions,
    ) -> Result<Value, Error> {
        check_token(token)?;
        if let Some(limit) = options.limit.filter(|l| !(1..=100).contains(l)) {
            return Err(TransferError::UpdatesLimit { value: limit }.into());
        }
        if let Some(kinds) = &options.allowed_updates {
            if kinds.iter().any(|k| k.trim().is_empty()) {
                return Err(TransferError::AllowedUpdatesEmpty.into());
            }
        }
        let body = serde_json::to_value(GetUpdates {
            offset: (offset != 0).then_some(offset),
            limit: options.limit,
            timeout: poll_seconds(wait_seconds, self.timeout),
            allowed_updates: options.allowed_updates.as_deref(),
        })
        .unwrap_or_default();
        let result = self
            .request(token, "getUpdates", Body::Json(&body))
            .map_err(|e| match e {
                Error::Telegram {
                    code: 409,
                    description,
                    ..
                } => TransferError::PollingConflict {
                    webhook: description.to_ascii_lowercase().contains("webhook"),
                    description,
                }
                .into(),
                other => other,
            })?;
        let updates = match result {
            Value::Array(items) => items,
            other => {
                return Err(Error::BadResponse {
                    url: self.shown_url(token, "getUpdates"),
                    status: 200,
                    excerpt: super::transfer_error::clip(&other.to_string()),
                })
            }
        };
        let next = next_offset(&updates, offset);
        Ok(serde_json::json!({ "updates": updates, "next_offset": next }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_poll_ends_within_the_timeout() {
        assert_eq!(poll_seconds(25, Duration::from_secs(30)), 25);
        assert_eq!(poll_seconds(60, Duration::from_secs(30)), 27);
        assert_eq!(poll_seconds(60, Duration::from_secs(3)), 1);
        assert_eq!(poll_seconds(5, Duration::from_secs(1)), 0);
        assert_eq!(poll_seconds(0, Duration::from_secs(300)), 0);
    }

    #[test]
    fn next_offset_is_one_above_the_last_update() {
        let batch = [json!({"update_id": 7}), json!({"update_id": 9})];
        assert_eq!(next_offset(&batch, 0), 10);
        assert_eq!(next_offset(&[], 8), 8);
        assert_eq!(next_offset(&[], 0), 0);
    }
}
