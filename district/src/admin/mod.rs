//! District staff's commands (`linli-district admin …`): centres, devices, the
//! events the district refused, and what the district publishes. Each returns the
//! JSON the command prints, or a refusal that names the field and changes nothing.
//!
//! One file per concept; this module only gathers them under one name.

mod centres;
mod devices;
mod error;
mod publishing;
mod rejected;

pub use centres::centre_add;
pub(crate) use centres::centre_exists;
pub use devices::{device_add, device_list, device_revoke, ENROL_CODE_DAYS};
pub use error::AdminError;
pub(crate) use publishing::publish_versioned;
pub use publishing::{
    publish_calendar, publish_calendar_at, publish_categories, publish_policy, publish_programme,
    publish_retention, publish_rules,
};
pub use rejected::rejected;
