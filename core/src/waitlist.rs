//! 轮候: the waiting-list policy the district publishes, and the priority it gives each
//! application.
//!
//! The policy is data, versioned like the eligibility rules, so that every place on a
//! waiting list can be explained from the policy version and the applicant's data
//! (invariant 3). The order is: priority bucket (the first bucket whose tags the
//! applicant has; the last bucket takes everyone), then credit for applicants who were
//! left unplaced last term, then time of application, then a sequence number that only
//! breaks ties between applications made in the same instant.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::household::Tag;
use crate::{FieldError, Text};

/// One priority group, e.g. 「低保家庭」 for anyone tagged `low_income`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityBucket {
    pub name: Text,
    /// An applicant with any of these tags falls in this bucket. An empty list takes
    /// everyone, so it belongs only at the end of the policy.
    pub any_of_tags: Vec<String>,
}

/// A versioned 轮候 policy, e.g. `lunch-2026` version 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistPolicy {
    pub id: String,
    pub version: u32,
    /// In priority order: the first matching bucket wins.
    pub buckets: Vec<PriorityBucket>,
    /// Whether applicants left unplaced last term rank ahead of others in their bucket.
    pub credit_for_unplaced: bool,
}

/// Where an application stands in the queue. Smaller is served first.
///
/// `Ord` and [`Priority::sort_key`] agree, so the kiosk's SQLite and the district's
/// PostgreSQL can keep the list ordered with a plain `ORDER BY sort_key`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Priority {
    /// Index of the bucket in the policy (0 = highest priority).
    pub bucket: u32,
    /// Unplaced last term: ranks ahead of those without credit in the same bucket.
    pub credit: bool,
    pub applied_at: NaiveDateTime,
    /// Breaks ties between applications made in the same instant; the device hands
    /// these out in the order applications arrive.
    pub seq: u64,
}

impl Ord for Priority {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bucket
            .cmp(&other.bucket)
            // `true` must come first, so compare the other way round.
            .then_with(|| other.credit.cmp(&self.credit))
            .then_with(|| self.applied_at.cmp(&other.applied_at))
            .then_with(|| self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Priority {
    /// A string whose byte-wise order equals [`Ord`]:
    /// `BBBBBBBBBB-C-YYYY-MM-DDTHH:MM:SS.fffffffff-SSSSSSSSSSSSSSSSSSSS`, with the bucket
    /// zero-padded to 10 digits (all of u32), `C` = `0` for credit and `1` without (so
    /// credit sorts first), and the sequence number zero-padded to 20 digits (all of u64).
    ///
    /// Every part has a fixed width, which is what makes lexical order numeric order.
    /// That holds for application years 0000–9999, i.e. any real application.
    pub fn sort_key(&self) -> String {
        format!(
            "{:010}-{}-{}-{:020}",
            self.bucket,
            if self.credit { '0' } else { '1' },
            self.applied_at.format("%Y-%m-%dT%H:%M:%S%.9f"),
            self.seq
        )
    }
}

impl WaitlistPolicy {
    /// The priority of an application made at `applied_at` by a person with `tags`.
    pub fn priority(
        &self,
        tags: &BTreeSet<Tag>,
        unplaced_last_term: bool,
        applied_at: NaiveDateTime,
        seq: u64,
    ) -> Priority {
        let bucket = self
            .buckets
            .iter()
            .position(|bucket| {
                bucket.any_of_tags.is_empty()
                    || bucket
                        .any_of_tags
                        .iter()
                        .any(|wanted| tags.iter().any(|tag| tag.as_str() == wanted))
            })
            // A policy without a catch-all fails validate(); if one arrives anyway, the
            // unmatched still get a place, behind every named bucket.
            .unwrap_or(self.buckets.len());
        Priority {
            bucket: bucket as u32,
            credit: self.credit_for_unplaced && unplaced_last_term,
            applied_at,
            seq,
        }
    }

    /// The group a priority falls in as the explanation names it: by its number, "第2组（共3组）"
    /// / "group 2 of 3", never by its policy name. The names are the applicant's 人群标签
    /// in other words (低保家庭, 残疾人家庭: social-assistance and disability status, which
    /// the Personal Information Protection Law counts as sensitive), and the explanation is
    /// printed on a slip a child may carry. The number, the policy version and the policy
    /// on the notice board ([`WaitlistPolicy::describe`]) still say exactly which group.
    pub fn group_number(&self, bucket: u32) -> Text {
        let number = bucket as usize + 1;
        // A priority past the last bucket (a policy without a catch-all) sits in an extra
        // group behind all the others; see `priority`.
        let groups = self.buckets.len().max(number);
        Text::new(
            format!("第{number}组（共{groups}组）"),
            format!("group {number} of {groups}"),
        )
    }

    /// Why an application stands where it does, in short lines (joined by '\n') a
    /// parent can follow, each language complete on its own: the place; the group (by
    /// number, see [`WaitlistPolicy::group_number`]) and why, without naming a tag; the
    /// credit for last term if it applies; the time of application; what happens when a
    /// seat frees up (held for `offer_hours`, the programme's); and the policy and
    /// version that decided it (invariant 3). The screen and the slip show this same text.
    pub fn explain(&self, p: &Priority, position: u32, offer_hours: u32) -> Text {
        let group = self.group_number(p.bucket);
        let catch_all = self
            .buckets
            .get(p.bucket as usize)
            .is_none_or(|bucket| bucket.any_of_tags.is_empty());
        let why = if catch_all {
            Text::new(
                "不属于优先人群的申请人按申请时间排序",
                "applicants outside the priority groups are ordered by when they applied",
            )
        } else {
            Text::new(
                "您的家庭符合这一组的优先条件（中心公示的轮候规则中有说明）",
                "your family meets this group's priority conditions (set out in the waiting-list rule the centre displays)",
            )
        };
        let applied = crate::dates::day_time_text(p.applied_at);
        let mut zh = vec![
            format!("您排在轮候第{position}位"),
            format!("您在{}：{}", group.zh, why.zh),
        ];
        let mut en = vec![
            format!("You are number {position} on the waiting list"),
            format!("You are in {}: {}", group.en, why.en),
        ];
        if p.credit {
            zh.push("上学期轮候未获安排，本组内排在前面".to_string());
            en.push(
                "You were not placed last term, so you come ahead of others in your group"
                    .to_string(),
            );
        }
        zh.push(format!("申请时间：{}", applied.zh));
        en.push(format!("Applied {}", applied.en));
        zh.push(format!(
            "有名额空出时，中心按轮候顺序通知，名额为您保留{offer_hours}小时"
        ));
        en.push(format!(
            "When a seat frees up, the centre offers it in this order and holds it for you for {offer_hours} hours"
        ));
        zh.push("请在自助机“我的报名”或前台确认，逾期名额顺延给下一位".to_string());
        en.push(
            "Answer at the kiosk (My places) or the front desk; after that the seat passes to the next person"
                .to_string(),
        );
        zh.push(format!("轮候规则：{} 第{}版", self.id, self.version));
        en.push(format!(
            "Waiting-list rule: {}, version {}",
            self.id, self.version
        ));
        Text::new(zh.join("\n"), en.join("\n"))
    }

    /// The policy in plain words, one line per bucket, for the notice board and the
    /// kiosk's "how is the waiting list ordered" page.
    pub fn describe(&self) -> Vec<Text> {
        let mut lines: Vec<Text> = self
            .buckets
            .iter()
            .enumerate()
            .map(|(index, bucket)| {
                let number = index + 1;
                if bucket.any_of_tags.is_empty() {
                    Text::new(
                        format!("第{number}优先：「{}」（其他所有申请人）", bucket.name.zh),
                        format!("Priority {number}: \"{}\" (everyone else)", bucket.name.en),
                    )
                } else {
                    let tags: Vec<Text> = bucket
                        .any_of_tags
                        .iter()
                        .map(|tag| crate::household::describe_tag(tag))
                        .collect();
                    let zh: Vec<&str> = tags.iter().map(|t| t.zh.as_str()).collect();
                    let en: Vec<&str> = tags.iter().map(|t| t.en.as_str()).collect();
                    Text::new(
                        format!(
                            "第{number}优先：「{}」（{}）",
                            bucket.name.zh,
                            zh.join("、")
                        ),
                        format!(
                            "Priority {number}: \"{}\" ({})",
                            bucket.name.en,
                            en.join(", ")
                        ),
                    )
                }
            })
            .collect();
        if self.credit_for_unplaced {
            lines.push(Text::new(
                "同一优先组内，上学期轮候未获安排的申请人优先",
                "Within a group, applicants left unplaced last term come first",
            ));
        }
        lines.push(Text::new(
            "其余按申请时间先后排列",
            "Otherwise, in order of application time",
        ));
        lines
    }

    /// Checks a policy received from the district before it is used.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = crate::check_id_and_version(
            "policy",
            &self.id,
            self.version,
            "轮候规则",
            "waiting-list policy",
        );
        match self.buckets.last() {
            None => errors.push(FieldError::new(
                "policy.buckets",
                "required",
                "轮候规则至少需要一个优先组",
                "The waiting-list policy needs at least one priority group",
            )),
            Some(last) if !last.any_of_tags.is_empty() => errors.push(FieldError::new(
                "policy.buckets",
                "no_catch_all",
                "轮候规则的最后一个优先组须面向所有申请人（不设标签）",
                "The last priority group must take everyone (no tags)",
            )),
            Some(_) => {}
        }
        let last_index = self.buckets.len().saturating_sub(1);
        for (index, bucket) in self.buckets.iter().enumerate() {
            if index < last_index && bucket.any_of_tags.is_empty() {
                errors.push(FieldError::new(
                    format!("policy.buckets[{index}].any_of_tags"),
                    "unreachable_buckets",
                    format!(
                        "优先组「{}」不设标签，会让其后的优先组永远轮不到",
                        bucket.name.zh
                    ),
                    format!(
                        "Group \"{}\" has no tags, so the groups after it could never be reached",
                        bucket.name.en
                    ),
                ));
            }
            for tag in &bucket.any_of_tags {
                if Tag::parse(tag).is_err() {
                    errors.push(FieldError::new(
                        format!("policy.buckets[{index}].any_of_tags"),
                        "invalid_tag",
                        format!("优先组「{}」的标签“{tag}”格式不正确", bucket.name.zh),
                        format!("Group \"{}\" has a malformed tag \"{tag}\"", bucket.name.en),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    pub(crate) fn lunch_policy() -> WaitlistPolicy {
        WaitlistPolicy {
            id: "lunch-2026".into(),
            version: 2,
            buckets: vec![
                PriorityBucket {
                    name: Text::new("低保家庭", "Low-income families"),
                    any_of_tags: vec!["low_income".into()],
                },
                PriorityBucket {
                    name: Text::new("残疾人家庭", "Families with a disabled member"),
                    any_of_tags: vec!["disabled".into()],
                },
                PriorityBucket {
                    name: Text::new("其他居民", "Other residents"),
                    any_of_tags: vec![],
                },
            ],
            credit_for_unplaced: true,
        }
    }

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn tags(names: &[&str]) -> BTreeSet<Tag> {
        names.iter().map(|n| Tag::parse(n).unwrap()).collect()
    }

    #[test]
    fn first_matching_bucket_wins_and_everyone_else_lands_in_the_catch_all() {
        let policy = lunch_policy();
        let both = policy.priority(&tags(&["disabled", "low_income"]), false, at(28, 9, 30), 1);
        assert_eq!(both.bucket, 0);
        let disabled = policy.priority(&tags(&["disabled"]), false, at(28, 9, 30), 2);
        assert_eq!(disabled.bucket, 1);
        let neither = policy.priority(&tags(&["non_hukou"]), false, at(28, 9, 30), 3);
        assert_eq!(neither.bucket, 2);
    }

    #[test]
    fn credit_beats_an_earlier_application_in_the_same_bucket_but_not_a_higher_bucket() {
        let policy = lunch_policy();
        let early = policy.priority(&tags(&[]), false, at(20, 8, 0), 1);
        let late_with_credit = policy.priority(&tags(&[]), true, at(28, 17, 0), 2);
        let low_income_late = policy.priority(&tags(&["low_income"]), false, at(29, 17, 0), 3);
        assert!(late_with_credit.credit);
        assert!(late_with_credit < early);
        assert!(low_income_late < late_with_credit);
    }

    #[test]
    fn no_credit_when_the_policy_does_not_grant_it() {
        let mut policy = lunch_policy();
        policy.credit_for_unplaced = false;
        assert!(!policy.priority(&tags(&[]), true, at(28, 9, 0), 1).credit);
    }

    #[test]
    fn the_explanation_says_place_group_why_time_what_next_and_rule_in_one_language_each() {
        let policy = lunch_policy();
        let p = policy.priority(&tags(&["low_income"]), true, at(28, 9, 30), 7);
        let text = policy.explain(&p, 3, 48);
        assert_eq!(
            text.zh.lines().collect::<Vec<_>>(),
            [
                "您排在轮候第3位",
                "您在第1组（共3组）：您的家庭符合这一组的优先条件（中心公示的轮候规则中有说明）",
                "上学期轮候未获安排，本组内排在前面",
                "申请时间：11月28日 09:30",
                "有名额空出时，中心按轮候顺序通知，名额为您保留48小时",
                "请在自助机“我的报名”或前台确认，逾期名额顺延给下一位",
                "轮候规则：lunch-2026 第2版",
            ]
        );
        assert_eq!(
            text.en.lines().collect::<Vec<_>>(),
            [
                "You are number 3 on the waiting list",
                "You are in group 1 of 3: your family meets this group's priority conditions (set out in the waiting-list rule the centre displays)",
                "You were not placed last term, so you come ahead of others in your group",
                "Applied 28 Nov 09:30",
                "When a seat frees up, the centre offers it in this order and holds it for you for 48 hours",
                "Answer at the kiosk (My places) or the front desk; after that the seat passes to the next person",
                "Waiting-list rule: lunch-2026, version 2",
            ]
        );
        let plain = policy.priority(&tags(&[]), false, at(28, 9, 30), 8);
        let text = policy.explain(&plain, 12, 24);
        assert!(text
            .zh
            .contains("您在第3组（共3组）：不属于优先人群的申请人按申请时间排序"));
        assert!(!text.zh.contains("上学期"));
        assert!(text.zh.contains("保留24小时"));
    }

    #[test]
    fn the_explanation_never_names_a_group_or_a_tag_and_never_mixes_languages() {
        let policy = lunch_policy();
        for tag in [&["low_income"][..], &["disabled"], &[]] {
            let p = policy.priority(&tags(tag), true, at(28, 9, 30), 1);
            let text = policy.explain(&p, 1, 48);
            for bucket in &policy.buckets {
                assert!(!text.zh.contains(&bucket.name.zh), "{}", text.zh);
                assert!(!text.en.contains(&bucket.name.en), "{}", text.en);
            }
            for word in ["低保", "残疾", "low_income", "disabled"] {
                assert!(!text.zh.contains(word) && !text.en.contains(word));
            }
            // Chinese text has no English words; English text no Chinese characters.
            assert!(!text
                .en
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
            assert!(!text.zh.contains("group") && !text.zh.contains("version"));
        }
    }

    #[test]
    fn validate_rejects_a_policy_without_catch_all_or_with_an_early_catch_all() {
        assert!(lunch_policy().validate().is_ok());
        let mut no_catch_all = lunch_policy();
        no_catch_all.buckets.pop();
        let errors = no_catch_all.validate().unwrap_err();
        assert_eq!(errors[0].code, "no_catch_all");
        let mut early = lunch_policy();
        early.buckets.swap(0, 2);
        early.buckets.swap(1, 2);
        // now: catch-all, low_income, disabled
        let codes: Vec<String> = early
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert!(codes.contains(&"unreachable_buckets".to_string()));
        assert!(codes.contains(&"no_catch_all".to_string()));
    }

    #[test]
    fn policy_round_trips_through_the_json_the_district_publishes() {
        let json = r#"{"id":"lunch-2026","version":2,"credit_for_unplaced":true,
            "buckets":[{"name":{"zh":"低保家庭","en":"Low-income families"},"any_of_tags":["low_income"]},
                       {"name":{"zh":"其他居民","en":"Other residents"},"any_of_tags":[]}]}"#;
        let policy: WaitlistPolicy = serde_json::from_str(json).unwrap();
        assert_eq!(policy.buckets.len(), 2);
        assert!(policy.validate().is_ok());
        let again: WaitlistPolicy =
            serde_json::from_str(&serde_json::to_string(&policy).unwrap()).unwrap();
        assert_eq!(again, policy);
    }

    #[test]
    fn describe_lists_buckets_in_order_with_their_tags() {
        let lines = lunch_policy().describe();
        assert!(lines[0].zh.starts_with("第1优先：「低保家庭」"));
        assert!(lines[2].zh.contains("其他所有申请人"));
        assert!(lines.iter().any(|l| l.zh.contains("上学期")));
    }

    pub(crate) fn arbitrary_priority() -> impl Strategy<Value = Priority> {
        (
            0u32..4,
            any::<bool>(),
            // Whole range of plausible application instants, down to the nanosecond.
            0i64..(200 * 365 * 86_400),
            0u32..1_000_000_000,
            any::<u64>(),
        )
            .prop_map(|(bucket, credit, secs, nanos, seq)| Priority {
                bucket,
                credit,
                applied_at: chrono::DateTime::from_timestamp(secs, nanos)
                    .unwrap()
                    .naive_utc(),
                seq,
            })
    }

    proptest! {
        #[test]
        fn sort_key_order_equals_priority_order(a in arbitrary_priority(), b in arbitrary_priority()) {
            prop_assert_eq!(a.sort_key().cmp(&b.sort_key()), a.cmp(&b));
        }

        #[test]
        fn sort_key_order_equals_priority_order_for_near_ties(
            a in arbitrary_priority(),
            seq in any::<u64>(),
            credit in any::<bool>(),
        ) {
            // Random pairs rarely share a bucket and a time; these do, so the later
            // fields decide.
            let b = Priority { credit, seq, ..a.clone() };
            prop_assert_eq!(a.sort_key().cmp(&b.sort_key()), a.cmp(&b));
        }
    }
}
