//! The demo centre's people: about 300 households and 800 residents of a Shenzhen
//! community, generated deterministically so every run of `linli demo` on the same
//! day produces the same centre, with ages relative to that day.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate};
use linli_core::household::{Tag, DISABLED, LIVING_ALONE, LOW_INCOME, NON_HUKOU, RESIDENCE_PERMIT};
use linli_core::identity::{check_character, IdNumber, Phone};

use super::households::ResidentRow;

/// SplitMix64: a few lines, and its output never changes between library versions,
/// which a seeded generator from a crate does not promise. The demo must be the same
/// centre on every machine so screenshots and training notes stay true.
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

/// Generates `households` households with their members as import rows.
pub fn households(today: NaiveDate, households: usize, rng: &mut DemoRandom) -> Vec<ResidentRow> {
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
            rows.push(ResidentRow {
                line: rows.len() + 2,
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
