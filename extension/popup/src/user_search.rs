//! Timing of the user search behind the assignee picker and the user fields of create and
//! transition screens: it waits until typing pauses, keeps at most one request in flight
//! and backs off when Jira returns `rateLimited`. Each picker has its own [`UserSearch`].
//!
//! The state machine takes the time as an argument (milliseconds from any fixed origin), so
//! the tests drive it without timers. The web layer turns each [`Step`] into a
//! `setTimeout` or a request.

use jira_bridge_protocol::User;

/// Returns the text a picker shows for a user: the display name, and the email when Jira
/// revealed it.
pub fn user_label(user: &User) -> String {
    match &user.email {
        Some(email) => format!("{} <{email}>", user.display_name),
        None => user.display_name.clone(),
    }
}

/// Quiet time after the last keystroke before a search is sent, in milliseconds.
pub const DEBOUNCE_MS: f64 = 300.0;

/// First wait after a `rateLimited` reply that gave no `retryAfterSeconds`, in milliseconds;
/// it doubles with each further rate-limited reply up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: f64 = 1_000.0;

/// Longest wait after a `rateLimited` reply, in milliseconds.
pub const MAX_BACKOFF_MS: f64 = 30_000.0;

/// Shortest query sent; shorter text clears the results instead.
pub const MIN_QUERY_CHARS: usize = 2;

/// Note a picker shows under its input when no user matched the query.
pub const NO_MATCHING_USERS: &str = "No matching users.";

/// Returns the note a picker shows while the typed text is too short to search, or `None`
/// when the text is empty or long enough.
pub fn short_query_note(text: &str) -> Option<String> {
    let typed = text.trim().chars().count();
    (typed > 0 && typed < MIN_QUERY_CHARS)
        .then(|| format!("Type at least {MIN_QUERY_CHARS} characters."))
}

/// What the web layer should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nothing to do now.
    Idle,
    /// Call [`UserSearch::on_timer`] with `ticket` after `delay_ms`.
    Wait { ticket: u64, delay_ms: f64 },
    /// Send a user search for `query`, then call [`UserSearch::on_reply`].
    Send { query: String },
    /// The query is too short: clear the results.
    Clear,
}

/// How a search request ended, as far as timing is concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplyKind {
    /// Results or any error other than rate limiting.
    Done,
    /// Jira answered 429; `retry_after_seconds` when it said how long to wait.
    RateLimited { retry_after_seconds: Option<f64> },
}

#[derive(Debug, Default)]
pub struct UserSearch {
    /// The text in the input now, trimmed.
    query: String,
    /// Increases with each keystroke, so a timer set for older text does nothing.
    ticket: u64,
    /// Query of the request in flight, if any.
    in_flight: Option<String>,
    /// Time before which no request may be sent, after a `rateLimited` reply.
    blocked_until: f64,
    /// Wait used for the last rate-limited reply, for doubling.
    last_backoff_ms: f64,
}

impl UserSearch {
    /// Records new input text and returns when to look again.
    pub fn on_input(&mut self, text: &str, now: f64) -> Step {
        self.query = text.trim().to_string();
        self.ticket += 1;
        if self.query.chars().count() < MIN_QUERY_CHARS {
            return Step::Clear;
        }
        let delay_ms = DEBOUNCE_MS.max(self.blocked_until - now);
        Step::Wait {
            ticket: self.ticket,
            delay_ms,
        }
    }

    /// Called when a timer from a [`Step::Wait`] fires.
    pub fn on_timer(&mut self, ticket: u64, now: f64) -> Step {
        if ticket != self.ticket {
            return Step::Idle;
        }
        self.next_step(now)
    }

    /// Called when the request in flight ends. Returns whether its results still match the
    /// input (show them) and the next step.
    pub fn on_reply(&mut self, reply: ReplyKind, now: f64) -> (bool, Step) {
        let sent = self.in_flight.take();
        let current = sent.as_deref() == Some(self.query.as_str());

        match reply {
            ReplyKind::Done => {
                self.last_backoff_ms = 0.0;
            }
            ReplyKind::RateLimited {
                retry_after_seconds,
            } => {
                let doubled = if self.last_backoff_ms == 0.0 {
                    FIRST_BACKOFF_MS
                } else {
                    self.last_backoff_ms * 2.0
                };
                let wait = retry_after_seconds
                    .map(|seconds| seconds * 1_000.0)
                    .unwrap_or(doubled)
                    .clamp(0.0, MAX_BACKOFF_MS);
                self.last_backoff_ms = wait.max(FIRST_BACKOFF_MS);
                self.blocked_until = now + wait;
                // The same query is retried after the wait.
                self.ticket += 1;
                return (
                    false,
                    Step::Wait {
                        ticket: self.ticket,
                        delay_ms: wait,
                    },
                );
            }
        }

        if current || self.query.chars().count() < MIN_QUERY_CHARS {
            return (current, Step::Idle);
        }
        // The person typed while the request was in flight: search for the new text.
        (false, self.next_step(now))
    }

    fn next_step(&mut self, now: f64) -> Step {
        if self.in_flight.is_some() {
            // `on_reply` sends the newest text once the request in flight ends.
            return Step::Idle;
        }
        if now < self.blocked_until {
            return Step::Wait {
                ticket: self.ticket,
                delay_ms: self.blocked_until - now,
            };
        }
        self.in_flight = Some(self.query.clone());
        Step::Send {
            query: self.query.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_query_note_only_for_short_text() {
        assert_eq!(short_query_note(" a "), Some("Type at least 2 characters.".to_string()));
        assert_eq!(short_query_note("  "), None, "an empty picker shows no note");
        assert_eq!(short_query_note("ad"), None, "two characters are searched");
    }

    #[test]
    fn label_with_and_without_email() {
        let mut user = User { id: "zoe".into(), display_name: "Zoë Ångström".into(), email: Some("zoe@example.com".into()) };

        assert_eq!(user_label(&user), "Zoë Ångström <zoe@example.com>");
        user.email = None;
        assert_eq!(user_label(&user), "Zoë Ångström");
    }

    fn wait_ticket(step: Step) -> (u64, f64) {
        match step {
            Step::Wait { ticket, delay_ms } => (ticket, delay_ms),
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn typing_waits_for_pause() {
        let mut search = UserSearch::default();

        let (first, _) = wait_ticket(search.on_input("ad", 0.0));
        let (second, delay) = wait_ticket(search.on_input("ada", 100.0));

        assert_eq!(delay, DEBOUNCE_MS);
        assert_eq!(
            search.on_timer(first, 300.0),
            Step::Idle,
            "a timer for older text does nothing"
        );
        assert_eq!(
            search.on_timer(second, 400.0),
            Step::Send {
                query: "ada".into()
            }
        );
    }

    #[test]
    fn short_query_clears() {
        let mut search = UserSearch::default();

        assert_eq!(search.on_input(" a ", 0.0), Step::Clear);
        assert_eq!(search.on_input("", 0.0), Step::Clear);
    }

    #[test]
    fn one_request_in_flight() {
        let mut search = UserSearch::default();
        let (ticket, _) = wait_ticket(search.on_input("ada", 0.0));
        assert!(matches!(search.on_timer(ticket, 300.0), Step::Send { .. }));

        let (ticket, _) = wait_ticket(search.on_input("ada l", 400.0));
        assert_eq!(
            search.on_timer(ticket, 700.0),
            Step::Idle,
            "no second request while one is in flight"
        );

        let (show, next) = search.on_reply(ReplyKind::Done, 800.0);
        assert!(!show, "results for \"ada\" no longer match \"ada l\"");
        assert_eq!(
            next,
            Step::Send {
                query: "ada l".into()
            }
        );
    }

    #[test]
    fn matching_reply_shown() {
        let mut search = UserSearch::default();
        let (ticket, _) = wait_ticket(search.on_input("ada", 0.0));
        search.on_timer(ticket, 300.0);

        let (show, next) = search.on_reply(ReplyKind::Done, 500.0);

        assert!(show);
        assert_eq!(next, Step::Idle);
    }

    #[test]
    fn rate_limit_backs_off_and_retries() {
        let mut search = UserSearch::default();
        let (ticket, _) = wait_ticket(search.on_input("ada", 0.0));
        search.on_timer(ticket, 300.0);

        let (show, next) = search.on_reply(
            ReplyKind::RateLimited {
                retry_after_seconds: Some(5.0),
            },
            400.0,
        );
        let (ticket, delay) = wait_ticket(next);

        assert!(!show);
        assert_eq!(delay, 5_000.0, "Jira's Retry-After is honoured");
        let (_, typed_delay) = wait_ticket(search.on_input("ada", 1_000.0));
        assert_eq!(
            typed_delay, 4_400.0,
            "typing during the back-off waits for its end"
        );
        assert_eq!(search.on_timer(ticket, 5_400.0), Step::Idle, "stale ticket");
    }

    #[test]
    fn rate_limit_without_retry_after_doubles() {
        let mut search = UserSearch::default();
        let mut now = 0.0;
        let mut delays = Vec::new();
        let (mut ticket, _) = wait_ticket(search.on_input("ada", now));
        for _ in 0..7 {
            now += 300.0;
            assert!(matches!(search.on_timer(ticket, now), Step::Send { .. }));
            let (_, next) = search.on_reply(
                ReplyKind::RateLimited {
                    retry_after_seconds: None,
                },
                now,
            );
            let (next_ticket, delay) = wait_ticket(next);
            delays.push(delay);
            ticket = next_ticket;
            now += delay;
        }

        assert_eq!(
            delays,
            vec![1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0, 30_000.0, 30_000.0]
        );
    }

    #[test]
    fn success_resets_backoff() {
        let mut search = UserSearch::default();
        let (ticket, _) = wait_ticket(search.on_input("ada", 0.0));
        search.on_timer(ticket, 300.0);
        let (_, next) = search.on_reply(
            ReplyKind::RateLimited {
                retry_after_seconds: None,
            },
            300.0,
        );
        let (ticket, _) = wait_ticket(next);
        search.on_timer(ticket, 1_300.0);
        search.on_reply(ReplyKind::Done, 1_400.0);

        let (ticket, _) = wait_ticket(search.on_input("bob", 2_000.0));
        search.on_timer(ticket, 2_300.0);
        let (_, next) = search.on_reply(
            ReplyKind::RateLimited {
                retry_after_seconds: None,
            },
            2_300.0,
        );

        assert_eq!(wait_ticket(next).1, FIRST_BACKOFF_MS);
    }
}
