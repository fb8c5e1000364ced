//! [`ContactName`]: the display name of a room's customer, as the messages that carry one tell it.
//!
//! The inbox list needs a name per room, and the newest message is not the place to read it: an optimistic send
//! or an agent's reply carries no name, so a sidebar reading `last_message.contact_name` flips to the phone
//! number whenever the agent writes. The room keeps the name instead.

use crate::json::Value;

use super::extra::Extra;

/// The message field carrying the name (the dev server puts WhatsApp's `contacts[].profile.name` there).
pub(crate) const CONTACT_NAME_FIELD: &str = "contact_name";

/// A room's contact name and the timestamp of the message it came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ContactName {
    name: Option<Box<str>>,
    /// The newest message that carried a name: a history page of older messages cannot bring back an old name.
    at: f64,
}

impl ContactName {
    /// The name, if any message carried one.
    pub(crate) fn get(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Takes the name a message of time `at` carries, unless a newer message named the contact already. Messages
    /// without a name (optimistic sends, agent replies, `null`, `""`) change nothing. Returns whether it changed.
    pub(crate) fn offer(&mut self, extra: &Extra, at: f64) -> bool {
        // Most messages carry no such field: a substring check spares parsing their fields.
        if !extra.as_text().contains(CONTACT_NAME_FIELD) {
            return false;
        }
        let Some(Value::String(name)) = extra.get(CONTACT_NAME_FIELD) else { return false };
        let name = name.trim();
        if name.is_empty() || (self.name.is_some() && at < self.at) {
            return false;
        }
        self.at = at;
        if self.name.as_deref() == Some(name) {
            return false;
        }
        self.name = Some(name.into());
        true
    }
}
