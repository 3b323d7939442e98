//! A household's places (a seat, a waiting-list place, an offered seat), member by
//! member: what the kiosk's member list flags and 我的报名 lists.

use chrono::NaiveDateTime;
use linli_core::household::Resident;

use super::enrolment;
use super::options::ProgrammeOption;
use crate::error::AppError;
use crate::store::Store;

/// One member's place in one programme.
#[derive(Clone, Debug)]
pub struct Place {
    pub member: Resident,
    pub option: ProgrammeOption,
}

/// Every place of `members`, member by member. Offers whose deadline passed are
/// handed on first, so no list shows a lapsed offer with its Accept button.
pub fn household_places(
    store: &mut Store,
    members: &[Resident],
    now: NaiveDateTime,
) -> Result<Vec<Place>, AppError> {
    enrolment::expire_offers(store, now)?;
    let mut places = Vec::new();
    for member in members {
        for option in enrolment::programme_options(store.conn(), member, now)? {
            if option.current.is_some() {
                places.push(Place {
                    member: member.clone(),
                    option,
                });
            }
        }
    }
    Ok(places)
}
