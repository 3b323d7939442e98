//! Staff (工作人员): who may do what, and how their PINs are guarded.
//!
//! Invariant 7 says staff functions are unreachable without a staff credential; this
//! file decides, for a signed-in person, which functions those are. The table is
//! deliberately narrow per role: a person who needs two kinds of work holds two
//! roles, and the audit log then shows which hat they wore.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::{FieldError, Text};

/// Wrong PINs in a row before the account locks.
pub const MAX_FAILED_PIN_ATTEMPTS: u32 = 5;
/// How long a lock lasts. Short enough that a colleague who mistyped is not stuck
/// for the day, long enough that guessing a 6-digit PIN at a counter is hopeless.
pub const LOCKOUT_MINUTES: i64 = 5;
pub const PIN_LENGTH: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    SocialWorker,
    Manager,
    Technician,
}

/// Every action on the staff terminal that needs a credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Register or correct households and residents one by one.
    RegisterHouseholds,
    /// Bulk import from a spreadsheet or the district registry: many people at once.
    ImportHouseholds,
    /// Sign a resident up, or cancel, on their behalf at the counter.
    ManageEnrolments,
    /// Daily roll call for 四点半学校 and 学生午托.
    TakeRollCall,
    /// Hand a child to an authorised adult.
    RecordPickup,
    RecordMealCounts,
    /// Elderly 日间照料 check-in and check-out.
    RecordDayCareAttendance,
    MakeWaitingListOffers,
    ReprintSlips,
    ApproveVolunteerHours,
    FollowUpRatings,
    RunReports,
    /// Show or export full ID numbers and phones (invariant 6 exceptions).
    ExportUnmaskedPersonalData,
    /// 备案 of convenience businesses.
    FileBusinesses,
    /// Monthly 经营台账 of convenience businesses.
    RecordLedgers,
    ManageStaff,
    ViewAuditLog,
    /// Printer, card reader, panel, district enrolment of the device.
    ConfigureDevice,
    /// Health checks that show no personal data (disk, printer, sync state).
    RunDiagnostics,
    /// Clock a volunteer in or out at the desk for them (the kiosk lets volunteers do
    /// it themselves).
    RecordVolunteerShifts,
    /// Answer a resident's call for staff from the kiosk.
    AnswerCalls,
    /// Take fees, record refunds and close the day's cash (amounts in fen).
    RecordFees,
    /// See and record a child's dietary needs and allergies: the kitchen and the roll
    /// call need them, a technician never does, and no slip a child carries shows them.
    DietaryNeeds,
    /// Search the registry at the desk (masked results) and read a resident's record.
    FindResidents,
}

impl Permission {
    pub const ALL: [Permission; 24] = [
        Permission::RegisterHouseholds,
        Permission::ImportHouseholds,
        Permission::ManageEnrolments,
        Permission::TakeRollCall,
        Permission::RecordPickup,
        Permission::RecordMealCounts,
        Permission::RecordDayCareAttendance,
        Permission::MakeWaitingListOffers,
        Permission::ReprintSlips,
        Permission::ApproveVolunteerHours,
        Permission::FollowUpRatings,
        Permission::RunReports,
        Permission::ExportUnmaskedPersonalData,
        Permission::FileBusinesses,
        Permission::RecordLedgers,
        Permission::ManageStaff,
        Permission::ViewAuditLog,
        Permission::ConfigureDevice,
        Permission::RunDiagnostics,
        Permission::RecordVolunteerShifts,
        Permission::AnswerCalls,
        Permission::RecordFees,
        Permission::DietaryNeeds,
        Permission::FindResidents,
    ];

    /// The action as a phrase that fits "无权…" / "not allowed to …".
    pub fn label(self) -> Text {
        match self {
            Permission::RegisterHouseholds => Text::new("登记居民户", "register households"),
            Permission::ImportHouseholds => {
                Text::new("批量导入居民户", "import households in bulk")
            }
            Permission::ManageEnrolments => {
                Text::new("代居民报名或取消", "sign up or cancel for residents")
            }
            Permission::TakeRollCall => Text::new("点名考勤", "take the roll call"),
            Permission::RecordPickup => Text::new("登记接送", "record pickups"),
            Permission::RecordMealCounts => Text::new("登记用餐人数", "record meal counts"),
            Permission::RecordDayCareAttendance => {
                Text::new("登记日间照料考勤", "record day-care attendance")
            }
            Permission::MakeWaitingListOffers => {
                Text::new("发出轮候递补通知", "make waiting-list offers")
            }
            Permission::ReprintSlips => Text::new("补打凭条", "reprint slips"),
            Permission::ApproveVolunteerHours => {
                Text::new("审核义工时数", "approve volunteer hours")
            }
            Permission::FollowUpRatings => Text::new("回访差评", "follow up bad ratings"),
            Permission::RunReports => Text::new("查看统计报表", "run reports"),
            Permission::ExportUnmaskedPersonalData => Text::new(
                "查看或导出完整身份证号和手机号",
                "see or export full ID numbers and phone numbers",
            ),
            Permission::FileBusinesses => {
                Text::new("办理便民商业备案", "file convenience businesses")
            }
            Permission::RecordLedgers => Text::new("登记经营台账", "record business ledgers"),
            Permission::ManageStaff => Text::new("管理工作人员账号", "manage staff accounts"),
            Permission::ViewAuditLog => Text::new("查看操作日志", "view the audit log"),
            Permission::ConfigureDevice => Text::new("配置终端设备", "configure the device"),
            Permission::RunDiagnostics => Text::new("运行设备检测", "run device diagnostics"),
            Permission::RecordVolunteerShifts => {
                Text::new("代义工签到签退", "clock volunteers in and out")
            }
            Permission::AnswerCalls => Text::new("处理呼叫", "answer calls for staff"),
            Permission::RecordFees => Text::new("收费和退费", "take fees and refunds"),
            Permission::DietaryNeeds => Text::new(
                "查看或登记饮食禁忌和过敏",
                "see or record dietary needs and allergies",
            ),
            Permission::FindResidents => Text::new("查找居民", "find residents"),
        }
    }
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::FrontDesk,
        Role::SocialWorker,
        Role::Manager,
        Role::Technician,
    ];

    pub fn label(self) -> Text {
        match self {
            Role::FrontDesk => Text::new("前台", "front desk"),
            Role::SocialWorker => Text::new("社工", "social worker"),
            Role::Manager => Text::new("中心负责人", "centre manager"),
            Role::Technician => Text::new("技术人员", "technician"),
        }
    }

    /// The permission table.
    ///
    /// | role          | may                                                                  |
    /// | ------------- | -------------------------------------------------------------------- |
    /// | front_desk    | register households, enrolments at the counter, roll call, pickup,   |
    /// |               | meal counts, day-care attendance, waiting-list offers, reprints,     |
    /// |               | fees, dietary needs, resident search, volunteers' shifts at the      |
    /// |               | desk, calls from the kiosk                                           |
    /// | social_worker | all of the desk's day (roll call, pickup, meals, day care, fees,     |
    /// |               | dietary needs, search) to stand in at 16:30, plus approve volunteer  |
    /// |               | hours, follow up bad ratings and run reports                         |
    /// | manager       | everything except configuring the device: it also stands in for the  |
    /// |               | 社区工作站 operator (备案, ledgers), and alone may import in bulk,   |
    /// |               | export unmasked data, manage staff and read the audit log            |
    /// | technician    | configure the device and run diagnostics, never personal data        |
    ///
    /// Device configuration is kept from managers because a wrong printer or district
    /// setting stops the whole counter; diagnostics are shared because they show no
    /// personal data and a manager must be able to see why the printer is silent.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::FrontDesk => matches!(
                permission,
                RegisterHouseholds
                    | ManageEnrolments
                    | TakeRollCall
                    | RecordPickup
                    | RecordMealCounts
                    | RecordDayCareAttendance
                    | MakeWaitingListOffers
                    | ReprintSlips
                    | RecordVolunteerShifts
                    | AnswerCalls
                    | RecordFees
                    | DietaryNeeds
                    | FindResidents
            ),
            // A social worker stands in at the desk when the pickup rush needs two
            // people, and follows up the children whose allergies or pickups worry staff.
            Role::SocialWorker => {
                matches!(
                    permission,
                    ApproveVolunteerHours
                        | FollowUpRatings
                        | RunReports
                        | RecordVolunteerShifts
                        | AnswerCalls
                        | TakeRollCall
                        | RecordPickup
                        | RecordMealCounts
                        | RecordDayCareAttendance
                        | RecordFees
                        | DietaryNeeds
                        | FindResidents
                )
            }
            Role::Manager => permission != ConfigureDevice,
            Role::Technician => matches!(permission, ConfigureDevice | RunDiagnostics),
        }
    }

    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|permission| self.can(*permission))
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub code: String,
    pub name: String,
    pub roles: Vec<Role>,
}

impl StaffMember {
    pub fn can(&self, permission: Permission) -> bool {
        self.roles.iter().any(|role| role.can(permission))
    }
}

/// Allows the action or says who is refused, what for, and which role to ask.
pub fn authorise(staff: &StaffMember, permission: Permission) -> Result<(), FieldError> {
    if staff.can(permission) {
        return Ok(());
    }
    let who_zh = if staff.name.trim().is_empty() {
        format!("工号{}", staff.code)
    } else {
        format!("{}（工号{}）", staff.name, staff.code)
    };
    let who_en = if staff.name.trim().is_empty() {
        format!("Staff {}", staff.code)
    } else {
        format!("{} (staff {})", staff.name, staff.code)
    };
    let able: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|role| role.can(permission))
        .collect();
    let able_zh: Vec<String> = able.iter().map(|role| role.label().zh).collect();
    let able_en: Vec<String> = able.iter().map(|role| role.label().en).collect();
    let action = permission.label();
    Err(FieldError::new(
        "staff",
        "not_permitted",
        format!("{who_zh}无权{}，请由{}操作", action.zh, able_zh.join("或")),
        format!(
            "{who_en} is not allowed to {}; ask a {}",
            action.en,
            able_en.join(" or a ")
        ),
    ))
}

/// The longest staff code: short, because people type it at the keypad.
pub const MAX_STAFF_CODE_CHARS: usize = 20;

/// A staff code ("S001"): 1 to 20 ASCII letters, digits, '-' or '_', unique within a
/// centre. `field` names the field in the error.
pub fn validate_staff_code(field: &str, code: &str) -> Result<(), FieldError> {
    if code.is_empty()
        || code.len() > MAX_STAFF_CODE_CHARS
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(FieldError::new(
            field,
            "invalid_staff_code",
            format!("工号“{code}”无效：应为1至{MAX_STAFF_CODE_CHARS}个字母、数字、“-”或“_”"),
            format!(
                "staff code \"{code}\" is not valid: 1 to {MAX_STAFF_CODE_CHARS} letters, digits, '-' or '_'"
            ),
        ));
    }
    Ok(())
}

/// The code of a new account: `S` and three digits (S005), which is what the kiosk's
/// staff keypad types (it offers digits only, after a printed S). An account with any
/// other code could never sign in at the kiosk.
pub fn validate_new_staff_code(field: &str, code: &str) -> Result<(), FieldError> {
    let keypad =
        code.len() == 4 && code.starts_with('S') && code[1..].bytes().all(|b| b.is_ascii_digit());
    if keypad {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        "invalid_staff_code",
        format!("工号“{code}”应为 S 加3位数字（如 S005），工作人员才能在自助机的键盘上登录"),
        format!("\"{code}\" should be S and three digits (such as S005), so the kiosk's staff keypad can type it"),
    ))
}

/// A staff PIN: exactly six digits, not one digit repeated and not a straight run
/// (123456, 654321, or wrapping through 0 such as 567890), which are the first
/// guesses of anyone standing at an unattended terminal.
pub fn validate_pin(pin: &str) -> Result<(), FieldError> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            "pin",
            "characters",
            "密码只能是数字",
            "A PIN may contain only digits",
        ));
    }
    if pin.len() != PIN_LENGTH {
        return Err(FieldError::new(
            "pin",
            "length",
            format!("密码应为{PIN_LENGTH}位数字"),
            format!("A PIN has {PIN_LENGTH} digits"),
        ));
    }
    let digits: Vec<u8> = pin.bytes().map(|b| b - b'0').collect();
    if digits.iter().all(|digit| *digit == digits[0]) {
        return Err(FieldError::new(
            "pin",
            "all_same",
            "密码不能是同一个数字重复，请换一个",
            "A PIN cannot be one digit repeated. Please choose another",
        ));
    }
    let steps: Vec<u8> = digits
        .windows(2)
        .map(|pair| (pair[1] + 10 - pair[0]) % 10)
        .collect();
    if steps.iter().all(|step| *step == 1) || steps.iter().all(|step| *step == 9) {
        return Err(FieldError::new(
            "pin",
            "sequence",
            "密码不能是连续数字（如123456或654321），请换一个",
            "A PIN cannot be a run of digits such as 123456 or 654321. Please choose another",
        ));
    }
    Ok(())
}

/// Wrong-PIN counting for one staff account; stored with the account so a restart
/// does not forgive failures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockout {
    pub failures: u32,
    pub locked_until: Option<NaiveDateTime>,
}

impl Lockout {
    /// Counts a wrong PIN. The fifth in a row locks the account for five minutes.
    /// Attempts while locked are refused before the PIN is checked, so they do not
    /// count or extend the lock (which would let anyone keep a colleague locked out).
    /// After a lock runs out the count starts again from zero.
    pub fn record_failure(&mut self, now: NaiveDateTime) {
        if self.is_locked(now) {
            return;
        }
        if self.locked_until.is_some() {
            self.failures = 0;
            self.locked_until = None;
        }
        self.failures += 1;
        if self.failures >= MAX_FAILED_PIN_ATTEMPTS {
            self.locked_until = Some(now + Duration::minutes(LOCKOUT_MINUTES));
        }
    }

    pub fn record_success(&mut self) {
        self.failures = 0;
        self.locked_until = None;
    }

    pub fn is_locked(&self, now: NaiveDateTime) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// Wrong PINs still allowed before the lock, for "还可尝试2次" on the screen.
    pub fn remaining_attempts(&self, now: NaiveDateTime) -> u32 {
        if self.is_locked(now) {
            0
        } else if self.locked_until.is_some() {
            MAX_FAILED_PIN_ATTEMPTS
        } else {
            MAX_FAILED_PIN_ATTEMPTS.saturating_sub(self.failures)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn member(roles: &[Role]) -> StaffMember {
        StaffMember {
            code: "S001".into(),
            name: "陈小红".into(),
            roles: roles.to_vec(),
        }
    }

    fn at(minute: u32, second: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 2)
            .unwrap()
            .and_hms_opt(9, minute, second)
            .unwrap()
    }

    #[test]
    fn front_desk_does_the_daily_counter_work_only() {
        let desk = member(&[Role::FrontDesk]);
        assert!(desk.can(Permission::RegisterHouseholds));
        assert!(desk.can(Permission::RecordPickup));
        assert!(desk.can(Permission::ReprintSlips));
        assert!(!desk.can(Permission::ApproveVolunteerHours));
        assert!(!desk.can(Permission::ExportUnmaskedPersonalData));
        assert!(!desk.can(Permission::ImportHouseholds));
    }

    #[test]
    fn social_worker_reviews_and_reports() {
        let worker = member(&[Role::SocialWorker]);
        assert!(worker.can(Permission::ApproveVolunteerHours));
        assert!(worker.can(Permission::FollowUpRatings));
        assert!(worker.can(Permission::RunReports));
        assert!(worker.can(Permission::DietaryNeeds));
        assert!(!worker.can(Permission::MakeWaitingListOffers));
        assert!(!worker.can(Permission::ExportUnmaskedPersonalData));
    }

    #[test]
    fn manager_can_do_everything_but_configure_the_device() {
        let manager = member(&[Role::Manager]);
        for permission in Permission::ALL {
            assert_eq!(
                manager.can(permission),
                permission != Permission::ConfigureDevice,
                "{permission:?}"
            );
        }
    }

    #[test]
    fn technician_never_touches_personal_data() {
        assert_eq!(
            Role::Technician.permissions(),
            vec![Permission::ConfigureDevice, Permission::RunDiagnostics]
        );
        let technician = member(&[Role::Technician]);
        assert!(authorise(&technician, Permission::ExportUnmaskedPersonalData).is_err());
        assert!(authorise(&technician, Permission::RegisterHouseholds).is_err());
    }

    #[test]
    fn every_permission_belongs_to_some_role() {
        for permission in Permission::ALL {
            assert!(
                Role::ALL.iter().any(|role| role.can(permission)),
                "{permission:?}"
            );
        }
    }

    #[test]
    fn two_roles_combine() {
        let both = member(&[Role::FrontDesk, Role::SocialWorker]);
        assert!(authorise(&both, Permission::RecordPickup).is_ok());
        assert!(authorise(&both, Permission::FollowUpRatings).is_ok());
    }

    #[test]
    fn refusal_names_the_person_the_action_and_who_can() {
        let error = authorise(
            &member(&[Role::FrontDesk]),
            Permission::ApproveVolunteerHours,
        )
        .unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("staff", "not_permitted")
        );
        assert_eq!(
            error.message.zh,
            "陈小红（工号S001）无权审核义工时数，请由社工或中心负责人操作"
        );
        assert!(error.message.en.contains("approve volunteer hours"));
        let nameless = StaffMember {
            name: String::new(),
            ..member(&[])
        };
        let error = authorise(&nameless, Permission::ConfigureDevice).unwrap_err();
        assert!(error
            .message
            .zh
            .starts_with("工号S001无权配置终端设备，请由技术人员操作"));
    }

    #[test]
    fn roles_serialise_as_the_design_names() {
        let json = serde_json::to_string(&Role::ALL).unwrap();
        assert_eq!(
            json,
            r#"["front_desk","social_worker","manager","technician"]"#
        );
        assert_eq!(
            serde_json::to_string(&Permission::ExportUnmaskedPersonalData).unwrap(),
            "\"export_unmasked_personal_data\""
        );
    }

    #[test]
    fn pins_must_be_six_digits_and_not_guessable() {
        assert!(validate_pin("482913").is_ok());
        assert!(validate_pin("112233").is_ok());
        assert!(validate_pin("135792").is_ok());
        let code = |pin: &str| validate_pin(pin).unwrap_err().code;
        assert_eq!(code("12345"), "length");
        assert_eq!(code("1234567"), "length");
        assert_eq!(code(""), "length");
        assert_eq!(code("12a456"), "characters");
        assert_eq!(code(" 48291"), "characters");
        assert_eq!(code("000000"), "all_same");
        assert_eq!(code("777777"), "all_same");
        assert_eq!(code("123456"), "sequence");
        assert_eq!(code("654321"), "sequence");
        assert_eq!(code("012345"), "sequence");
        assert_eq!(code("567890"), "sequence");
        assert_eq!(code("987654"), "sequence");
        assert_eq!(validate_pin("123456").unwrap_err().field, "pin");
    }

    #[test]
    fn five_wrong_pins_lock_for_five_minutes() {
        let mut lockout = Lockout::default();
        for attempt in 0..4 {
            lockout.record_failure(at(0, attempt));
            assert!(!lockout.is_locked(at(0, attempt)));
        }
        assert_eq!(lockout.remaining_attempts(at(0, 4)), 1);
        lockout.record_failure(at(0, 4));
        assert!(lockout.is_locked(at(0, 4)));
        assert_eq!(lockout.failures, 5);
        assert!(lockout.is_locked(at(5, 3)));
        assert!(!lockout.is_locked(at(5, 4)));
        assert_eq!(lockout.remaining_attempts(at(5, 4)), 5);
    }

    #[test]
    fn tries_during_a_lock_do_not_extend_it() {
        let mut lockout = Lockout::default();
        for second in 0..5 {
            lockout.record_failure(at(0, second));
        }
        let until = lockout.locked_until;
        lockout.record_failure(at(3, 0));
        assert_eq!(lockout.locked_until, until);
    }

    #[test]
    fn after_a_lock_expires_the_count_starts_again() {
        let mut lockout = Lockout::default();
        for second in 0..5 {
            lockout.record_failure(at(0, second));
        }
        lockout.record_failure(at(10, 0));
        assert_eq!(lockout.failures, 1);
        assert!(!lockout.is_locked(at(10, 0)));
    }

    #[test]
    fn a_correct_pin_clears_the_count() {
        let mut lockout = Lockout::default();
        for second in 0..4 {
            lockout.record_failure(at(0, second));
        }
        lockout.record_success();
        lockout.record_failure(at(1, 0));
        assert!(!lockout.is_locked(at(1, 0)));
        assert_eq!(lockout.failures, 1);
    }
}
