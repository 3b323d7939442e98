#!/usr/bin/env python3
"""Writes lang/en/LC_MESSAGES/linli.po from the strings in ui/ (extracted by
slint-tr-extractor into a .pot) and the English below.

Chinese is the source language, so every @tr string is Chinese and English is the one
translation. Run tools/update-translations.sh after changing a string in ui/; it
refuses to write a catalogue with a string left untranslated.
"""
import re
import sys

ENGLISH = {
    "{0}  {1}": "{0}  {1}",
    "{0}年{1}月{2}日 {3}": "{3}, {2}/{1}/{0}",
    "中心名称": "Centre name",
    "中文": "中文",
    "今天没有安排服务": "No sessions today",
    "今天的日期": "Today's date",
    "今天的服务": "Today's sessions",
    "倒计时": "Countdown",
    "切换到中文": "Switch to Chinese",
    "即将返回首页": "Returning to the start screen",
    "呼叫工作人员": "Call staff",
    "大字": "Large text",
    "大字模式": "Large text mode",
    "已载入演示中心数据": "Demo centre data loaded",
    "本机尚未设置服务中心，暂不能使用。请技术人员将本机登记到区级后台。": "This kiosk has no centre yet and cannot be used. A technician must enrol it with the district.",
    "演示数据": "Demo data",
    "请刷居民卡": "Tap your resident card",
    "节假日安排提醒": "Holiday schedule warning",
    "设置您自己的密码": "Choose your own PIN",
    "标题": "Title",
    "您用的是一次性密码：请输入您自己的6位新密码（不要用连续或重复的数字）": "You signed in with a one-time PIN: type a 6-digit PIN of your own (no runs or repeated digits)",
    "请再输入一次新密码": "Type the new PIN again",
    "演示 DEMO · 本机为演示数据，不是真实记录": "DEMO · practice data, not real records",
    "已通知工作人员，请稍候": "Staff are on their way, please wait",
    "无法打开本机数据，请联系工作人员：{0}": "This kiosk cannot open its data; please ask staff: {0}",
    "星期一": "Monday",
    "星期二": "Tuesday",
    "星期三": "Wednesday",
    "星期四": "Thursday",
    "星期五": "Friday",
    "星期六": "Saturday",
    "星期日": "Sunday",
    "正在载入…": "Loading…",
    "点此开始": "Touch to start",
    "状态": "Status",
    "继续使用": "Keep using",
    "请刷居民卡或扫描二维码": "Tap your resident card or scan your QR code",
    "读卡器在屏幕下方。没有卡？请呼叫工作人员。": "The reader is below the screen. No card? Call staff.",
    "返回": "Back",
    "返回首页": "Back to the start screen",
    "还在使用吗？{0}秒后返回首页": "Still there? Back to the start screen in {0} s",
    "邻里 · 社区服务中心": "Linli · Community Service Centre",
    "{0}　{1}　{2}": "{0}  {1}  {2}",
    "{0}可以报名的服务": "What {0} can sign up for",
    "下一步": "Next",
    "不能报名的原因：{0}": "Why not: {0}",
    "为哪位家庭成员办理？": "Who is this for?",
    "凭条": "Slip",
    "删除": "Delete",
    "删除一位": "Delete one digit",
    "名额情况：{0}": "Seats: {0}",
    "完成": "Done",
    "完成并退出": "Done, sign out",
    "已输入{0}位": "{0} digits entered",
    "已输入的密码位数": "PIN digits entered",
    "已输入的手机号": "Phone number entered",
    "或输入手机号": "Or type your phone number",
    "报名": "Sign up",
    "报名{0}": "Sign up for {0}",
    "报名结果": "Sign-up result",
    "换一位家庭成员": "Another member",
    "提示": "Notice",
    "登录": "Sign in",
    "确定": "OK",
    "继续报名": "Sign up for more",
    "请输入6位密码": "Type your 6-digit PIN",
    "轮候说明": "Waiting-list explanation",
    "退出": "Sign out",
    "退出登录": "Sign out",
    "{0}的报名": "{0}'s places",
    "不取消": "Keep it",
    "取消{0}": "Cancel {0}",
    "取消报名": "Cancel",
    "我的报名": "My places",
    "接受{0}的名额": "Accept the seat in {0}",
    "接受名额": "Accept the seat",
    "放弃{0}的名额": "Decline the seat in {0}",
    "放弃名额": "Decline the seat",
    "状态：{0}": "Status: {0}",
    "确定取消": "Yes, cancel",
    "确定取消{0}": "Yes, cancel {0}",
    "确定要取消“{0}”吗？取消后名额会让给轮候的人。": "Cancel \"{0}\"? The seat goes to the next person waiting.",
    "返回服务列表": "Back to the programmes",
    "还没有报名": "No places yet",
    "工作人员": "Staff",
    "工作人员入口": "Staff entry",
    "工作人员登录": "Staff sign-in",
    "工作人员：{0}": "Staff: {0}",
    "已登录的工作人员": "Signed-in staff member",
    "已输入的工号": "Staff number entered",
    "待处理的呼叫": "Open calls",
    "待处理的呼叫：{0}": "Calls waiting: {0}",
    "等待打印的凭条": "Slips waiting",
    "未登记到区级后台：记录只保存在本机": "Not enrolled with the district: records are kept on this kiosk only",
    "尚未与区级后台同步；待上传的记录：{0}": "Not yet synced with the district; records to upload: {0}",
    "上次同步：{0}；待上传的记录：{1}": "Last synced: {0}; records to upload: {1}",
    "与区级后台的同步": "Sync with the district",
    "区级后台退回的记录：{0}（请技术人员运行 linli doctor 查看原因）": "Records the district refused: {0} (a technician can see why with linli doctor)",
    "区级后台退回的记录": "Records the district refused",
    "等待打印的凭条：{0}": "Slips waiting to print: {0}",
    "请输入工号数字（如 S001 输入 001）": "Type the digits of your staff number (S001: 001)",
    "退出工作人员模式": "Leave staff mode",
    "志愿服务打卡": "Volunteer clock-in",
    "志愿服务状态": "Volunteering status",
    "志愿服务签到：选择今天的服务": "Volunteering: choose today's activity",
    "正在服务：{0}（{1} 签到）": "Volunteering: {0} (since {1})",
    "签到：{0}": "Clock in: {0}",
    "签退": "Clock out",
    "返回家庭成员": "Back to the household",
    "一般": "OK",
    "不满意": "Dissatisfied",
    "原因：{0}": "Reason: {0}",
    "哪里需要改进？（可多选，也可不选）": "What should improve? (choose any, or none)",
    "您对这次服务满意吗？": "Were you satisfied with this service?",
    "提交评价": "Send rating",
    "最近没有可以评价的服务": "Nothing recent to rate",
    "满意": "Satisfied",
    "评价哪一次服务？": "Which service would you like to rate?",
    "评价服务": "Rate a service",
    "评价：{0}": "Rate: {0}",
    "非常不满意": "Very dissatisfied",
    "非常满意": "Very satisfied",
}


def po_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(pot_path, out_path):
    pot = open(pot_path, encoding="utf-8").read()
    entries = re.findall(r'((?:#.*\n)*)msgctxt "(.*)"\nmsgid "(.*)"\nmsgstr ""', pot)
    missing = sorted({msgid for _, _, msgid in entries if msgid not in ENGLISH})
    if missing:
        sys.exit("no English for: " + ", ".join(missing) + " (add them to tools/translate.py)")
    out = [
        '# English for the kiosk. Generated by tools/translate.py; edit the English there.',
        'msgid ""',
        'msgstr ""',
        '"Language: en\\n"',
        '"MIME-Version: 1.0\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
        "",
    ]
    for comments, context, msgid in entries:
        out.append(comments.rstrip("\n"))
        out.append(f"msgctxt {po_string(context)}")
        out.append(f"msgid {po_string(msgid)}")
        out.append(f"msgstr {po_string(ENGLISH[msgid])}")
        out.append("")
    open(out_path, "w", encoding="utf-8").write("\n".join(line for line in out if line is not None) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
