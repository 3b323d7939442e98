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
    "查找居民": "Find a resident",
    "查找居民：姓名、拼音、手机号、身份证尾号或户编号": "Find a resident: name, pinyin, phone, end of ID number or household code",
    "姓名、拼音或首字母（如 zxm）、手机号或尾号、身份证后4–6位、户编号": "Name, pinyin or initials (e.g. zxm), phone or its last digits, last 4–6 of the ID number, household code",
    "查找结果说明": "About the results",
    "找到：{0}": "Found: {0}",
    "还有更多，请多输入几个字或数字": "More found: type a little more",
    "还在使用吗？{0}秒后退出工作人员登录": "Still there? Signing out in {0} seconds",
    "点名的项目": "Roll call for",
    "今天的人数": "Today's figures",
    "今天没有活动": "No session today",
    "{0}全部签到（{1}人）": "Check in all of {0} ({1})",
    "{0}全部签到": "Check in all of {0}",
    "{0}（{1}）": "{0} ({1})",
    "饮食：{0}": "Diet: {0}",
    "饮食禁忌：{0}": "Dietary needs: {0}",
    "签到": "Check in",
    "签到{0}": "Check in {0}",
    "签退": "Check out",
    "签退{0}": "Check out {0}",
    "选择接孩子的人": "Who is collecting",
    "谁来接{0}？请核对来人的身份": "Who is collecting {0}? Check who they are",
    "这个孩子还没有授权接送名单：请联系监护人，不要把孩子交给来人": "This child has no pickup list yet: call the guardian and do not hand the child over",
    "{0} 接走": "{0} collects",
    "由{0}接走": "Collected by {0}",
    "不得接走：{0}": "Must not collect: {0}",
    "禁止接走：{0}（此人不得接走孩子）": "Must not collect: {0} (this person may not take the child)",
    "自行离开（监护人已书面同意）": "Leaves alone (guardian's written consent)",
    "自行离开": "Leaves alone",
    "不签退，返回": "Do not check out; back",
    "不签退": "Do not check out",
    "过了结束时间仍未接走的孩子：{0}": "Children not collected after closing: {0}",
    "未接走的孩子": "Children not collected",
    "今天没有活动（节假日或非上课日）": "No sessions today (a holiday or no school)",
    "今天的活动": "Today's sessions",
    "应到 {0} · 已到 {1} · 请假 {2} · 已离开 {3}": "Expected {0} · arrived {1} · absent {2} · left {3}",
    "人数：{0}": "Figures: {0}",
    "晚接：{0}人仍未接走": "Late pickup: {0} still here",
    "点名": "Roll call",
    "点名：{0}": "Roll call: {0}",
    "等待答复的递补名额：{0}": "Offers waiting for an answer: {0}",
    "等待答复的递补名额": "Offers waiting for an answer",
    "{0} · {1} · 答复期限 {2}": "{0} · {1} · answer by {2}",
    "打印机：{0}": "Printer: {0}",
    "打印机": "Printer",
    "刷新": "Refresh",
    "刷新今天的情况": "Refresh today's figures",
    "{0}已报名的服务；现在没有别的可以报名": "What {0} is signed up for; nothing else is open now",
    "{0} · {1}": "{0} · {1}",
    "{0} 签到，已服务{1}": "Clocked in at {0}; {1} so far",
    "{0} 签到，已服务{1}。签退后记录这段时间，社工审核后计入服务时长。": "Clocked in at {0}; {1} so far. Clocking out records this time; it counts once a social worker approves it.",
    "{0}\\n费用：{1}\\n时间：{2}": "{0}\\nFee: {1}\\nWhen: {2}",
    "{0}　{1}　{2}\\n{3}": "{0}  {1}  {2}\\n{3}",
    "{0}现在没有可以报名的服务": "Nothing {0} can sign up for now",
    "下面还有，请向上滑动": "More below: swipe up",
    "不再轮候": "Leave the list",
    "不能报名的服务及原因": "Not available, and why",
    "不能报名的服务（{0}项）及原因": "Not available ({0}), and why",
    "不，返回": "No, go back",
    "为{0}报名「{1}」？": "Sign {0} up for {1}?",
    "为{0}接受「{1}」的名额？": "Accept the seat in {1} for {0}?",
    "全部清除": "Clear all",
    "凭条已打印，请取走": "Your slip has printed: please take it",
    "凭条正在打印…": "Your slip is printing…",
    "凭条没能打印，请找工作人员补打": "Your slip could not print: staff will print it for you",
    "列表可以滑动": "The list scrolls",
    "去签退": "Clock out",
    "取消{0}「{1}」的报名？": "Cancel {0}'s place in {1}?",
    "取消后名额会让给轮候的人，不能撤回。": "The seat goes to the waiting list; this cannot be undone.",
    "好的": "OK",
    "家庭成员的报名": "Our household's places",
    "工号 S{0}": "Staff number S{0}",
    "已读取居民卡": "Card read",
    "已通知工作人员": "Staff are coming",
    "志愿服务": "Volunteering",
    "您正在服务：{0}（{1} 签到）": "You are on shift: {0} (since {1})",
    "手机号 {0}": "Phone {0}",
    "接受后名额就是您的，凭条会打印出来。": "The seat is then yours, and a slip prints.",
    "收起不能报名的服务": "Hide what is not available",
    "放弃{0}「{1}」的名额？": "Decline {0}'s seat in {1}?",
    "放弃后名额会让给轮候的下一位，不能撤回。": "The seat goes to the next person waiting; this cannot be undone.",
    "暂不能签退的原因": "Why you cannot clock out yet",
    "正在服务：{0}": "On shift: {0}",
    "正在核对，请稍候…": "Checking, please wait…",
    "正在评价的服务": "The service you are rating",
    "正在进行的志愿服务": "Your shift now",
    "清空": "Clear",
    "确认": "Confirm",
    "确认取消": "Yes, cancel",
    "确认报名": "Yes, sign up",
    "确认排队": "Yes, join the list",
    "确认接受": "Yes, accept",
    "确认放弃": "Yes, decline",
    "确认签退": "Yes, clock out",
    "离开后不再排队；以后再报名，要按轮候规则重新排队。": "You leave the waiting list; signing up again means waiting again, in the order the rule sets.",
    "签退「{0}」？": "Clock out of {0}?",
    "结果": "Result",
    "让{0}离开「{1}」的轮候名单？": "Take {0} off the waiting list for {1}?",
    "请刷居民卡，或输入手机号": "Tap your resident card, or type your phone number",
    "请确认": "Please confirm",
    "费用：{0}\\n时间：{1}\\n{2}": "Fee: {0}\\nWhen: {1}\\n{2}",
    "返回上一步": "Back one step",
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


def screen_english():
    """The desk's screens keep their English beside this file, one tab-separated file a
    screen (tools/english/roster.tsv: Chinese, a tab, English), so screens made side by
    side do not edit one dictionary."""
    import glob
    import os

    found = {}
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "english")
    for path in sorted(glob.glob(os.path.join(here, "*.tsv"))):
        for number, line in enumerate(open(path, encoding="utf-8").read().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            zh, sep, en = line.partition("\t")
            if not sep:
                sys.exit(f"{path}:{number}: no tab between the Chinese and the English")
            found[zh] = en
    return found


ENGLISH.update(screen_english())


def po_string(text):
    # Both the .pot's msgids and the English above are already escaped as in C ("\\n" is
    # a line break): only a bare quote still needs its backslash.
    return '"' + re.sub(r'(?<!\\)"', '\\"', text) + '"'


def main(pot_path, out_path):
    pot = open(pot_path, encoding="utf-8").read()
    # A long msgid is wrapped over several quoted lines ("" first): join them, or the
    # entry would be dropped without a word.
    entries = [
        (comments, context, "".join(re.findall(r'"(.*)"', msgid)))
        for comments, context, msgid in re.findall(
            r'((?:#.*\n)*)msgctxt "(.*)"\nmsgid ((?:".*"\n)+)msgstr ""', pot
        )
    ]
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
