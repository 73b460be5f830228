"""Words government apps use (../shared/domain.md §2), grouped the way the checks ask."""

from __future__ import annotations

import re

MANDATORY_FEATURES: dict[str, tuple[str, ...]] = {
    "打卡签到": ("打卡", "签到", "每日签到", "考勤", "check-in", "checkin"),
    "积分排名": ("积分", "排名", "排行榜", "榜单", "排行"),
    "统计在线时长": ("在线时长", "学习时长", "在线时间", "学习时间"),
}
"""Art. 14(2): the three mandatory features, each with the words its controls use."""

MANDATORY_ENDPOINT = re.compile(
    r"check-?in|sign-?in/daily|daily-?sign|qiandao|daka|attendance|clock-?in|"
    r"points?/?rank|ranking|leaderboard|jifen|paihang|"
    r"online|heartbeat|study|duration|keepalive|zaixian",
    re.I,
)
"""Endpoint paths that implement those features."""

ONLINE_TIME_BODY = re.compile(r"online|study|duration|seconds|minutes|时长", re.I)
"""Body keys of a heartbeat that counts time."""

TRAPS: tuple[str, ...] = ("积分落户", "积分兑换", "会议签到", "应急值守", "排名全省", "排名全国")
"""Texts with a mandatory-feature word that are not the feature (a service, a headline)."""

COMPLAINT_ENTRY = (
    "投诉建议", "意见反馈", "我要投诉", "我要建议", "我要留言", "我要咨询", "在线咨询", "投诉", "建议", "意见", "留言",
    "诉求", "反馈", "12345", "帮助与反馈", "政民互动", "互动交流", "市长信箱", "书记信箱", "领导信箱", "局长信箱",
    "举报", "检举", "来信", "信访", "舉報", "檢舉", "來信",
    "投訴", "建議", "意見", "訴求", "反饋", "回饋",
    "feedback", "complaint", "suggestion",
)
"""Art. 18: what a complaint entry (and its form) is called: 投诉建议, 留言, 诉求, 反馈, 市长信箱…"""
COMPLAINT_TRACKING = (
    "我的反馈", "我的诉求", "我的留言", "我的投诉", "我的建议", "我的咨询", "诉求查询", "投诉查询", "留言查询",
    "反馈查询", "进度查询", "办理进度", "处理进度", "办理状态", "处理状态", "处理情况", "办理情况", "受理编号",
    "受理号", "查询码", "查询密码", "工单号",
    "我的回饋", "我的反饋", "我的訴求", "我的投訴", "辦理進度", "處理進度", "處理情況", "受理編號", "查詢碼",
    "my feedback", "my complaints", "my requests", "track", "progress", "reference no",
)
"""Art. 18: places where a complaint is followed up (lists, queries, progress)."""
TRACKING_PHRASE = re.compile(
    r"(?:投诉|留言|诉求|反馈|建议|意见|信件|来信|咨询|工单|12345|投訴|訴求|反饋|意見)[^，。,.;；]{0,4}"
    r"(?:查询|查詢|进度|進度|记录|記錄|结果|結果|状态|狀態|回复|回覆|答复|列表|办理|辦理)"
    r"|(?:查询|查看|我的|历史|歷史)[^，。,.;；]{0,3}(?:投诉|留言|诉求|反馈|建议|意见|信件|来信|咨询|工单|投訴|訴求|反饋)"
    r"|(?:feedback|complaint|request|case)s?\s+(?:status|history|records?|list|lookup|tracking)", re.I)
"""Art. 18: a follow-up place named by what it follows up and how (意见办理查询, 留言记录, 查看我的信件, complaint
status), for names not in COMPLAINT_TRACKING."""
ACCEPTANCE_NUMBER = re.compile(
    r"(?:受理编[号码]|受理单?号|受理編號|(?<!案)编号|(?<!案)編號|查[询詢][码碼号]|查询密码|工单编?号|回执号|流水号|"
    r"reference(?:\s*(?:no\.?|number))?|ticket(?:\s*no\.?)?|case\s*(?:no\.?|number))"
    r"\s*[:：#]?\s*([A-Za-z0-9-]{6,})", re.I)
"""Art. 18: the number a complaint is given when accepted, by what labels it (group 1: the number); a filing
number (备案编号) in the footer is not one."""
COMPLAINT_PENDING = (
    "待处理", "处理中", "办理中", "待回复", "待答复", "待受理", "受理中", "审核中", "待审核", "已受理", "已提交",
    "正在处理", "處理中", "辦理中", "待回覆", "pending", "processing", "in progress", "submitted", "received",
)
"""A followed-up complaint not answered yet."""
COMPLAINT_REPLIED = (
    "已回复", "已答复", "回复内容", "答复内容", "回复：", "答复：", "处理结果", "办理结果", "处理意见", "已办结",
    "已处理", "已完成", "已回覆", "回覆：", "答覆", "處理結果", "辦理結果", "replied", "resolved", "answered", "reply:",
)
"""A followed-up complaint answered: where a rating is asked for."""
COMPLAINT_ACCEPTED = (
    "提交成功", "受理成功", "已受理", "受理编号", "感谢您的", "已收到", "留言成功", "反馈成功", "提交完成", "查询码",
    "受理編號", "感謝您", "submitted successfully", "thank you for your", "reference no",
)
"""What a screen says when a complaint was accepted (evidence beside the submission's answer)."""
COMPLAINT_CONFIRMED = ("提交成功", "留言成功", "反馈成功", "受理成功", "提交完成", "submitted successfully")
"""The confirmation a form shows once (a page, a toast, a dialog): a screen still showing it is not a tracking page.
Thanks are left out on purpose: replies say 感谢您的反馈."""
COMPLAINT_SUBMIT = ("提交", "确认提交", "提交诉求", "提交留言", "发送", "我要提交", "确定", "送出", "確認提交", "發送",
                    "確定", "submit", "send")
"""The button that files a complaint form (a label that is, or begins with, one of these)."""
COMPLAINT_RATING = (
    "满意度评价", "好差评", "评价办理结果", "回访评价", "服务评价", "满意度调查", "评价本次", "去评价", "我要评价",
    "立即评价", "滿意度評價", "好差評", "rate this service", "rate your experience",
)
"""Rating controls by name. Bare 评价 is left out on purpose: headlines say 营商环境评价."""
RATING_WORDS = ("评价", "满意度", "评分", "打分", "星级", "★", "☆", "評價", "滿意度", "rating", "rate it",
                "satisfaction")
"""Generic rating words: counted only on a screen that follows a complaint up."""
RATING_LEVELS = ("非常满意", "基本满意", "不满意", "滿意")
"""The 好差评 levels (GB/T 39735): a rating control only on a screen about complaints."""

SPONSOR_LABELS = (
    "主办（使用）单位", "主办(使用)单位", "主办单位", "主管单位", "运营单位", "承办单位", "使用单位", "主办", "主管",
    "主辦（使用）單位", "主辦單位", "主管單位", "營運單位", "運營單位", "承辦單位", "主辦",
    "Sponsor", "Sponsored by", "Sponsoring unit", "Organizer", "Organiser", "Hosted by", "Operated by", "Operator",
)
"""Art. 5: labels a screen puts before the sponsor (主办/使用) unit's name."""
FILING_LABELS = (
    "备案编号", "备案号", "备案证号", "ICP备案号", "ICP备案", "ICP证", "备案",
    "備案編號", "備案號", "備案",
    "ICP Filing No", "Filing No", "Filing Number", "ICP Filing", "ICP License", "ICP No", "Record No",
)
"""Art. 5: labels a screen puts before a filing number (备案编号, an ICP number, a provincial app number…)."""
DISMISS = ("同意", "我已阅读", "已阅读", "我知道了", "知道了", "关闭", "跳过", "进入", "开始使用", "立即体验", "暂不",
           "以后再说", "稍后", "關閉", "跳過", "進入", "我知道", "agree", "accept", "i agree", "ok", "got it", "skip",
           "close", "continue", "enter", "not now", "later", "×", "✕")
"""A tap on these only clears a splash, an agreement or a tip from the start page (labels of at most 16
characters that begin so)."""

UNSUPPORTED_SYSTEM = ("请升级", "版本过低", "不支持当前系统", "不支持该系统", "不支持您的系统", "暂不支持此设备",
                      "请使用最新版", "浏览器版本过低", "unsupported system", "not supported on this device")
"""Art. 16: what an app says when it refuses to run on a system."""
UNSUPPORTED_PHRASE = re.compile(
    r"(?:暂不|不)支持(?:在)?(?:移动设备|移动端|手机|此设备|该设备|当前设备|您的设备|本设备|移动浏览器|手机浏览器"
    r"|此浏览器|该浏览器|当前浏览器|您的浏览器)(?:访问|打开|使用|登录)?"
    r"|请(?:在|使用|用|到|切换到?)(?:PC|电脑|桌面)(?:端|版|浏览器)?(?:上|中)?(?:访问|打开|登录|浏览)"
    r"|(?:please )?(?:use|open (?:it|this) on) a (?:desktop|PC|computer)(?: browser)? to (?:access|open|view)"
    r"|not (?:available|supported) on (?:mobile|phones?|this (?:device|browser))",
    re.I)
"""Art. 16: the sentences of a refusal, however they name the device (请在PC端访问, 暂不支持移动设备…). A
note sending one feature to a desktop (请使用电脑端办理) is not one: the verb must be to access or open."""

DO_NOT_TAP = ("提交", "确认", "确定", "发送", "支付", "付款", "删除", "注销", "退出登录", "退出", "撤回")
"""The explorer never taps these: a test must not file, pay for or delete anything."""


def matches(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if w.lower() in text.lower()]


def _words_or_phrases(text: str, words: tuple[str, ...], phrase: re.Pattern[str]) -> list[str]:
    found = matches(text, words) + [m.group(0) for m in phrase.finditer(text)]
    return list(dict.fromkeys(found))


def tracking(text: str) -> list[str]:
    """Words of `text` naming a place where complaints are followed up (Art. 18)."""
    return _words_or_phrases(text, COMPLAINT_TRACKING, TRACKING_PHRASE)


def unsupported(text: str) -> list[str]:
    """The words or sentences with which a screen refuses this system or device (Art. 16)."""
    return _words_or_phrases(text, UNSUPPORTED_SYSTEM, UNSUPPORTED_PHRASE)


def is_trap(text: str) -> bool:
    return any(t in text for t in TRAPS)


def feature_of(text: str) -> str | None:
    """The mandatory feature a control's text names, unless the text is a known trap."""
    if is_trap(text):
        return None
    for feature, words in MANDATORY_FEATURES.items():
        if matches(text, words):
            return feature
    return None


CONTROL_LABEL_MAX = 12
"""A control that names a feature says so in a few words (立即签到, 积分排行榜); a longer text is a headline."""
SENTENCE = re.compile(r"[，。！？；,!?;]|\d{4}[-/.年]\d{1,2}")


def feature_control(label: str) -> str | None:
    """The mandatory feature a control is for, judged from its label as a control: short, not a sentence
    or a dated headline, not a known trap."""
    text = label.strip()
    if not text or len(text) > CONTROL_LABEL_MAX or SENTENCE.search(text):
        return None
    return feature_of(text)
