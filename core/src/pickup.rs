//! A child's pickup list (接送名单) as the guardian declared it: the adults who may
//! collect, those who must not, and their dates. On its own so that the list can
//! travel in an outbox event and a district change without those files importing the
//! attendance rules that read it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One adult named on a child's pickup list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupAdult {
    pub name: String,
    /// Relation to the child, in words ("母亲", "外婆").
    pub relation: String,
    /// The adult's ID number, if staff recorded it.
    pub id_number: Option<String>,
    /// The code on a pickup card (接送卡) issued to this adult, if any.
    pub card_code: Option<String>,
    /// This person must NOT take the child (court order, safeguarding); recorded so
    /// staff recognise them, not to authorise them.
    pub must_not_collect: bool,
    /// The first day this adult may collect (a grandparent staying for the term);
    /// `None`: from when the guardian named them.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// The last day this adult may collect; `None`: until the guardian says otherwise.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

impl PickupAdult {
    /// Whether the guardian's permission covers `date`. A must-not-collect entry never
    /// lapses: it is shown and refused whatever its dates.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= date)
            && self.valid_until.is_none_or(|until| date <= until)
    }
}

/// Who may collect one child, as the guardian declared it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupAuthorisation {
    /// The child's ID number.
    pub child: String,
    pub adults: Vec<PickupAdult>,
    /// The guardian gave written consent for the child to leave alone (only counts from age 12).
    pub may_leave_alone: bool,
}
