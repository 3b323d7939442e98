//! The demo centre (宝安区新安街道海富社区): its people, calendar and programmes.
//!
//! The kiosk's `linli demo` and the district backend both seed this centre, so a
//! kiosk and its district agree on every household, ID number and programme without
//! exchanging anything first. Everything is generated from a fixed seed and dated
//! relative to the `today` passed in, so it works on any day and is the same centre
//! on every machine.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use serde::Serialize;

use crate::calendar::{china_2026, Calendar, SchoolTerm};
use crate::eligibility::{EligibilityRules, Residency};
use crate::household::{
    Tag, DISABLED, ELDERLY_80, LIVING_ALONE, LOW_INCOME, NON_HUKOU, RESIDENCE_PERMIT,
};
use crate::identity::{check_character, IdNumber, Phone};
use crate::programme::{
    Fee, FeePeriod, Programme, ProgrammeKind, ProgrammeStatus, Schedule, Waiver,
};
use crate::waitlist::{PriorityBucket, WaitlistPolicy};
use crate::Text;

pub const CENTRE_CODE: &str = "440306-XA-HF";
pub const CENTRE_NAME: &str = "宝安区新安街道海富社区服务中心";
pub const COMMUNITY_CODE: &str = "440306005003";
pub const DISTRICT_CODE: &str = "440306";
pub const HOUSEHOLDS: usize = 300;
/// Fixed so the demo centre is the same everywhere; only dates move with today.
pub const SEED: u64 = 0x4C49_4E4C_4920_3230;

/// One resident of the demo centre, with their household: what a registration or an
/// import row carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoPerson {
    pub household_code: String,
    pub address: String,
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<Phone>,
    pub tags: BTreeSet<Tag>,
}

/// The demo centre's residents on `today`, in the order `linli demo` registers them.
///
/// The kiosk draws its demo staff PINs from the same generator after these people,
/// so it calls [`people`] with its own [`DemoRandom`]; both start from [`SEED`] and
/// [`HOUSEHOLDS`], which is what keeps the two the same.
pub fn demo_people(today: NaiveDate) -> Vec<DemoPerson> {
    people(today, HOUSEHOLDS, &mut DemoRandom::new(SEED))
}

/// SplitMix64: a few lines, and its output never changes between library versions,
/// which a seeded generator from a crate does not promise. The demo must be the same
/// centre on every machine so screenshots and training notes stay true.
#[derive(Clone, Debug)]
pub struct DemoRandom(u64);

impl DemoRandom {
    pub fn new(seed: u64) -> Self {
        DemoRandom(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `low..=high`.
    pub fn range(&mut self, low: u32, high: u32) -> u32 {
        low + (self.next_u64() % u64::from(high - low + 1)) as u32
    }
    pub fn chance(&mut self, percent: u32) -> bool {
        self.range(1, 100) <= percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next_u64() as usize % items.len()]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "梁", "郑", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹", "曾", "彭",
    "蔡", "潘", "田", "董", "袁", "叶", "蒋", "杜", "苏", "魏", "程", "吕", "丁", "沈", "姚", "卢",
    "钟", "谭", "廖", "范", "汪", "陆", "金", "石", "欧阳", "方", "邹", "熊",
];
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "健", "俊", "峰",
    "建国", "志强", "海涛", "子轩", "浩然", "宇航", "梓豪", "俊杰", "家乐", "国华", "德胜", "永福",
    "文斌", "嘉豪", "一鸣",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂兰", "玉兰", "淑珍", "婷", "雪",
    "欣怡", "梓涵", "诗琪", "雨桐", "佳怡", "晓燕", "美玲", "春梅", "丽华", "思彤", "可欣", "慧敏",
    "小红", "秀珍", "紫萱", "梦瑶",
];
const BUILDINGS: &[&str] = &[
    "海富花园",
    "富华小区",
    "新安公寓",
    "海滨新村",
    "宝民花园",
    "裕安大厦",
];
/// Area codes of birthplaces: Bao'an itself for local hukou holders, and common
/// home provinces of Shenzhen's non-hukou residents.
const LOCAL_AREA: &str = "440306";
const MIGRANT_AREAS: &[&str] = &[
    "430124", "360121", "450721", "511321", "362421", "441581", "431021",
];

/// An ID number that passes GB 11643 for a person born on `birth`.
pub fn make_id_number(area: &str, birth: NaiveDate, male: bool, rng: &mut DemoRandom) -> IdNumber {
    let mut sequence = rng.range(1, 998);
    if (sequence % 2 == 1) != male {
        sequence += 1;
    }
    let first17 = format!("{area}{}{:03}", birth.format("%Y%m%d"), sequence);
    let check = check_character(&first17).expect("17 digits have a check character");
    IdNumber::parse(&format!("{first17}{check}"), NaiveDate::MAX)
        .expect("a generated ID number is valid")
}

fn birth_for_age(today: NaiveDate, age: u32, rng: &mut DemoRandom) -> NaiveDate {
    let years_ago = today
        .with_year(today.year() - age as i32)
        .unwrap_or(today - Duration::days(365 * i64::from(age)));
    years_ago - Duration::days(i64::from(rng.range(1, 360)))
}

fn phone(rng: &mut DemoRandom) -> Phone {
    let prefix = rng.pick(&[
        "135", "136", "137", "138", "139", "150", "152", "158", "159", "186", "188", "189", "177",
        "199",
    ]);
    Phone::parse(&format!("{prefix}{:08}", rng.next_u64() % 100_000_000))
        .expect("generated phones are valid")
}

fn name(rng: &mut DemoRandom, surname: &str, male: bool) -> String {
    let given = if male {
        rng.pick(GIVEN_MALE)
    } else {
        rng.pick(GIVEN_FEMALE)
    };
    format!("{surname}{given}")
}

struct Member {
    age: u32,
    male: bool,
    adult_phone: bool,
    tags: Vec<&'static str>,
    same_surname: bool,
}

/// Generates `households` households with their members, household by household; with
/// [`HOUSEHOLDS`] that is about 800 residents of a Shenzhen community, with ages
/// relative to `today`.
pub fn people(today: NaiveDate, households: usize, rng: &mut DemoRandom) -> Vec<DemoPerson> {
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for h in 1..=households {
        let code = format!("HF-{h:04}");
        let building = rng.pick(BUILDINGS);
        let address = format!(
            "宝安区新安街道海富社区{building}{}栋{}{:02}",
            rng.range(1, 12),
            rng.range(1, 32),
            rng.range(1, 8)
        );
        let migrant = rng.chance(30);
        let area = if migrant {
            *rng.pick(MIGRANT_AREAS)
        } else {
            LOCAL_AREA
        };
        let surname = *rng.pick(SURNAMES);
        let low_income = rng.chance(6);
        let mut members: Vec<Member> = Vec::new();
        match rng.range(1, 100) {
            // Families with school-age children: the core of 四点半学校 and 学生午托.
            1..=45 => {
                let parent_age = rng.range(29, 45);
                members.push(Member {
                    age: parent_age,
                    male: true,
                    adult_phone: true,
                    tags: vec![],
                    same_surname: true,
                });
                members.push(Member {
                    age: parent_age - rng.range(0, 3),
                    male: false,
                    adult_phone: true,
                    tags: vec![],
                    same_surname: false,
                });
                for _ in 0..rng.range(1, 2) {
                    members.push(Member {
                        age: rng.range(3, 14),
                        male: rng.chance(50),
                        adult_phone: false,
                        tags: vec![],
                        same_surname: true,
                    });
                }
                if rng.chance(30) {
                    members.push(Member {
                        age: rng.range(60, 82),
                        male: rng.chance(40),
                        adult_phone: rng.chance(60),
                        tags: vec![],
                        same_surname: true,
                    });
                }
            }
            // Elderly couples.
            46..=65 => {
                let age = rng.range(62, 88);
                members.push(Member {
                    age,
                    male: true,
                    adult_phone: rng.chance(70),
                    tags: vec![],
                    same_surname: true,
                });
                members.push(Member {
                    age: age - rng.range(0, 4),
                    male: false,
                    adult_phone: rng.chance(50),
                    tags: vec![],
                    same_surname: false,
                });
            }
            // Elderly people living alone: the first priority of 日间照料.
            66..=78 => {
                members.push(Member {
                    age: rng.range(68, 93),
                    male: rng.chance(35),
                    adult_phone: rng.chance(60),
                    tags: vec![LIVING_ALONE],
                    same_surname: true,
                });
            }
            // Working-age adults.
            _ => {
                members.push(Member {
                    age: rng.range(22, 58),
                    male: rng.chance(50),
                    adult_phone: true,
                    tags: vec![],
                    same_surname: true,
                });
                if rng.chance(60) {
                    members.push(Member {
                        age: rng.range(22, 58),
                        male: rng.chance(50),
                        adult_phone: true,
                        tags: vec![],
                        same_surname: false,
                    });
                }
            }
        }
        for m in members {
            let birth = birth_for_age(today, m.age, rng);
            let member_area = if m.same_surname {
                area
            } else if migrant {
                *rng.pick(MIGRANT_AREAS)
            } else {
                LOCAL_AREA
            };
            // Two people can draw the same birth date and sequence; draw again.
            let mut id = make_id_number(member_area, birth, m.male, rng);
            while !seen.insert(id.as_str().to_string()) {
                id = make_id_number(member_area, birth, m.male, rng);
            }
            let own_surname = if m.same_surname {
                surname
            } else {
                *rng.pick(SURNAMES)
            };
            let mut tags: BTreeSet<Tag> = m
                .tags
                .iter()
                .map(|t| Tag::parse(t).expect("known tag"))
                .collect();
            if low_income {
                tags.insert(Tag::parse(LOW_INCOME).expect("known tag"));
            }
            if migrant {
                tags.insert(Tag::parse(NON_HUKOU).expect("known tag"));
                if rng.chance(80) {
                    tags.insert(Tag::parse(RESIDENCE_PERMIT).expect("known tag"));
                }
            }
            if rng.chance(3) {
                tags.insert(Tag::parse(DISABLED).expect("known tag"));
            }
            rows.push(DemoPerson {
                household_code: code.clone(),
                address: address.clone(),
                name: name(rng, own_surname, m.male),
                id_number: id,
                phone: if m.adult_phone && m.age >= 18 {
                    Some(phone(rng))
                } else {
                    None
                },
                tags,
            });
        }
    }
    rows
}

/// The national 2026 schedule, plus a school term around today when the real
/// terms do not cover it, so the children's programmes run whatever the date.
pub fn demo_calendar(today: NaiveDate) -> Calendar {
    let mut calendar = china_2026();
    if !calendar
        .school_terms
        .iter()
        .any(|t| t.first_day <= today && today <= t.last_day)
    {
        // Fitted into the holiday it falls in: terms may not overlap, so a demo run
        // in the school holidays would otherwise be refused its own calendar.
        let after_previous = calendar
            .school_terms
            .iter()
            .filter(|t| t.last_day < today)
            .map(|t| t.last_day + Duration::days(1))
            .max();
        let before_next = calendar
            .school_terms
            .iter()
            .filter(|t| t.first_day > today)
            .map(|t| t.first_day - Duration::days(1))
            .min();
        let first_day = (today - Duration::days(60)).max(after_previous.unwrap_or(NaiveDate::MIN));
        let last_day = (today + Duration::days(120)).min(before_next.unwrap_or(NaiveDate::MAX));
        calendar.school_terms.push(SchoolTerm {
            name: Text::new("演示学期", "demo term"),
            first_day,
            last_day,
        });
    }
    calendar
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time")
}

const SCHOOL_WEEK: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// The centre's programmes, with terms running around today.
pub fn programmes(today: NaiveDate) -> Vec<Programme> {
    let first_day = today - Duration::days(60);
    let last_day = today + Duration::days(120);
    let term_start = NaiveDate::from_ymd_opt(today.year(), 9, 1)
        .filter(|d| *d <= today)
        .unwrap_or(first_day);
    let children_rules = |id: &str| EligibilityRules {
        id: id.to_string(),
        version: 1,
        min_age: Some(6),
        max_age: Some(12),
        age_reference: term_start,
        residency: Residency::CommunityHouseholdOrResidencePermit,
        required_tags: vec![],
        excluded_tags: vec![],
        guardian_required_under: Some(14),
    };
    let hardship_first = |id: &str| WaitlistPolicy {
        id: id.to_string(),
        version: 1,
        buckets: vec![
            PriorityBucket {
                name: Text::new("低保及残疾家庭", "low-income and disabled households"),
                any_of_tags: vec![LOW_INCOME.into(), DISABLED.into()],
            },
            PriorityBucket {
                name: Text::new("其他申请人", "other applicants"),
                any_of_tags: vec![],
            },
        ],
        credit_for_unplaced: true,
    };
    vec![
        Programme {
            code: "after-school".into(),
            name: Text::new(
                "四点半学校（课后托管）",
                "Four-thirty school (after-school care)",
            ),
            kind: ProgrammeKind::AfterSchool,
            schedule: Schedule {
                weekdays: SCHOOL_WEEK.to_vec(),
                start: time(16, 30),
                end: time(18, 0),
                first_day,
                last_day,
                school_days_only: true,
            },
            capacity: 40,
            fee: Fee {
                amount_fen: 0,
                per: FeePeriod::Term,
                waivers: vec![],
            },
            status: ProgrammeStatus::Open,
            offer_hours: 48,
            rules: children_rules("after-school-2026"),
            policy: hardship_first("after-school-2026"),
        },
        Programme {
            code: "lunch-care".into(),
            name: Text::new("学生午托", "Student lunch care"),
            kind: ProgrammeKind::LunchCare,
            schedule: Schedule {
                weekdays: SCHOOL_WEEK.to_vec(),
                start: time(11, 50),
                end: time(14, 0),
                first_day,
                last_day,
                school_days_only: true,
            },
            capacity: 24,
            fee: Fee {
                amount_fen: 45000,
                per: FeePeriod::Month,
                waivers: vec![
                    Waiver {
                        tag: LOW_INCOME.into(),
                        percent: 100,
                    },
                    Waiver {
                        tag: DISABLED.into(),
                        percent: 50,
                    },
                ],
            },
            status: ProgrammeStatus::Open,
            offer_hours: 48,
            rules: children_rules("lunch-care-2026"),
            policy: hardship_first("lunch-care-2026"),
        },
        Programme {
            code: "day-care".into(),
            name: Text::new("长者日间照料", "Elderly day care"),
            kind: ProgrammeKind::DayCare,
            schedule: Schedule {
                weekdays: SCHOOL_WEEK.to_vec(),
                start: time(8, 30),
                end: time(17, 0),
                first_day,
                last_day,
                school_days_only: false,
            },
            capacity: 20,
            fee: Fee {
                amount_fen: 30000,
                per: FeePeriod::Month,
                waivers: vec![
                    Waiver {
                        tag: LOW_INCOME.into(),
                        percent: 100,
                    },
                    Waiver {
                        tag: ELDERLY_80.into(),
                        percent: 50,
                    },
                ],
            },
            status: ProgrammeStatus::Open,
            offer_hours: 72,
            rules: EligibilityRules {
                id: "day-care-2026".into(),
                version: 1,
                min_age: Some(60),
                max_age: None,
                age_reference: today,
                residency: Residency::CommunityHouseholdOrResidencePermit,
                required_tags: vec![],
                excluded_tags: vec![],
                guardian_required_under: None,
            },
            policy: WaitlistPolicy {
                id: "day-care-2026".into(),
                version: 1,
                buckets: vec![
                    PriorityBucket {
                        name: Text::new("独居及高龄长者", "elderly living alone or aged 80+"),
                        any_of_tags: vec![LIVING_ALONE.into(), ELDERLY_80.into()],
                    },
                    PriorityBucket {
                        name: Text::new("低保及残疾长者", "low-income and disabled elderly"),
                        any_of_tags: vec![LOW_INCOME.into(), DISABLED.into()],
                    },
                    PriorityBucket {
                        name: Text::new("其他长者", "other elderly"),
                        any_of_tags: vec![],
                    },
                ],
                credit_for_unplaced: false,
            },
        },
        Programme {
            code: "calligraphy".into(),
            name: Text::new("长者书法班", "Calligraphy class for seniors"),
            kind: ProgrammeKind::Activity,
            schedule: Schedule {
                weekdays: vec![Weekday::Tue, Weekday::Thu],
                start: time(9, 30),
                end: time(11, 0),
                first_day,
                last_day,
                school_days_only: false,
            },
            capacity: 15,
            fee: Fee {
                amount_fen: 0,
                per: FeePeriod::Session,
                waivers: vec![],
            },
            status: ProgrammeStatus::Open,
            offer_hours: 24,
            rules: EligibilityRules {
                id: "calligraphy-2026".into(),
                version: 1,
                min_age: Some(55),
                max_age: None,
                age_reference: today,
                residency: Residency::Any,
                required_tags: vec![],
                excluded_tags: vec![],
                guardian_required_under: None,
            },
            policy: WaitlistPolicy {
                id: "first-come".into(),
                version: 1,
                buckets: vec![PriorityBucket {
                    name: Text::new("按申请时间", "by time of application"),
                    any_of_tags: vec![],
                }],
                credit_for_unplaced: false,
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    // Pinned from the kiosk's demo before the generators moved here: the kiosk's
    // screenshots, training notes and the district's seed all assume this centre, so a
    // change to the generator must be deliberate.
    #[test]
    fn the_demo_centre_is_the_same_everywhere() {
        let people = demo_people(date(2026, 11, 23));
        assert_eq!(people.len(), 793);
        let first = &people[0];
        assert_eq!(first.household_code, "HF-0001");
        assert_eq!(first.name, "卢峰");
        assert_eq!(first.id_number.as_str(), "360121195909087219");
        assert_eq!(first.address, "宝安区新安街道海富社区富华小区7栋2708");
        assert_eq!(people, demo_people(date(2026, 11, 23)));
        let last = people.last().unwrap();
        assert_eq!(last.household_code, format!("HF-{HOUSEHOLDS:04}"));
    }

    #[test]
    fn demo_people_have_distinct_valid_id_numbers() {
        let today = date(2026, 11, 23);
        let people = demo_people(today);
        let ids: BTreeSet<&str> = people.iter().map(|p| p.id_number.as_str()).collect();
        assert_eq!(ids.len(), people.len());
        for p in &people {
            assert!(IdNumber::parse(p.id_number.as_str(), today).is_ok());
            // Only adults are given a phone: children sign in through a guardian.
            if p.phone.is_some() {
                assert!(crate::household::age_on(p.id_number.birth_date(), today) >= 18);
            }
        }
    }

    #[test]
    fn demo_programmes_and_calendar_are_valid() {
        // In term time, in the summer and winter holidays (the demo term must fit
        // between the real ones), and in a year the built-in calendar has no terms for.
        for today in [
            date(2026, 11, 23),
            date(2026, 4, 15),
            date(2026, 7, 20),
            date(2026, 2, 10),
            date(2027, 2, 15),
            date(2031, 2, 1),
        ] {
            let calendar = demo_calendar(today);
            calendar.validate().unwrap();
            assert!(calendar.school_terms.iter().any(|t| t.contains(today)));
            for programme in programmes(today) {
                programme.validate().unwrap();
            }
        }
    }
}
