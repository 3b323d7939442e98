//! Receipts as bytes: decoded back exactly, golden snapshots at both widths, the
//! refusal of characters the printer cannot print, CJK wrapping, reprints.
//!
//! Snapshots are compared with `common::assert_golden` (see there how to update them).

use chrono::NaiveDate;
use linli_core::identity::{mask_name, mask_phone};
use linli_core::receipt::{BodyLine, Receipt, ReceiptKind};
use linli_core::Text;
use linli_hardware::receipt::{
    check, render, render_to_vec, slip_text, text_columns, Paper, RenderError,
};

use crate::common::assert_golden;

fn waitlist_slip() -> Receipt {
    Receipt {
        centre_name: "幸福里社区服务中心".into(),
        title: Text::new("轮候凭条", "Waiting-list slip"),
        kind: ReceiptKind::WaitlistSlip,
        body: vec![
            BodyLine::row("姓名/Name", mask_name("王小明")),
            BodyLine::row("电话/Phone", mask_phone("13812345678")),
            BodyLine::row("项目/Programme", "四点半学校（春季学期）"),
            BodyLine::row("轮候位置/Position", "3"),
            BodyLine::row("费用/Fee", "￥120.00（低保减免）"),
            BodyLine::Separator,
            BodyLine::paragraph(
                "您属于第一优先类（低保家庭），同类中按申请时间排序，排在您前面的有2人。\
                 Priority bucket 1, then by time of application.",
            ),
        ],
        issued_at: NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(16, 5, 9)
            .unwrap(),
        serial: "XFL-20260302-0042".into(),
        verification_code: "7KQ2-M9".into(),
        qr_payload: "https://linli.example/v/XFL-20260302-0042?c=7KQ2M9".into(),
        privacy_note: "个人信息已脱敏处理 Personal data masked".into(),
        reprint: false,
        demo: false,
    }
}

#[test]
fn a_demo_slip_says_so_under_the_title_and_above_the_footer() {
    let demo = Receipt {
        demo: true,
        ..waitlist_slip()
    };
    for paper in [Paper::Mm58, Paper::Mm80] {
        let text = slip_text(&render_to_vec(&demo, paper).unwrap()).unwrap();
        assert_eq!(text.matches("演示 DEMO").count(), 2, "{text}");
        let plain = slip_text(&render_to_vec(&waitlist_slip(), paper).unwrap()).unwrap();
        assert!(!plain.contains("演示"), "{plain}");
    }
}

#[test]
fn golden_waitlist_slip_58mm() {
    assert_golden(
        "waitlist_slip_58mm",
        &render_to_vec(&waitlist_slip(), Paper::Mm58).unwrap(),
    );
}

#[test]
fn golden_waitlist_slip_80mm() {
    assert_golden(
        "waitlist_slip_80mm",
        &render_to_vec(&waitlist_slip(), Paper::Mm80).unwrap(),
    );
}

#[test]
fn the_58mm_slip_decodes_to_exactly_this_text() {
    let bytes = render_to_vec(&waitlist_slip(), Paper::Mm58).unwrap();
    let expected = concat!(
        "       幸福里社区服务中心\n",
        "            轮候凭条\n",
        "       Waiting-list slip\n",
        "--------------------------------\n",
        "姓名/Name        王**\n",
        "电话/Phone       138****5678\n",
        "项目/Programme   四点半学校（春\n",
        "                 季学期）\n",
        "轮候位置/Position\n",
        "                 3\n",
        "费用/Fee         ￥120.00（低保\n",
        "                 减免）\n",
        "--------------------------------\n",
        "您属于第一优先类（低保家庭），同\n",
        "类中按申请时间排序，排在您前面的\n",
        "有2人。Priority bucket 1, then\n",
        "by time of application.\n",
        "--------------------------------\n",
        "时间/Time   2026-03-02 16:05\n",
        "编号/Serial XFL-20260302-0042\n",
        "校验码/Code 7KQ2-M9\n",
        "[QR] https://linli.example/v/XFL-20260302-0042?c=7KQ2M9\n",
        "个人信息已脱敏处理 Personal data\n",
        "masked\n",
        "\n\n\n\n",
    );
    assert_eq!(slip_text(&bytes).unwrap(), expected);
}

#[test]
fn the_job_starts_with_init_then_chinese_mode_and_ends_with_a_cut() {
    let bytes = render_to_vec(&waitlist_slip(), Paper::Mm80).unwrap();
    assert_eq!(&bytes[..4], &[0x1B, b'@', 0x1C, 0x26]);
    assert_eq!(&bytes[bytes.len() - 4..], &[0x1D, b'V', b'A', 1]);
    // The title is GBK, not UTF-8: 轮 is C2 D6 in GBK.
    let title = encoding_rs::GBK.encode("轮候凭条").0;
    assert!(bytes.windows(title.len()).any(|w| w == &title[..]));
    assert!(!bytes.windows(3).any(|w| w == "轮".as_bytes()));
}

#[test]
fn the_qr_code_is_native_gs_k_with_the_payload() {
    let receipt = waitlist_slip();
    let bytes = render_to_vec(&receipt, Paper::Mm58).unwrap();
    let payload = receipt.qr_payload.as_bytes();
    let store_len = payload.len() + 3;
    let mut store = vec![
        0x1D,
        b'(',
        b'k',
        store_len as u8,
        (store_len >> 8) as u8,
        49,
        80,
        48,
    ];
    store.extend_from_slice(payload);
    assert!(bytes.windows(store.len()).any(|w| w == &store[..]));
    let print = [0x1D, b'(', b'k', 3, 0, 49, 81, 48];
    assert!(bytes.windows(print.len()).any(|w| w == print));
}

#[test]
fn a_half_width_yen_sign_is_refused_with_the_full_width_one_suggested() {
    let mut receipt = waitlist_slip();
    receipt.body[4] = BodyLine::row("费用/Fee", "¥120.00");
    let error = check(&receipt).unwrap_err();
    assert_eq!(error.field, "body[4].value");
    assert_eq!(error.code, "unprintable_character");
    assert!(
        error.message.zh.contains("“￥” (U+FFE5)"),
        "{}",
        error.message.zh
    );
    assert!(error.message.en.contains("U+00A5"), "{}", error.message.en);
    let mut out = Vec::new();
    match render(&receipt, Paper::Mm58, &mut out) {
        Err(RenderError::Refused(refused)) => assert_eq!(refused, error),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(out.is_empty(), "nothing may reach the printer");
}

#[test]
fn characters_outside_gbk_and_control_characters_are_refused() {
    for (text, code_point) in [("€5", "U+20AC"), ("😀", "U+1F600"), ("a\u{1b}@", "U+001B")] {
        let mut receipt = waitlist_slip();
        receipt.centre_name = text.into();
        let error = check(&receipt).unwrap_err();
        assert_eq!(error.field, "centre_name");
        assert!(
            error.message.en.contains(code_point),
            "{}",
            error.message.en
        );
    }
}

#[test]
fn long_cjk_text_wraps_within_the_width_without_splitting_characters() {
    let long = "社区长者食堂午餐时段为十一点至十三点，请持本凭条到一楼窗口取餐，\
                过时不候。Lunch 11:00-13:00, ground floor, bring this slip. \
                超长编号ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ结束";
    let mut receipt = waitlist_slip();
    receipt.body.push(BodyLine::paragraph(long));
    receipt.body.push(BodyLine::row("备注/Note", long));
    for paper in [Paper::Mm58, Paper::Mm80] {
        let text = slip_text(&render_to_vec(&receipt, paper).unwrap()).unwrap();
        for line in text.lines().filter(|l| !l.starts_with("[QR] ")) {
            assert!(
                text_columns(line) <= paper.columns(),
                "{paper:?}: {line:?} is {} columns",
                text_columns(line)
            );
        }
        // Decoding succeeded, so no GBK pair was split; and every character is there,
        // in order, for both the paragraph and the row value.
        let printed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let wanted: String = long.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(printed.matches(&wanted).count(), 2, "{paper:?}:\n{text}");
    }
}

#[test]
fn the_paragraph_keeps_every_character_in_order() {
    let long = "社区长者食堂午餐时段为十一点至十三点，请持本凭条到一楼窗口取餐，过时不候。";
    let mut receipt = waitlist_slip();
    receipt.body = vec![BodyLine::paragraph(long)];
    let text = slip_text(&render_to_vec(&receipt, Paper::Mm58).unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("社区")).unwrap();
    assert_eq!(lines[start..start + 3].concat(), long);
    assert!(lines[start..start + 3]
        .iter()
        .all(|l| text_columns(l) <= 32));
}

#[test]
fn a_reprint_says_so_and_keeps_the_serial() {
    let original = waitlist_slip();
    let first = slip_text(&render_to_vec(&original, Paper::Mm58).unwrap()).unwrap();
    let again = slip_text(&render_to_vec(&original.as_reprint(), Paper::Mm58).unwrap()).unwrap();
    assert!(!first.contains("重印/REPRINT"));
    assert!(again.contains("       ** 重印/REPRINT **\n"), "{again}");
    for text in [&first, &again] {
        assert!(text.contains("编号/Serial XFL-20260302-0042\n"));
        assert!(text.contains("校验码/Code 7KQ2-M9\n"));
    }
    // Apart from the marker, the reprint is the same slip.
    assert_eq!(again.replace("       ** 重印/REPRINT **\n", ""), first);
}

#[test]
fn a_slip_missing_its_serial_is_refused() {
    let mut receipt = waitlist_slip();
    receipt.serial.clear();
    assert_eq!(check(&receipt).unwrap_err().field, "serial");
}
