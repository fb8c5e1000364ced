//! The outbox: the agent's sends that the server has not accepted yet, so that none is ever lost.
//!
//! Sans-IO like the rest of the store: [`Outbox::poll_send`] hands out "send now" requests, the glue runs the app's
//! sender and reports with [`Outbox::handle_result`]; time is an argument and the jitter is seeded by the caller.
//!
//! - **Transient vs permanent.** A network error, a timeout, HTTP 408/429/5xx or being offline is transient: the
//!   entry waits and is tried again with backoff (jitter after the cap, as the socket's reconnect; a `Retry-After`
//!   is honoured as a lower bound) and at once on [`Outbox::wake`] (back online, socket reconnected, tab visible).
//!   Any other failure is permanent: the entry is `failed`, text kept, until retried or discarded.
//! - **Idempotent.** Every attempt of an entry carries the same client id; the back end treats a repeated client
//!   id as the same message, so an attempt whose answer was lost can be repeated safely.
//! - **Ordered per room.** At most one send per room is in flight and a room's entries go out in the order made:
//!   a later one never overtakes an earlier one still waiting. A permanent failure does not block the ones behind
//!   it (they proceed): the agent sees the failed one with Retry, and a retried entry goes to the back of its room.
//! - **Give-up bound.** An entry not accepted within `give_up_ms` of its creation becomes `failed` (text kept).

use crate::connection::{Backoff, Jitter};

/// Where an entry is. `Sent` is not a state here: an accepted send leaves the outbox (the store shows `sent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for its turn or its next attempt (after a transient failure when `attempts > 0`).
    Waiting,
    /// An attempt is in flight.
    Sending,
    /// Refused for good, or given up; waits for retry or discard.
    Failed,
}

impl OutboxState {
    /// `"waiting" | "sending" | "failed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Waiting => "waiting",
            OutboxState::Sending => "sending",
            OutboxState::Failed => "failed",
        }
    }

    /// The state [`as_str`](Self::as_str) names (a stored record's).
    pub fn parse(s: &str) -> Option<OutboxState> {
        [OutboxState::Waiting, OutboxState::Sending, OutboxState::Failed].into_iter().find(|state| state.as_str() == s)
    }
}

/// One send the server has not accepted yet.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Sent with every attempt; the server deduplicates by it.
    pub client_id: String,
    /// The room (the REST call's `to`).
    pub room_id: String,
    /// The text, kept whatever happens until it is sent or discarded.
    pub text: String,
    /// The sender (agent).
    pub user_id: Option<String>,
    /// When the send was made (or retried by the user), ms.
    pub created: f64,
    /// Attempts made so far.
    pub attempts: u32,
    /// Earliest time of the next attempt, ms (meaningful while `Waiting`).
    pub next_attempt: f64,
    /// See [`OutboxState`].
    pub state: OutboxState,
    /// Why the last attempt failed (transient: the entry is waiting for the network; permanent: why it failed).
    pub last_error: Option<String>,
    /// While `Sending`: when the attempt counts as timed out.
    attempt_deadline: f64,
}

impl OutboxEntry {
    /// An entry as durable storage recorded it (`Sending` is restored as waiting: its answer was lost).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client_id: String,
        room_id: String,
        text: String,
        user_id: Option<String>,
        created: f64,
        attempts: u32,
        state: OutboxState,
        last_error: Option<String>,
    ) -> Self {
        OutboxEntry {
            client_id,
            room_id,
            text,
            user_id,
            created,
            attempts,
            next_attempt: created,
            state,
            last_error,
            attempt_deadline: 0.0,
        }
    }

    /// Waiting after a failed attempt: what a UI shows as "waiting for network".
    pub fn is_waiting_for_network(&self) -> bool {
        self.state == OutboxState::Waiting && self.attempts > 0
    }
}

/// "Send this now": run the app's sender with these fields, then report with the same `client_id` and `attempt`.
#[derive(Debug, Clone, PartialEq)]
pub struct SendRequest {
    /// The REST call's `client_id`.
    pub client_id: String,
    /// The REST call's `to`.
    pub room_id: String,
    /// The REST call's `text`.
    pub text: String,
    /// The REST call's `user_id`.
    pub user_id: Option<String>,
    /// 1 for the first attempt; a result for an older attempt is stale.
    pub attempt: u32,
}

/// What an attempt came to, as the glue classifies it (see [`classify_status`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SendResult {
    /// The server accepted it.
    Ok {
        /// The server's message id, if it said.
        server_id: Option<String>,
    },
    /// Try again later (network, timeout, 408/429/5xx, offline).
    Transient {
        /// Why (shown while waiting).
        reason: String,
        /// Not before this many ms (`Retry-After`).
        retry_after_ms: Option<f64>,
    },
    /// Refused for good (any other 4xx, or a sender error marked not retryable).
    Permanent {
        /// Why (kept on the failed message).
        reason: String,
    },
}

/// Whether an HTTP status is worth retrying: 408, 429 and 5xx are; other 4xx are not. `None` for a success.
pub fn classify_status(status: u16) -> Option<bool> {
    match status {
        200..=399 => None,
        408 | 429 | 500..=599 => Some(true),
        _ => Some(false),
    }
}

/// Whether a sender's error is worth retrying: its own `retryable` flag wins, then its HTTP status; an error with
/// neither (a network failure: `fetch` rejects with a `TypeError`) is transient — the give-up bound caps it.
pub fn classify_error(retryable: Option<bool>, status: Option<u16>) -> bool {
    retryable.or_else(|| status.and_then(classify_status)).unwrap_or(true)
}

/// A `Retry-After` header in ms from `now`: delta-seconds, or an HTTP date given already parsed as epoch ms by the
/// caller (`date_ms`). `None` when absent or unusable.
pub fn retry_after_ms(header: Option<&str>, date_ms: Option<f64>, now: f64) -> Option<f64> {
    let h = header?.trim();
    if let Ok(secs) = h.parse::<u64>() {
        return Some(secs as f64 * 1000.0);
    }
    date_ms.filter(|d| d.is_finite()).map(|d| (d - now).max(0.0))
}

/// What [`Outbox::handle_result`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// Accepted: the entry left the outbox.
    Sent {
        /// The entry's room.
        room_id: String,
        /// The server's message id, if it said.
        server_id: Option<String>,
    },
    /// Transient failure: tried again at `next_attempt`.
    WillRetry {
        /// The entry's room.
        room_id: String,
        /// When, ms.
        next_attempt: f64,
    },
    /// Permanent failure or give-up: the entry is `failed`.
    Failed {
        /// The entry's room.
        room_id: String,
        /// Why.
        reason: String,
    },
    /// A failure report for an attempt that is no longer in flight (timed out, discarded): ignored.
    Stale,
}

/// Timing of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxConfig {
    /// Delays between attempts after transient failures.
    pub backoff: Backoff,
    /// An entry not accepted this long after it was made fails (text kept). Default 24 h.
    pub give_up_ms: f64,
    /// An attempt with no answer after this long counts as a transient failure (a hung `fetch`). Default 30 s.
    pub attempt_timeout_ms: f64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            backoff: Backoff { initial_ms: 1_000.0, max_ms: 30_000.0, randomization_factor: 0.5 },
            give_up_ms: 86_400_000.0,
            attempt_timeout_ms: 30_000.0,
        }
    }
}

/// The outbox: entries in the order made (a `Vec`: it holds what is unsent, a handful, scanned linearly).
#[derive(Debug, Clone)]
pub struct Outbox {
    config: OutboxConfig,
    entries: Vec<OutboxEntry>,
    jitter: Jitter,
}

impl PartialEq for Outbox {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config && self.entries == other.entries
    }
}

impl Outbox {
    /// An empty outbox; `seed` feeds the retry jitter (the browser passes `Math.random()` bits, tests constants).
    pub fn new(config: OutboxConfig, seed: u64) -> Self {
        Outbox { config, entries: Vec::new(), jitter: Jitter::new(seed) }
    }

    /// Queues a send made at `now`; it is due at once (behind its room's earlier entries).
    pub fn push(&mut self, client_id: &str, room_id: &str, text: &str, user_id: Option<&str>, now: f64) {
        self.entries.retain(|e| e.client_id != client_id);
        self.entries.push(OutboxEntry {
            client_id: client_id.to_owned(),
            room_id: room_id.to_owned(),
            text: text.to_owned(),
            user_id: user_id.map(str::to_owned),
            created: now,
            attempts: 0,
            next_attempt: now,
            state: OutboxState::Waiting,
            last_error: None,
            attempt_deadline: 0.0,
        });
    }

    /// Puts back an entry as it was (restored from durable storage): a `Sending` one lost its answer with the
    /// page, so it waits and is due at once.
    pub fn restore(&mut self, mut entry: OutboxEntry) {
        if entry.state == OutboxState::Sending {
            entry.state = OutboxState::Waiting;
            entry.next_attempt = entry.created.min(entry.next_attempt);
        }
        self.entries.retain(|e| e.client_id != entry.client_id);
        self.entries.push(entry);
    }

    /// The entry with this client id.
    pub fn get(&self, client_id: &str) -> Option<&OutboxEntry> {
        self.entries.iter().find(|e| e.client_id == client_id)
    }

    /// Every entry, in the order made.
    pub fn entries(&self) -> &[OutboxEntry] {
        &self.entries
    }

    /// Removes an entry (sent by another path — the echo came — or discarded). Whether it was there.
    pub fn remove(&mut self, client_id: &str) -> Option<OutboxEntry> {
        let i = self.entries.iter().position(|e| e.client_id == client_id)?;
        Some(self.entries.remove(i))
    }

    /// Marks an entry failed from outside (the store's `mark_failed`), text kept.
    pub fn mark_failed(&mut self, client_id: &str, reason: &str) {
        if let Some(i) = self.entries.iter().position(|e| e.client_id == client_id) {
            self.fail(i, reason.to_owned());
        }
    }

    /// Whether `i` is its room's first entry that is not failed (only that one may be sent: order per room).
    fn is_head(&self, i: usize) -> bool {
        let room = &self.entries[i].room_id;
        !self.entries[..i].iter().any(|e| &e.room_id == room && e.state != OutboxState::Failed)
    }

    /// The next send due at `now`, marked in flight; `None` when nothing is due.
    pub fn poll_send(&mut self, now: f64) -> Option<SendRequest> {
        let i = (0..self.entries.len()).find(|&i| {
            let e = &self.entries[i];
            e.state == OutboxState::Waiting && e.next_attempt <= now && self.is_head(i)
        })?;
        let timeout = self.config.attempt_timeout_ms;
        let e = &mut self.entries[i];
        e.state = OutboxState::Sending;
        e.attempts += 1;
        e.attempt_deadline = now + timeout;
        Some(SendRequest {
            client_id: e.client_id.clone(),
            room_id: e.room_id.clone(),
            text: e.text.clone(),
            user_id: e.user_id.clone(),
            attempt: e.attempts,
        })
    }

    /// The result of attempt `attempt` of `client_id`. A success is taken whenever it comes (the server has the
    /// message); a failure counts only for the attempt in flight. `None` if the client id is not in the outbox.
    pub fn handle_result(&mut self, client_id: &str, attempt: u32, result: SendResult, now: f64) -> Option<Handled> {
        let i = self.entries.iter().position(|e| e.client_id == client_id)?;
        let e = &self.entries[i];
        let in_flight = e.state == OutboxState::Sending && e.attempts == attempt;
        match result {
            SendResult::Ok { server_id } => {
                let e = self.entries.remove(i);
                Some(Handled::Sent { room_id: e.room_id, server_id })
            }
            _ if !in_flight => Some(Handled::Stale),
            SendResult::Permanent { reason } => Some(self.fail(i, reason)),
            SendResult::Transient { reason, retry_after_ms } => Some(self.wait(i, reason, retry_after_ms, now)),
        }
    }

    fn fail(&mut self, i: usize, reason: String) -> Handled {
        let e = &mut self.entries[i];
        e.state = OutboxState::Failed;
        e.last_error = Some(reason.clone());
        Handled::Failed { room_id: e.room_id.clone(), reason }
    }

    /// A transient failure: wait with backoff, or give up past the bound.
    fn wait(&mut self, i: usize, reason: String, retry_after: Option<f64>, now: f64) -> Handled {
        let give_up_at = self.entries[i].created + self.config.give_up_ms;
        if now >= give_up_at {
            return self.fail(i, format!("gave up: {reason}"));
        }
        let delay = self.config.backoff.delay(self.entries[i].attempts, self.jitter.next());
        let delay = retry_after.filter(|r| r.is_finite()).map_or(delay, |r| delay.max(r));
        let e = &mut self.entries[i];
        e.state = OutboxState::Waiting;
        e.last_error = Some(reason);
        e.next_attempt = now + delay;
        Handled::WillRetry { room_id: e.room_id.clone(), next_attempt: e.next_attempt }
    }

    /// The network is probably back (online, socket reconnected, tab visible): every waiting entry is due now.
    /// Returns the rooms whose entries moved.
    pub fn wake(&mut self, now: f64) -> Vec<String> {
        let mut rooms = Vec::new();
        for e in &mut self.entries {
            if e.state == OutboxState::Waiting && e.next_attempt > now {
                e.next_attempt = now;
                rooms.push(e.room_id.clone());
            }
        }
        rooms
    }

    /// A failed entry back to waiting, due now, at the back of its room (the user pressed Retry). Whether it was
    /// failed.
    pub fn retry(&mut self, client_id: &str, now: f64) -> bool {
        let Some(i) = self.entries.iter().position(|e| e.client_id == client_id) else { return false };
        if self.entries[i].state != OutboxState::Failed {
            return false;
        }
        let mut e = self.entries.remove(i);
        e.state = OutboxState::Waiting;
        e.attempts = 0;
        e.created = now;
        e.next_attempt = now;
        e.last_error = None;
        self.entries.push(e);
        true
    }

    /// The earliest time [`handle_timeout`](Self::handle_timeout) or [`poll_send`](Self::poll_send) has work.
    pub fn next_deadline(&self) -> Option<f64> {
        let mut next: Option<f64> = None;
        let mut at = |t: f64| next = Some(next.map_or(t, |n: f64| n.min(t)));
        for (i, e) in self.entries.iter().enumerate() {
            match e.state {
                OutboxState::Sending => at(e.attempt_deadline),
                OutboxState::Waiting => {
                    at(e.created + self.config.give_up_ms);
                    if self.is_head(i) {
                        at(e.next_attempt);
                    }
                }
                OutboxState::Failed => {}
            }
        }
        next
    }

    /// Attempts unanswered past their timeout become transient failures; entries past the give-up bound fail.
    /// Returns what changed, per client id.
    pub fn handle_timeout(&mut self, now: f64) -> Vec<(String, Handled)> {
        let mut changed = Vec::new();
        for i in 0..self.entries.len() {
            let e = &self.entries[i];
            let handled = match e.state {
                OutboxState::Sending if e.attempt_deadline <= now => self.wait(i, "timeout".into(), None, now),
                OutboxState::Waiting if e.created + self.config.give_up_ms <= now => {
                    let reason = e.last_error.clone().unwrap_or_else(|| "not sent".into());
                    self.fail(i, format!("gave up: {reason}"))
                }
                _ => continue,
            };
            changed.push((self.entries[i].client_id.clone(), handled));
        }
        changed
    }
}
