//! 登记新户 and 修改此户 at the desk (`HouseholdFormAdapter`): one family typed member by
//! member, then saved whole by `household_desk::add` or `edit`, which check it exactly
//! as the import does and save all or nothing. The members' full ID numbers and phones
//! stay here in Rust; the screen gets masked lines. A child under 14 new to the
//! household is registered with the consent of the guardian chosen on the form.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use linli_core::consent::{Purpose, Relationship, GUARDIAN_AGE, GUARDIAN_CONSENT_BELOW};
use linli_core::household::{age_on, describe_tag, tag_from_words};
use linli_core::identity::{mask_id_number, mask_phone, IdNumber};
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::session::{notify, notify_refusal, pick};
use super::ui::{
    AppWindow, DeskAdapter, DeskResidentAdapter, FormMemberRow, HouseholdFormAdapter, Screen,
    Session, Tone,
};
use crate::clock;
use crate::error::AppError;
use crate::usecase::household_desk::{
    self, ConsentFile, HouseholdFile, HouseholdForEdit, MemberFile,
};

/// One member on the form, in full.
#[derive(Clone)]
struct Entry {
    member: MemberFile,
    /// Registered already (an edit): corrected, never removed, the number not retyped.
    stored: bool,
    /// A registered child under 14 with no guardian's consent on record (an import):
    /// the form asks for it as for a new child.
    needs_consent: bool,
}

#[derive(Default)]
pub struct HouseholdFormState {
    /// The household corrected, or `None` for a new one.
    code: Option<String>,
    members: Vec<Entry>,
    /// The member being corrected.
    editing: Option<usize>,
    /// The adults offered as guardian, by their index in `members`.
    guardians: Vec<usize>,
    /// The guardian chosen, by ID number: removing someone above them in the list
    /// never moves the choice to someone else. None until staff choose.
    guardian: Option<String>,
}

pub type SharedHouseholdForm = Arc<Mutex<HouseholdFormState>>;

fn age(id: &str, today: NaiveDate) -> Option<u32> {
    IdNumber::parse(id, today)
        .ok()
        .map(|id| age_on(id.birth_date(), today))
}

fn relationship_index(raw: &str) -> i32 {
    Relationship::parse(raw)
        .ok()
        .and_then(|r| Relationship::ALL.iter().position(|x| *x == r))
        .map_or(-1, |i| i as i32)
}

/// "1. 黄嘉豪 · 户主 · 440306********0012 · 138****1234 · 7岁": the number and phone
/// masked (the name staff just typed is not), numbered as the use-case names members
/// in its problems.
fn line(window: &AppWindow, index: usize, entry: &Entry, today: NaiveDate) -> SharedString {
    let m = &entry.member;
    let mut parts = vec![format!("{}. {}", index + 1, m.name.trim())];
    parts.push(match Relationship::parse(&m.relationship) {
        Ok(r) => pick(window, &r.describe()).to_string(),
        Err(_) => pick(window, &Text::new("关系未填", "relationship missing")).to_string(),
    });
    parts.push(mask_id_number(&m.id_number));
    if let Some(phone) = m.phone.as_deref().filter(|p| !p.is_empty()) {
        parts.push(mask_phone(phone));
    }
    if let Some(age) = age(&m.id_number, today) {
        parts.push(pick(window, &Text::new(format!("{age}岁"), format!("age {age}"))).to_string());
    }
    parts.join(" · ").into()
}

/// Children under 14 with no guardian's consent yet (new, or imported without one).
fn new_children(s: &HouseholdFormState, today: NaiveDate) -> Vec<usize> {
    (0..s.members.len())
        .filter(|&i| {
            let e = &s.members[i];
            (!e.stored || e.needs_consent)
                && age(&e.member.id_number, today).is_some_and(|a| a < GUARDIAN_CONSENT_BELOW)
        })
        .collect()
}

fn show(window: &AppWindow, s: &mut HouseholdFormState) {
    let today = clock::now().date();
    let adapter = window.global::<HouseholdFormAdapter>();
    adapter.set_code(s.code.clone().unwrap_or_default().into());
    let rows: Vec<FormMemberRow> = s
        .members
        .iter()
        .enumerate()
        .map(|(i, e)| FormMemberRow {
            text: line(window, i, e, today),
            stored: e.stored,
        })
        .collect();
    adapter.set_members(ModelRc::new(VecModel::from(rows)));
    adapter.set_editing(s.editing.map_or(-1, |i| i as i32));
    let children: Vec<SharedString> = new_children(s, today)
        .into_iter()
        .map(|i| {
            let m = &s.members[i].member;
            let age = age(&m.id_number, today).unwrap_or_default();
            pick(
                window,
                &Text::new(
                    format!("{}（{age}岁）", m.name.trim()),
                    format!("{} (age {age})", m.name.trim()),
                ),
            )
        })
        .collect();
    adapter.set_children(ModelRc::new(VecModel::from(children)));
    s.guardians = (0..s.members.len())
        .filter(|&i| age(&s.members[i].member.id_number, today).is_some_and(|a| a >= GUARDIAN_AGE))
        .collect();
    let guardians: Vec<SharedString> = s
        .guardians
        .iter()
        .map(|&i| s.members[i].member.name.trim().into())
        .collect();
    let chosen = s
        .guardians
        .iter()
        .position(|&i| Some(s.members[i].member.id_number.as_str()) == s.guardian.as_deref());
    adapter.set_guardian(chosen.map_or(-1, |i| i as i32));
    adapter.set_guardians(ModelRc::new(VecModel::from(guardians)));
}

/// The member fields empty, for one more.
fn clear_member(adapter: &HouseholdFormAdapter) {
    for clear in [
        HouseholdFormAdapter::set_name,
        HouseholdFormAdapter::set_id_number,
        HouseholdFormAdapter::set_id_masked,
        HouseholdFormAdapter::set_phone,
        HouseholdFormAdapter::set_phone_on_record,
        HouseholdFormAdapter::set_tags,
    ] {
        clear(adapter, "".into());
    }
    adapter.set_relationship(-1);
}

/// Tags as typed, in words or keys: 低保、独居老人 → low_income, living_alone.
fn split_tags(raw: &str) -> Vec<String> {
    raw.split(['、', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(tag_from_words)
        .collect()
}

/// Tags in the staff member's words, to correct them.
fn tag_words(window: &AppWindow, tags: &[String]) -> String {
    tags.iter()
        .map(|t| pick(window, &describe_tag(t)).to_string())
        .collect::<Vec<_>>()
        .join("、")
}

/// A number as typed, normalised as the use-case will read it (full-width digits from
/// an IME, a lower-case x), so a consent names the member it was typed for.
fn typed_id(raw: &str) -> String {
    match IdNumber::parse(raw, NaiveDate::MAX) {
        Ok(id) => id.as_str().to_string(),
        Err(_) => raw.trim().to_ascii_uppercase(),
    }
}

/// Opens the form: empty for a new household, or `file` as stored.
fn open(window: &AppWindow, state: &SharedHouseholdForm, file: Option<HouseholdForEdit>) {
    let adapter = window.global::<HouseholdFormAdapter>();
    let mut s = state.lock().expect("household form lock");
    *s = HouseholdFormState::default();
    adapter.set_address(
        file.as_ref()
            .map(|f| f.file.address.clone())
            .unwrap_or_default()
            .into(),
    );
    if let Some(HouseholdForEdit {
        file,
        needs_consent,
    }) = file
    {
        s.code = file.household_code;
        s.members = file
            .members
            .into_iter()
            .map(|member| Entry {
                needs_consent: needs_consent.contains(&member.id_number),
                member,
                stored: true,
            })
            .collect();
    }
    clear_member(&adapter);
    adapter.set_consent_contact(false);
    adapter.set_consent_photos(false);
    adapter.set_problems(ModelRc::default());
    adapter.set_move_reason("".into());
    show(window, &mut s);
    drop(s);
    window
        .global::<Session>()
        .invoke_open(Screen::HouseholdForm);
}

/// The household as the use-case takes it: every member, the consents for the new
/// children under 14 from the chosen guardian.
fn file(window: &AppWindow, s: &HouseholdFormState) -> HouseholdFile {
    let adapter = window.global::<HouseholdFormAdapter>();
    let today = clock::now().date();
    let guardian = s.guardian.clone().filter(|g| {
        s.guardians
            .iter()
            .any(|&i| s.members[i].member.id_number == *g)
    });
    let mut purposes = vec![Purpose::Services.key().to_string()];
    if adapter.get_consent_contact() {
        purposes.push(Purpose::ActivityContact.key().to_string());
    }
    if adapter.get_consent_photos() {
        purposes.push(Purpose::Photos.key().to_string());
    }
    HouseholdFile {
        household_code: s.code.clone(),
        address: adapter.get_address().to_string(),
        members: s.members.iter().map(|e| e.member.clone()).collect(),
        consents: new_children(s, today)
            .into_iter()
            .map(|i| ConsentFile {
                resident: s.members[i].member.id_number.clone(),
                guardian: guardian.clone(),
                purposes: purposes.clone(),
                notice_version: None,
            })
            .collect(),
    }
}

fn set_problems(window: &AppWindow, error: Option<&AppError>) {
    let lines: Vec<SharedString> = match error {
        Some(AppError::Refused(refused)) => {
            refused.reasons.iter().map(|r| pick(window, r)).collect()
        }
        _ => Vec::new(),
    };
    window
        .global::<HouseholdFormAdapter>()
        .set_problems(ModelRc::new(VecModel::from(lines)));
}

/// What the form cannot do yet, said over it; nothing changes.
fn refuse(window: &AppWindow, zh: &str, en: &str) {
    notify(
        window,
        Tone::Refusal,
        &Text::new("", ""),
        pick(window, &Text::new(zh, en)),
    );
}

fn busy(window: &AppWindow, busy: bool) {
    window.global::<HouseholdFormAdapter>().set_busy(busy);
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedHouseholdForm {
    let state: SharedHouseholdForm = Arc::default();

    let (d, st) = (desk.clone(), state.clone());
    window
        .global::<DeskAdapter>()
        .on_open_new_household(move || {
            let Some(window) = d.window() else { return };
            open(&window, &st, None);
        });

    // 修改此户 from the resident's page: the household as stored (the look audited).
    let (d, st) = (desk.clone(), state.clone());
    window
        .global::<DeskResidentAdapter>()
        .on_edit_household(move || {
            let Some(found) = d.resident() else { return };
            let st = st.clone();
            let code = found.household_code.clone();
            d.run(
                move |store, actor| household_desk::for_edit(store, actor, clock::now(), &code),
                move |window, file| open(window, &st, Some(file)),
            );
        });

    let adapter = window.global::<HouseholdFormAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_put_member(move || {
        let Some(window) = weak.upgrade() else { return };
        let adapter = window.global::<HouseholdFormAdapter>();
        let mut s = st.lock().expect("household form lock");
        let relationship = usize::try_from(adapter.get_relationship())
            .ok()
            .and_then(|i| Relationship::ALL.get(i))
            .map(|r| r.key().to_string())
            .unwrap_or_default();
        let typed_phone = adapter.get_phone().trim().to_string();
        let tags = split_tags(&adapter.get_tags());
        let name = adapter.get_name().trim().to_string();
        match s.editing.take() {
            Some(i) => {
                let e = &mut s.members[i];
                e.member.name = name;
                if !e.stored {
                    e.member.id_number = typed_id(&adapter.get_id_number());
                }
                // Empty keeps the phone on record: staff never see it in full here.
                if !typed_phone.is_empty() || !e.stored {
                    e.member.phone = Some(typed_phone).filter(|p| !p.is_empty());
                }
                e.member.tags = tags;
                e.member.relationship = relationship;
            }
            None => {
                if name.is_empty() && adapter.get_id_number().trim().is_empty() {
                    drop(s);
                    return refuse(
                        &window,
                        "请先填写这位成员的姓名和身份证号",
                        "type the member's name and ID number first",
                    );
                }
                s.members.push(Entry {
                    member: MemberFile {
                        name,
                        id_number: typed_id(&adapter.get_id_number()),
                        phone: Some(typed_phone).filter(|p| !p.is_empty()),
                        tags,
                        relationship,
                    },
                    stored: false,
                    needs_consent: false,
                });
            }
        }
        clear_member(&adapter);
        show(&window, &mut s);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_edit_member(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let adapter = window.global::<HouseholdFormAdapter>();
        let mut s = st.lock().expect("household form lock");
        let Some(e) = usize::try_from(index)
            .ok()
            .and_then(|i| s.members.get(i))
            .cloned()
        else {
            return;
        };
        clear_member(&adapter);
        adapter.set_name(e.member.name.as_str().into());
        adapter.set_tags(tag_words(&window, &e.member.tags).into());
        adapter.set_relationship(relationship_index(&e.member.relationship));
        if e.stored {
            adapter.set_id_masked(mask_id_number(&e.member.id_number).into());
            let on_record = e
                .member
                .phone
                .as_deref()
                .map(mask_phone)
                .unwrap_or_default();
            adapter.set_phone_on_record(on_record.into());
        } else {
            // Typed at this desk a moment ago: the clerk corrects what they typed.
            adapter.set_id_number(e.member.id_number.as_str().into());
            adapter.set_phone(e.member.phone.clone().unwrap_or_default().into());
        }
        s.editing = Some(index as usize);
        show(&window, &mut s);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_remove_member(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("household form lock");
        let Some(i) = usize::try_from(index).ok().filter(|&i| i < s.members.len()) else {
            return;
        };
        if s.members[i].stored {
            return;
        }
        s.members.remove(i);
        s.editing = None;
        clear_member(&window.global::<HouseholdFormAdapter>());
        show(&window, &mut s);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_choose_guardian(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("household form lock");
        let Some(&member) = usize::try_from(index).ok().and_then(|i| s.guardians.get(i)) else {
            return;
        };
        s.guardian = Some(s.members[member].member.id_number.clone());
        show(&window, &mut s);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_new_member(move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("household form lock");
        s.editing = None;
        clear_member(&window.global::<HouseholdFormAdapter>());
        show(&window, &mut s);
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_save(move || {
        let Some(window) = d.window() else { return };
        let adapter = window.global::<HouseholdFormAdapter>();
        let unfinished = st.lock().expect("household form lock").editing.is_some()
            || !adapter.get_name().trim().is_empty()
            || !adapter.get_id_number().trim().is_empty();
        if unfinished {
            // Saving now would leave out what was just typed, without a word.
            return refuse(
                &window,
                "未保存：正在填写的成员还没有加入此户。请先按「加入此户」（或「保存这位成员」），或清空这几格",
                "Nothing saved: the member being typed is not in the household yet. Press 'Add to household' (or 'Save this member') first, or clear those fields",
            );
        }
        let (file, code) = {
            let s = st.lock().expect("household form lock");
            (file(&window, &s), s.code.clone())
        };
        let (d2, st) = (d.clone(), st.clone());
        busy(&window, true);
        d.run_then(
            move |store, actor| {
                let printing = crate::print::Printing::Queue;
                match &code {
                    None => household_desk::add(store, actor, clock::now(), &file, printing),
                    Some(code) => {
                        household_desk::edit(store, actor, clock::now(), code, &file, printing)
                    }
                }
            },
            move |window, result| {
                busy(window, false);
                set_problems(window, result.as_ref().err());
                match result {
                    Ok(saved) => {
                        if !saved.slips.is_empty() {
                            d2.slip_issued();
                        }
                        // The household as stored now: its code, nothing left to add.
                        let mut s = st.lock().expect("household form lock");
                        s.code = Some(saved.household_code.clone());
                        for e in &mut s.members {
                            e.stored = true;
                            e.needs_consent = false;
                        }
                        let adapter = window.global::<HouseholdFormAdapter>();
                        adapter.set_consent_contact(false);
                        adapter.set_consent_photos(false);
                        s.editing = None;
                        clear_member(&window.global::<HouseholdFormAdapter>());
                        show(window, &mut s);
                        drop(s);
                        let slips = saved.slips.len();
                        notify(
                            window,
                            Tone::Success,
                            &Text::new(
                                format!("已保存：户 {}", saved.household_code),
                                format!("Saved: household {}", saved.household_code),
                            ),
                            pick(
                                window,
                                &Text::new(
                                    format!(
                                        "新登记{}人，修改{}人；同意书{}份，打印同意回执{}张",
                                        saved.members_added,
                                        saved.members_changed,
                                        saved.consents_recorded,
                                        slips
                                    ),
                                    format!(
                                        "{} registered, {} corrected; {} consents, {} consent slips printed",
                                        saved.members_added,
                                        saved.members_changed,
                                        saved.consents_recorded,
                                        slips
                                    ),
                                ),
                            ),
                        );
                    }
                    Err(error) => notify_refusal(window, &error),
                }
            },
        );
    });

    let (d, st) = (desk, state.clone());
    adapter.on_move_away(move || {
        let Some(window) = d.window() else { return };
        let Some(code) = st.lock().expect("household form lock").code.clone() else {
            return;
        };
        let reason = window
            .global::<HouseholdFormAdapter>()
            .get_move_reason()
            .to_string();
        d.run_busy(
            busy,
            move |store, actor| {
                household_desk::move_away(store, actor, clock::now(), &code, &reason)
            },
            |window, moved| {
                window.global::<Session>().invoke_go(Screen::StaffHome);
                notify(
                    window,
                    Tone::Success,
                    &Text::new(
                        format!("户 {} 已迁出", moved.household_code),
                        format!("Household {} moved away", moved.household_code),
                    ),
                    pick(
                        window,
                        &Text::new(
                            format!("{}位成员不再报名新的服务；记录保留", moved.members),
                            format!(
                                "{} members take no new sign-ups; their records are kept",
                                moved.members
                            ),
                        ),
                    ),
                );
            },
        );
    });
    state
}

/// Forgets the household typed, with the staff member.
pub fn clear(window: &AppWindow, state: &SharedHouseholdForm) {
    *state.lock().expect("household form lock") = HouseholdFormState::default();
    let adapter = window.global::<HouseholdFormAdapter>();
    clear_member(&adapter);
    adapter.set_address("".into());
    adapter.set_code("".into());
    adapter.set_move_reason("".into());
    adapter.set_members(ModelRc::default());
    adapter.set_children(ModelRc::default());
    adapter.set_guardians(ModelRc::default());
    adapter.set_problems(ModelRc::default());
    adapter.set_busy(false);
}
