//! Who does something: the name the audit log gives them, and the staff member whose
//! credential was checked, when one was (invariant 7).
//!
//! Staff use-cases ask the transaction's actor for the permission they need
//! ([`crate::store::Tx::authorise`]) instead of trusting the screen or command that
//! called them, so a use-case reached by a new path is guarded all the same. The only
//! way to an actor with a staff member is [`Actor::member`], and the interfaces get
//! the member only from `usecase::staff::authenticate`.

use linli_core::staff::{authorise, Permission, StaffMember};
use linli_core::Text;

use crate::error::{AppError, Refused};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
    kind: ActorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ActorKind {
    /// A signed-in staff member (at the desk, on the kiosk's staff screens, or running
    /// a command with `--staff`).
    Staff(StaffMember),
    /// A resident serving themselves at the kiosk, signed in with phone and PIN or card.
    Resident,
    /// The device itself: background sweeps, applying what the district sent.
    System,
    /// A technician's command that touches no one's records (print-test, sync, enrol).
    Technician,
    /// A sign-in attempt not (yet) proved to be the member it names.
    UnknownStaff,
}

impl Actor {
    pub fn member(member: &StaffMember) -> Actor {
        Actor {
            name: format!("staff:{}", member.code),
            kind: ActorKind::Staff(member.clone()),
        }
    }

    /// A resident at the kiosk.
    pub fn kiosk() -> Actor {
        Actor {
            name: "kiosk".to_string(),
            kind: ActorKind::Resident,
        }
    }

    pub fn system() -> Actor {
        Actor {
            name: "system".to_string(),
            kind: ActorKind::System,
        }
    }

    pub fn cli() -> Actor {
        Actor {
            name: "cli".to_string(),
            kind: ActorKind::Technician,
        }
    }

    /// Someone who typed a staff code that does not exist, for the audit log.
    pub fn unknown_staff(code: &str) -> Actor {
        Actor {
            name: format!("unknown-staff:{code}"),
            kind: ActorKind::UnknownStaff,
        }
    }

    /// Someone who typed an existing staff code with a wrong PIN: not that member, as
    /// far as anyone knows, so the audit log does not name them as the actor.
    pub fn sign_in_attempt(code: &str) -> Actor {
        Actor {
            name: format!("sign-in-attempt:{code}"),
            kind: ActorKind::UnknownStaff,
        }
    }

    /// What the audit log and the print queue record.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn staff(&self) -> Option<&StaffMember> {
        match &self.kind {
            ActorKind::Staff(member) => Some(member),
            _ => None,
        }
    }

    /// The staff member, if they may do `permission`; otherwise the refusal in words.
    pub fn authorise(&self, permission: Permission) -> Result<&StaffMember, AppError> {
        let Some(member) = self.staff() else {
            return Err(credential_required(permission));
        };
        authorise(member, permission)?;
        Ok(member)
    }

    /// A resident's own action (sign-up, cancellation, an offer, a volunteer's shift):
    /// the resident at the kiosk may do it for themselves and their household; anyone
    /// else must be a staff member allowed to do it for them, and is audited as such.
    pub fn authorise_for_resident(&self, permission: Permission) -> Result<(), AppError> {
        match &self.kind {
            ActorKind::Resident => Ok(()),
            _ => self.authorise(permission).map(|_| ()),
        }
    }

    /// A resident at the kiosk acting for themselves (ratings come only from them).
    pub fn is_resident(&self) -> bool {
        matches!(self.kind, ActorKind::Resident)
    }
}

/// The refusal when no staff member signed in for a staff action.
pub fn credential_required(permission: Permission) -> AppError {
    let action = permission.label();
    Refused::new(
        "staff_credential_required",
        Text::new("需要工作人员身份", "a staff credential is needed"),
        vec![Text::new(
            format!("{}须由有权限的工作人员办理：请提供工号（--staff）和密码（LINLI_STAFF_PIN 或 --pin）", action.zh),
            format!(
                "only a staff member may {}: give --staff and a PIN (LINLI_STAFF_PIN or --pin)",
                action.en
            ),
        )],
    )
    .into()
}
