//! Convenience businesses (社区商业服务): their filing (备案) and monthly accounts (经营台账).
//!
//! The Shenzhen plan lets the organisation running a centre sell welfare lottery tickets
//! and run small services (bicycle repair, tailoring, shoe repair, dry-cleaning
//! collection, typing and copying…) without a business licence, once filed with the
//! community workstation (社区工作站), on condition that the profit goes to the centre's
//! public services. Employing laid-off workers (下岗失业人员) earns re-employment subsidies,
//! so the count of them is reported.
//!
//! Categories are data: the six the plan names are built in, and a district adds its own.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::identity::IdNumber;
use crate::outbox::EventPayload;
use crate::{FieldError, Text};

pub const WELFARE_LOTTERY: &str = "welfare_lottery";
pub const BICYCLE_REPAIR: &str = "bicycle_repair";
pub const TAILORING: &str = "tailoring";
pub const SHOE_REPAIR: &str = "shoe_repair";
pub const DRY_CLEANING_COLLECTION: &str = "dry_cleaning_collection";
pub const TYPING_COPYING: &str = "typing_copying";

/// Refusal codes (`FieldError::code`).
pub const ILLEGAL_TRANSITION: &str = "illegal_transition";
pub const PROFIT_DISTRIBUTION: &str = "profit_distribution";
pub const DUPLICATE_LEDGER: &str = "duplicate_ledger";
pub const NOT_FILED: &str = "not_filed";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessCategory {
    /// Stable machine name: lower-case ascii letters, digits and '_'.
    pub code: String,
    pub label: Text,
}

/// The services the plan names (《深圳市社区服务“十二五”规划》, 社区商业服务备案制度).
pub fn standard_categories() -> Vec<BusinessCategory> {
    [
        (WELFARE_LOTTERY, "福利彩票", "Welfare lottery"),
        (BICYCLE_REPAIR, "自行车修理", "Bicycle repair"),
        (TAILORING, "裁缝", "Tailoring"),
        (SHOE_REPAIR, "修鞋", "Shoe repair"),
        (
            DRY_CLEANING_COLLECTION,
            "干洗收衣",
            "Dry-cleaning collection",
        ),
        (TYPING_COPYING, "打字复印", "Typing and copying"),
    ]
    .into_iter()
    .map(|(code, zh, en)| BusinessCategory {
        code: code.to_string(),
        label: Text::new(zh, en),
    })
    .collect()
}

fn is_machine_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks a district's category list (the standard ones plus its own).
pub fn validate_categories(categories: &[BusinessCategory]) -> Result<(), FieldError> {
    for (index, category) in categories.iter().enumerate() {
        if !is_machine_code(&category.code) {
            return Err(FieldError::new(
                "categories",
                "invalid_code",
                format!(
                    "类别代码“{}”须为1至32位小写字母、数字或下划线",
                    category.code
                ),
                format!(
                    "Category code \"{}\" must be 1 to 32 lower-case letters, digits or '_'",
                    category.code
                ),
            ));
        }
        if category.label.zh.trim().is_empty() || category.label.en.trim().is_empty() {
            return Err(FieldError::new(
                "categories",
                "missing_label",
                format!("类别“{}”缺少中文或英文名称", category.code),
                format!(
                    "Category \"{}\" needs both a Chinese and an English name",
                    category.code
                ),
            ));
        }
        if categories[..index]
            .iter()
            .any(|earlier| earlier.code == category.code)
        {
            return Err(FieldError::new(
                "categories",
                "duplicate_code",
                format!("类别代码“{}”重复", category.code),
                format!("Category code \"{}\" appears twice", category.code),
            ));
        }
    }
    Ok(())
}

pub fn find_category<'a>(
    categories: &'a [BusinessCategory],
    code: &str,
) -> Option<&'a BusinessCategory> {
    categories.iter().find(|category| category.code == code)
}

/// Someone working in a convenience business.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    pub name: String,
    pub id_number: IdNumber,
    /// 下岗失业人员: the policy encourages hiring them.
    pub laid_off: bool,
    pub hired_on: NaiveDate,
}

impl Employee {
    pub fn new(
        name: &str,
        raw_id_number: &str,
        laid_off: bool,
        hired_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Employee, FieldError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(FieldError::new(
                "name",
                "required",
                "请填写员工姓名",
                "Please fill in the employee's name",
            ));
        }
        let id_number = IdNumber::parse(raw_id_number, today)?;
        if hired_on > today {
            return Err(FieldError::new(
                "hired_on",
                "in_future",
                format!("入职日期{hired_on}晚于今天"),
                format!("The hiring date {hired_on} is after today"),
            ));
        }
        Ok(Employee {
            name: name.to_string(),
            id_number,
            laid_off,
            hired_on,
        })
    }
}

/// A convenience business run by (or under) the centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvenienceBusiness {
    pub code: String,
    pub name: String,
    /// A `BusinessCategory::code`.
    pub category: String,
    /// The organisation running the centre that operates it (承办机构).
    pub operator: String,
    /// Address or stall within the centre.
    pub stall: String,
    pub employees: Vec<Employee>,
}

impl ConvenienceBusiness {
    pub fn validate(&self, categories: &[BusinessCategory]) -> Result<(), FieldError> {
        let required = [
            ("code", "编号", "code", &self.code),
            ("name", "名称", "name", &self.name),
            ("operator", "经营机构", "operator", &self.operator),
            ("stall", "经营地点", "address or stall", &self.stall),
        ];
        for (field, zh, en, value) in required {
            if value.trim().is_empty() {
                return Err(FieldError::new(
                    field,
                    "required",
                    format!("请填写{zh}"),
                    format!("Please fill in the {en}"),
                ));
            }
        }
        if find_category(categories, &self.category).is_none() {
            return Err(FieldError::new(
                "category",
                "unknown_category",
                format!("“{}”不是本区备案的便民服务类别", self.category),
                format!(
                    "\"{}\" is not a convenience-service category filed in this district",
                    self.category
                ),
            ));
        }
        for (index, employee) in self.employees.iter().enumerate() {
            if self.employees[..index]
                .iter()
                .any(|earlier| earlier.id_number == employee.id_number)
            {
                return Err(duplicate_employee(employee));
            }
        }
        Ok(())
    }

    /// Adds an employee; the same person twice is refused.
    pub fn add_employee(&mut self, employee: Employee) -> Result<(), FieldError> {
        if self
            .employees
            .iter()
            .any(|existing| existing.id_number == employee.id_number)
        {
            return Err(duplicate_employee(&employee));
        }
        self.employees.push(employee);
        Ok(())
    }

    /// Laid-off workers employed: reported for the re-employment subsidy.
    pub fn laid_off_employee_count(&self) -> u32 {
        self.employees
            .iter()
            .filter(|employee| employee.laid_off)
            .count() as u32
    }
}

fn duplicate_employee(employee: &Employee) -> FieldError {
    FieldError::new(
        "employees",
        "duplicate_employee",
        format!(
            "员工{}（{}）已登记",
            employee.name,
            employee.id_number.masked()
        ),
        format!(
            "Employee {} ({}) is already registered",
            employee.name,
            employee.id_number.masked()
        ),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    Draft,
    Submitted,
    Filed,
    Suspended,
    Revoked,
    Closed,
}

impl FilingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FilingStatus::Draft => "draft",
            FilingStatus::Submitted => "submitted",
            FilingStatus::Filed => "filed",
            FilingStatus::Suspended => "suspended",
            FilingStatus::Revoked => "revoked",
            FilingStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> Text {
        let (zh, en) = match self {
            FilingStatus::Draft => ("草稿", "draft"),
            FilingStatus::Submitted => ("已提交待备案", "submitted"),
            FilingStatus::Filed => ("已备案", "filed"),
            FilingStatus::Suspended => ("暂停经营", "suspended"),
            FilingStatus::Revoked => ("已撤销备案", "revoked"),
            FilingStatus::Closed => ("已停业注销", "closed"),
        };
        Text::new(zh, en)
    }

    /// Revoked and closed filings never change again; the business must file anew.
    pub fn is_terminal(self) -> bool {
        matches!(self, FilingStatus::Revoked | FilingStatus::Closed)
    }
}

/// What the workstation (or the operator) does to a filing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum FilingAction {
    /// Draft → submitted to the community workstation.
    Submit,
    /// Submitted → draft: the workstation asks for corrections.
    ReturnForAmendment { reason: String },
    /// Submitted → filed, with the number from `filing_number`.
    File { filing_number: String },
    /// Filed → suspended (e.g. a complaint under investigation).
    Suspend { reason: String },
    /// Suspended → filed again, same number.
    Reinstate,
    /// Filed or suspended → revoked, for good.
    Revoke { reason: String },
    /// Any non-final state → closed: the operator stops the business or withdraws the application.
    Close { reason: String },
}

impl FilingAction {
    fn label(&self) -> Text {
        let (zh, en) = match self {
            FilingAction::Submit => ("提交备案", "submit"),
            FilingAction::ReturnForAmendment { .. } => ("退回补正", "return for amendment"),
            FilingAction::File { .. } => ("予以备案", "file"),
            FilingAction::Suspend { .. } => ("暂停经营", "suspend"),
            FilingAction::Reinstate => ("恢复经营", "reinstate"),
            FilingAction::Revoke { .. } => ("撤销备案", "revoke"),
            FilingAction::Close { .. } => ("停业注销", "close"),
        };
        Text::new(zh, en)
    }

    fn reason(&self) -> Option<&str> {
        match self {
            FilingAction::ReturnForAmendment { reason }
            | FilingAction::Suspend { reason }
            | FilingAction::Revoke { reason }
            | FilingAction::Close { reason } => Some(reason),
            _ => None,
        }
    }
}

/// One step in a filing's history: who, when, from what to what, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingChange {
    pub from: FilingStatus,
    pub to: FilingStatus,
    pub by: String,
    pub at: NaiveDateTime,
    pub reason: Option<String>,
}

/// A business's filing (备案) and its full history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filing {
    pub business_code: String,
    pub status: FilingStatus,
    pub filing_number: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub history: Vec<FilingChange>,
}

impl Filing {
    pub fn draft(business_code: &str, by: &str, at: NaiveDateTime) -> Filing {
        Filing {
            business_code: business_code.trim().to_string(),
            status: FilingStatus::Draft,
            filing_number: None,
            created_by: by.trim().to_string(),
            created_at: at,
            history: Vec::new(),
        }
    }

    /// Applies an action, or refuses it saying why; nothing changes on refusal.
    pub fn apply(
        &mut self,
        action: FilingAction,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<(), FieldError> {
        use FilingStatus::*;
        if by.trim().is_empty() {
            return Err(FieldError::new(
                "by",
                "required",
                "请填写经办人",
                "Please say who is making this change",
            ));
        }
        let last = self
            .history
            .last()
            .map_or(self.created_at, |change| change.at);
        if at < last {
            return Err(FieldError::new(
                "at",
                "before_last_change",
                format!(
                    "时间{}早于上一次变更（{}）",
                    at.format("%Y-%m-%d %H:%M"),
                    last.format("%Y-%m-%d %H:%M")
                ),
                format!(
                    "The time {} is before the previous change ({})",
                    at.format("%Y-%m-%d %H:%M"),
                    last.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
        if let Some(reason) = action.reason() {
            if reason.trim().is_empty() {
                let label = action.label();
                return Err(FieldError::new(
                    "reason",
                    "required",
                    format!("{}须写明原因", label.zh),
                    format!("A reason is needed to {}", label.en),
                ));
            }
        }
        let to = match (&action, self.status) {
            (FilingAction::Submit, Draft) => Submitted,
            (FilingAction::ReturnForAmendment { .. }, Submitted) => Draft,
            (FilingAction::File { .. }, Submitted) => Filed,
            (FilingAction::Suspend { .. }, Filed) => Suspended,
            (FilingAction::Reinstate, Suspended) => Filed,
            (FilingAction::Revoke { .. }, Filed | Suspended) => Revoked,
            (FilingAction::Close { .. }, Draft | Submitted | Filed | Suspended) => Closed,
            (_, from) => return Err(self.illegal(&action, from)),
        };
        if let FilingAction::File { filing_number } = &action {
            let (_, year, _) = parse_filing_number(filing_number)?;
            if year != at.year() {
                return Err(FieldError::new(
                    "filing_number",
                    "wrong_year",
                    format!("备案号的年份{year}与备案日期{}不符", at.year()),
                    format!(
                        "The filing number's year {year} does not match the filing date's year {}",
                        at.year()
                    ),
                ));
            }
            self.filing_number = Some(filing_number.clone());
        }
        self.history.push(FilingChange {
            from: self.status,
            to,
            by: by.trim().to_string(),
            at,
            reason: action.reason().map(|reason| reason.trim().to_string()),
        });
        self.status = to;
        Ok(())
    }

    fn illegal(&self, action: &FilingAction, from: FilingStatus) -> FieldError {
        let action = action.label();
        let state = from.label();
        let (zh_hint, en_hint) = match from {
            FilingStatus::Revoked | FilingStatus::Closed => (
                "该备案已终止，不能再变更；如需继续经营，请重新申请备案",
                "this filing has ended for good; to trade again, file a new application",
            ),
            FilingStatus::Draft => ("请先提交备案", "submit it first"),
            FilingStatus::Submitted => (
                "请等待社区工作站予以备案或退回",
                "wait for the community workstation to file it or return it",
            ),
            FilingStatus::Filed => (
                "已备案的业务只能暂停、撤销或停业",
                "a filed business can only be suspended, revoked or closed",
            ),
            FilingStatus::Suspended => (
                "暂停中的业务只能恢复、撤销或停业",
                "a suspended business can only be reinstated, revoked or closed",
            ),
        };
        FieldError::new(
            "status",
            ILLEGAL_TRANSITION,
            format!("备案状态为“{}”，不能{}：{}", state.zh, action.zh, zh_hint),
            format!(
                "The filing is {}, so it cannot {}: {}",
                state.en, action.en, en_hint
            ),
        )
    }

    /// The outbox record of the latest change.
    pub fn to_event(&self) -> EventPayload {
        EventPayload::FilingChanged {
            business_code: self.business_code.clone(),
            status: self.status.as_str().to_string(),
            filing_number: self.filing_number.clone(),
            by: self
                .history
                .last()
                .map_or_else(|| self.created_by.clone(), |change| change.by.clone()),
        }
    }
}

/// The filing number for the `sequence`-th filing of `year` in a district, e.g.
/// "备案-440306-2026-0001". The sequence comes from whoever issues numbers (the district
/// backend, which sees every centre), so two centres never issue the same one.
pub fn filing_number(district_code: &str, year: i32, sequence: u32) -> Result<String, FieldError> {
    if district_code.len() != 6 || !district_code.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            "district_code",
            "invalid",
            format!("区划代码“{district_code}”须为6位数字（如440306）"),
            format!("District code \"{district_code}\" must be 6 digits (e.g. 440306)"),
        ));
    }
    if !(2000..=9999).contains(&year) {
        return Err(FieldError::new(
            "year",
            "out_of_range",
            format!("年份{year}无效"),
            format!("Year {year} is not valid"),
        ));
    }
    if !(1..=9999).contains(&sequence) {
        return Err(FieldError::new(
            "sequence",
            "out_of_range",
            format!("序号{sequence}须在1至9999之间"),
            format!("Sequence {sequence} must be between 1 and 9999"),
        ));
    }
    Ok(format!("备案-{district_code}-{year}-{sequence:04}"))
}

/// Splits a filing number into district code, year and sequence, refusing any other shape.
pub fn parse_filing_number(text: &str) -> Result<(String, i32, u32), FieldError> {
    let invalid = || {
        FieldError::new(
            "filing_number",
            "invalid",
            format!("备案号“{text}”格式不对，应如“备案-440306-2026-0001”"),
            format!("Filing number \"{text}\" should look like \"备案-440306-2026-0001\""),
        )
    };
    let rest = text.strip_prefix("备案-").ok_or_else(invalid)?;
    let parts: Vec<&str> = rest.split('-').collect();
    let [district, year, sequence] = parts.as_slice() else {
        return Err(invalid());
    };
    if year.len() != 4 || sequence.len() != 4 {
        return Err(invalid());
    }
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let sequence: u32 = sequence.parse().map_err(|_| invalid())?;
    // Round-trip through the issuer so both agree on what a valid number is.
    let canonical = filing_number(district, year, sequence).map_err(|_| invalid())?;
    if canonical != text {
        return Err(invalid());
    }
    Ok((district.to_string(), year, sequence))
}

/// Parses "YYYY-MM" into the first day of that month.
pub fn parse_month(text: &str) -> Result<NaiveDate, FieldError> {
    let invalid = || {
        FieldError::new(
            "month",
            "invalid",
            format!("月份“{text}”格式不对，应如“2026-10”"),
            format!("Month \"{text}\" should look like \"2026-10\""),
        )
    };
    if text.len() != 7 || text.as_bytes()[4] != b'-' {
        return Err(invalid());
    }
    let year: i32 = text[..4].parse().map_err(|_| invalid())?;
    let month: u32 = text[5..].parse().map_err(|_| invalid())?;
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(invalid)
}

/// One month's accounts of one business (经营台账).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub business_code: String,
    /// "YYYY-MM".
    pub month: String,
    pub revenue_fen: i64,
    pub cost_fen: i64,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

impl LedgerEntry {
    /// Revenue minus cost; negative in a month with a loss.
    pub fn profit_fen(&self) -> i64 {
        self.revenue_fen - self.cost_fen
    }

    /// All profit goes to the public-service fund (公益服务基金). A loss puts nothing in and
    /// takes nothing out: the fund is never drawn on to cover a business's losses here.
    pub fn to_public_service_fund_fen(&self) -> i64 {
        self.profit_fen().max(0)
    }

    pub fn to_event(&self) -> EventPayload {
        EventPayload::LedgerRecorded {
            business_code: self.business_code.clone(),
            month: self.month.clone(),
            revenue_fen: self.revenue_fen,
            cost_fen: self.cost_fen,
        }
    }
}

/// What the operator enters for a month. `distributed_fen` is the profit paid out to
/// individuals; it exists so that an attempt to record one is refused, not ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerInput {
    pub month: String,
    pub revenue_fen: i64,
    pub cost_fen: i64,
    #[serde(default)]
    pub distributed_fen: i64,
}

/// Records a month's accounts, refusing: a business not currently filed, a malformed or
/// unfinished month, negative amounts, any distribution of profit, and a second ledger
/// for the same month. `existing` are the ledgers already recorded (any business).
pub fn record_ledger(
    filing: &Filing,
    existing: &[LedgerEntry],
    input: &LedgerInput,
    by: &str,
    at: NaiveDateTime,
) -> Result<LedgerEntry, FieldError> {
    if filing.status != FilingStatus::Filed {
        return Err(FieldError::new(
            "filing",
            NOT_FILED,
            format!(
                "备案状态为“{}”，只有已备案的业务才能登记经营台账",
                filing.status.label().zh
            ),
            format!(
                "The filing is {}; only a filed business can record its accounts",
                filing.status.label().en
            ),
        ));
    }
    if by.trim().is_empty() {
        return Err(FieldError::new(
            "by",
            "required",
            "请填写登记人",
            "Please say who is recording the accounts",
        ));
    }
    let month_start = parse_month(&input.month)?;
    let this_month = NaiveDate::from_ymd_opt(at.year(), at.month(), 1)
        .expect("the first of a real date's month exists");
    if month_start >= this_month {
        return Err(FieldError::new(
            "month",
            "month_not_over",
            format!("{}月尚未结束，请在月末后登记", input.month),
            format!(
                "The month {} is not over yet; record it after the month ends",
                input.month
            ),
        ));
    }
    for (field, value, zh, en) in [
        ("revenue_fen", input.revenue_fen, "收入", "Revenue"),
        ("cost_fen", input.cost_fen, "成本", "Cost"),
    ] {
        if value < 0 {
            return Err(FieldError::new(
                field,
                "negative",
                format!("{zh}不能为负数"),
                format!("{en} cannot be negative"),
            ));
        }
    }
    if input.distributed_fen != 0 {
        return Err(FieldError::new(
            "distributed_fen",
            PROFIT_DISTRIBUTION,
            "利润须全部用于社区公益服务，不得分配",
            "All profit must go to community public services; it may not be distributed",
        ));
    }
    if existing
        .iter()
        .any(|entry| entry.business_code == filing.business_code && entry.month == input.month)
    {
        return Err(FieldError::new(
            "month",
            DUPLICATE_LEDGER,
            format!("{}的经营台账已登记，每月只能登记一次", input.month),
            format!(
                "The accounts for {} are already recorded; one ledger per month",
                input.month
            ),
        ));
    }
    Ok(LedgerEntry {
        business_code: filing.business_code.clone(),
        month: input.month.clone(),
        revenue_fen: input.revenue_fen,
        cost_fen: input.cost_fen,
        recorded_by: by.trim().to_string(),
        recorded_at: at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(month: u32, day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, month, day)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
    }

    fn valid_id() -> String {
        let first17 = "11010519491231002";
        format!(
            "{first17}{}",
            crate::identity::check_character(first17).unwrap()
        )
    }

    fn other_valid_id() -> String {
        let first17 = "44030619850101001";
        format!(
            "{first17}{}",
            crate::identity::check_character(first17).unwrap()
        )
    }

    fn filed() -> Filing {
        let mut filing = Filing::draft("B-1", "operator", at(1, 5));
        filing
            .apply(FilingAction::Submit, "operator", at(1, 6))
            .unwrap();
        filing
            .apply(
                FilingAction::File {
                    filing_number: filing_number("440306", 2026, 1).unwrap(),
                },
                "WS-02",
                at(1, 10),
            )
            .unwrap();
        filing
    }

    fn month(month: &str, revenue_fen: i64, cost_fen: i64) -> LedgerInput {
        LedgerInput {
            month: month.into(),
            revenue_fen,
            cost_fen,
            distributed_fen: 0,
        }
    }

    #[test]
    fn standard_categories_are_valid_and_a_district_can_add_one() {
        let mut categories = standard_categories();
        assert_eq!(categories.len(), 6);
        assert_eq!(
            find_category(&categories, TYPING_COPYING).unwrap().label.zh,
            "打字复印"
        );
        categories.push(BusinessCategory {
            code: "key_cutting".into(),
            label: Text::new("配钥匙", "Key cutting"),
        });
        assert!(validate_categories(&categories).is_ok());
        categories.push(BusinessCategory {
            code: "key_cutting".into(),
            label: Text::new("配匙", "Keys"),
        });
        assert_eq!(
            validate_categories(&categories).unwrap_err().code,
            "duplicate_code"
        );
    }

    #[test]
    fn a_business_with_an_unknown_category_is_refused() {
        let business = ConvenienceBusiness {
            code: "B-1".into(),
            name: "便民修鞋".into(),
            category: "car_wash".into(),
            operator: "海滨社区服务中心".into(),
            stall: "一楼东侧".into(),
            employees: vec![],
        };
        let error = business.validate(&standard_categories()).unwrap_err();
        assert_eq!(error.field, "category");
        let shoe_repair = ConvenienceBusiness {
            category: SHOE_REPAIR.into(),
            ..business
        };
        assert!(shoe_repair.validate(&standard_categories()).is_ok());
    }

    #[test]
    fn employees_are_validated_counted_and_not_duplicated() {
        let bad = Employee::new("王五", "110105194912310029", true, today(), today());
        assert_eq!(bad.unwrap_err().field, "id_number");
        let future = Employee::new(
            "王五",
            &valid_id(),
            true,
            today().succ_opt().unwrap(),
            today(),
        );
        assert_eq!(future.unwrap_err().field, "hired_on");

        let mut business = ConvenienceBusiness {
            code: "B-1".into(),
            name: "便民修鞋".into(),
            category: SHOE_REPAIR.into(),
            operator: "海滨社区服务中心".into(),
            stall: "一楼东侧".into(),
            employees: vec![],
        };
        business
            .add_employee(Employee::new("王五", &valid_id(), true, today(), today()).unwrap())
            .unwrap();
        business
            .add_employee(
                Employee::new("赵六", &other_valid_id(), false, today(), today()).unwrap(),
            )
            .unwrap();
        let again = Employee::new("王五", &valid_id(), true, today(), today()).unwrap();
        let error = business.add_employee(again).unwrap_err();
        assert_eq!(error.code, "duplicate_employee");
        assert!(!error.message.zh.contains(&valid_id()));
        assert_eq!(business.employees.len(), 2);
        assert_eq!(business.laid_off_employee_count(), 1);
    }

    #[test]
    fn filing_numbers_are_formatted_and_validated() {
        assert_eq!(
            filing_number("440306", 2026, 1).unwrap(),
            "备案-440306-2026-0001"
        );
        assert_eq!(
            filing_number("44030", 2026, 1).unwrap_err().field,
            "district_code"
        );
        assert_eq!(
            filing_number("440306", 2026, 0).unwrap_err().field,
            "sequence"
        );
        assert_eq!(
            filing_number("440306", 2026, 10_000).unwrap_err().field,
            "sequence"
        );
        assert_eq!(
            parse_filing_number("备案-440306-2026-0042").unwrap(),
            ("440306".to_string(), 2026, 42)
        );
        for bad in [
            "备案-440306-2026-42",
            "440306-2026-0001",
            "备案-440306-2026-0000",
        ] {
            assert!(parse_filing_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_filing_life_cycle_records_who_and_when() {
        let mut filing = filed();
        assert_eq!(filing.status, FilingStatus::Filed);
        assert_eq!(
            filing.filing_number.as_deref(),
            Some("备案-440306-2026-0001")
        );
        filing
            .apply(
                FilingAction::Suspend {
                    reason: "居民投诉调查中".into(),
                },
                "WS-02",
                at(3, 1),
            )
            .unwrap();
        filing
            .apply(FilingAction::Reinstate, "WS-02", at(3, 15))
            .unwrap();
        assert_eq!(filing.status, FilingStatus::Filed);
        let statuses: Vec<_> = filing.history.iter().map(|change| change.to).collect();
        assert_eq!(
            statuses,
            [
                FilingStatus::Submitted,
                FilingStatus::Filed,
                FilingStatus::Suspended,
                FilingStatus::Filed
            ]
        );
        let last = filing.history.last().unwrap();
        assert_eq!((last.by.as_str(), last.at), ("WS-02", at(3, 15)));
        assert_eq!(filing.history[2].reason.as_deref(), Some("居民投诉调查中"));
    }

    #[test]
    fn illegal_transitions_are_refused_with_the_state_and_the_way_forward() {
        let mut draft = Filing::draft("B-1", "operator", at(1, 5));
        let error = draft
            .apply(
                FilingAction::File {
                    filing_number: "备案-440306-2026-0001".into(),
                },
                "WS-02",
                at(1, 6),
            )
            .unwrap_err();
        assert_eq!(error.code, ILLEGAL_TRANSITION);
        assert!(error.message.zh.contains("草稿"));
        assert_eq!(draft.status, FilingStatus::Draft);
        assert!(draft.filing_number.is_none());

        let mut revoked = filed();
        revoked
            .apply(
                FilingAction::Revoke {
                    reason: "违规经营".into(),
                },
                "WS-02",
                at(4, 1),
            )
            .unwrap();
        for action in [
            FilingAction::Reinstate,
            FilingAction::Submit,
            FilingAction::Close {
                reason: "停业".into(),
            },
        ] {
            let error = revoked.apply(action, "WS-02", at(4, 2)).unwrap_err();
            assert_eq!(error.code, ILLEGAL_TRANSITION);
            assert!(error.message.zh.contains("重新申请备案"));
        }
        assert_eq!(revoked.status, FilingStatus::Revoked);

        let mut closed = filed();
        closed
            .apply(
                FilingAction::Close {
                    reason: "经营者退休".into(),
                },
                "operator",
                at(4, 1),
            )
            .unwrap();
        assert!(closed
            .apply(FilingAction::Reinstate, "WS-02", at(4, 2))
            .is_err());

        let mut filed_again = filed();
        assert_eq!(
            filed_again
                .apply(FilingAction::Reinstate, "WS-02", at(2, 1))
                .unwrap_err()
                .code,
            ILLEGAL_TRANSITION
        );
    }

    #[test]
    fn suspending_needs_a_reason_and_a_person_and_time_moves_forward() {
        let mut filing = filed();
        let no_reason = filing
            .apply(
                FilingAction::Suspend { reason: " ".into() },
                "WS-02",
                at(3, 1),
            )
            .unwrap_err();
        assert_eq!(no_reason.field, "reason");
        let nobody = filing
            .apply(
                FilingAction::Suspend {
                    reason: "投诉".into(),
                },
                "",
                at(3, 1),
            )
            .unwrap_err();
        assert_eq!(nobody.field, "by");
        let backwards = filing
            .apply(
                FilingAction::Suspend {
                    reason: "投诉".into(),
                },
                "WS-02",
                at(1, 1),
            )
            .unwrap_err();
        assert_eq!(backwards.field, "at");
        assert_eq!(filing.status, FilingStatus::Filed);
    }

    #[test]
    fn filing_with_a_number_from_another_year_or_malformed_is_refused() {
        let mut filing = Filing::draft("B-1", "operator", at(1, 5));
        filing
            .apply(FilingAction::Submit, "operator", at(1, 6))
            .unwrap();
        for number in ["备案-440306-2025-0007", "备案-440306-26-7"] {
            let error = filing
                .apply(
                    FilingAction::File {
                        filing_number: number.into(),
                    },
                    "WS-02",
                    at(1, 10),
                )
                .unwrap_err();
            assert_eq!(error.field, "filing_number");
        }
        assert_eq!(filing.status, FilingStatus::Submitted);
    }

    #[test]
    fn profit_may_be_negative_and_all_of_a_positive_one_goes_to_the_fund() {
        let filing = filed();
        let gain = record_ledger(
            &filing,
            &[],
            &month("2026-10", 500_000, 320_000),
            "op",
            at(11, 2),
        )
        .unwrap();
        assert_eq!(gain.profit_fen(), 180_000);
        assert_eq!(gain.to_public_service_fund_fen(), 180_000);
        let loss = record_ledger(
            &filing,
            &[],
            &month("2026-09", 100_000, 130_000),
            "op",
            at(11, 2),
        )
        .unwrap();
        assert_eq!(loss.profit_fen(), -30_000);
        assert_eq!(loss.to_public_service_fund_fen(), 0);
    }

    #[test]
    fn distributing_profit_to_individuals_is_refused() {
        let input = LedgerInput {
            distributed_fen: 50_000,
            ..month("2026-10", 500_000, 320_000)
        };
        let error = record_ledger(&filed(), &[], &input, "op", at(11, 2)).unwrap_err();
        assert_eq!(error.code, PROFIT_DISTRIBUTION);
        assert_eq!(error.message.zh, "利润须全部用于社区公益服务，不得分配");
    }

    #[test]
    fn one_ledger_per_business_per_month() {
        let filing = filed();
        let october =
            record_ledger(&filing, &[], &month("2026-10", 1, 1), "op", at(11, 2)).unwrap();
        let error = record_ledger(
            &filing,
            std::slice::from_ref(&october),
            &month("2026-10", 2, 1),
            "op",
            at(11, 3),
        )
        .unwrap_err();
        assert_eq!(error.code, DUPLICATE_LEDGER);
        let mut other_business = october.clone();
        other_business.business_code = "B-2".into();
        assert!(record_ledger(
            &filing,
            &[other_business],
            &month("2026-10", 2, 1),
            "op",
            at(11, 3)
        )
        .is_ok());
    }

    #[test]
    fn ledger_month_and_amounts_are_validated() {
        let filing = filed();
        for bad in ["2026-13", "2026-1", "26-10", "2026/10"] {
            let error =
                record_ledger(&filing, &[], &month(bad, 1, 1), "op", at(11, 2)).unwrap_err();
            assert_eq!(error.field, "month", "{bad}");
        }
        let unfinished =
            record_ledger(&filing, &[], &month("2026-11", 1, 1), "op", at(11, 20)).unwrap_err();
        assert_eq!(unfinished.code, "month_not_over");
        let negative =
            record_ledger(&filing, &[], &month("2026-10", 1, -1), "op", at(11, 2)).unwrap_err();
        assert_eq!(negative.field, "cost_fen");
    }

    #[test]
    fn only_a_filed_business_records_a_ledger() {
        let mut filing = filed();
        filing
            .apply(
                FilingAction::Suspend {
                    reason: "整改".into(),
                },
                "WS-02",
                at(10, 1),
            )
            .unwrap();
        let error =
            record_ledger(&filing, &[], &month("2026-10", 1, 1), "op", at(11, 2)).unwrap_err();
        assert_eq!(error.code, NOT_FILED);
        let draft = Filing::draft("B-1", "operator", at(1, 5));
        assert_eq!(
            record_ledger(&draft, &[], &month("2026-10", 1, 1), "op", at(11, 2))
                .unwrap_err()
                .code,
            NOT_FILED
        );
    }
}
