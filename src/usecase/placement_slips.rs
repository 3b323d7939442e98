//! The slips a person takes home for where they now stand in a programme.

use linli_core::enrolment::EnrolmentStatus;
use linli_core::household::Resident;
use linli_core::programme::Programme;
use linli_core::receipt::Receipt;
use linli_core::slips::{self, SlipStamp};

use super::load;
use super::roster::latest_enrolment;
use crate::error::AppError;
use crate::print::{self, Printing};
use crate::store::Tx;

/// The slips a person takes home for where they now stand in a programme: the
/// confirmation (and a fee slip for a programme with a fee), the waiting-list slip,
/// the offer slip, or the cancellation.
pub fn issue_slips(
    tx: &mut Tx<'_>,
    printing: Printing,
    resident: &Resident,
    programme: &Programme,
    waitlist_position: Option<u32>,
) -> Result<(), AppError> {
    let enrolment = latest_enrolment(tx, &programme.code, resident.id_number.as_str())?;
    let subject = resident.id_number.masked();
    // Each slip is recorded in the transaction (`Tx::issued`), which
    // `Store::write_issuing` hands back with the outcome: the one list of slips.
    let issue = |tx: &mut Tx<'_>, build: &dyn Fn(&SlipStamp) -> Receipt| {
        print::issue(tx, printing, &subject, build).map(|_| ())
    };
    match enrolment.status {
        EnrolmentStatus::Confirmed => {
            let quote = programme.fee.quote(&resident.tags_on(tx.now.date()));
            // The slip says which of its dates the published calendar cannot yet
            // answer for, rather than promising sessions on unknown holidays.
            let calendar = load::calendar(tx)?;
            let today = tx.now.date();
            issue(tx, &|stamp| {
                slips::enrolment_confirmation(stamp, resident, programme, &quote, &calendar, today)
            })?;
            if quote.base_fen > 0 {
                issue(tx, &|stamp| {
                    slips::fee_receipt(stamp, resident, programme, &quote, &calendar)
                })?;
            }
        }
        EnrolmentStatus::Waitlisted => {
            let position = waitlist_position.unwrap_or(0);
            issue(tx, &|stamp| {
                slips::waitlist_slip(stamp, resident, programme, &enrolment.priority, position)
            })?;
        }
        EnrolmentStatus::Offered => {
            let deadline = enrolment.offer_deadline.unwrap_or(tx.now);
            issue(tx, &|stamp| {
                slips::offer_slip(stamp, resident, programme, deadline)
            })?;
        }
        _ => {
            issue(tx, &|stamp| {
                slips::cancellation(stamp, resident, programme, &enrolment)
            })?;
        }
    }
    Ok(())
}
