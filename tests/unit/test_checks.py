"""Checks on recorded observations of the bundled samples, and on made-up ones for the traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checks import compat, complaint, filing, ipv6, mandatory, monitoring, uploads
from harness.checks.base import ARTICLES
from harness.checks.registry import CHECKS
from harness.devices.common.crash import Crash
from harness.observe.model import Action, FlowRecord, Observations, ScreenVisit
from harness.ui.tree import Screen, UiNode

T0 = 1_800_000_000.0


def recorded(data: Path, name: str) -> Observations:
    return Observations.model_validate_json((data / "observations" / f"{name}.json").read_text(encoding="utf-8"))


def screen(key: str, *nodes: UiNode, texts: tuple[str, ...] = ()) -> Screen:
    return Screen(key=key, title="", nodes=nodes, texts=texts)


def button(text: str, role: str = "button") -> UiNode:
    return UiNode(ref=text, role=role, text=text, clickable=role != "input", editable=role == "input")  # type: ignore[arg-type]


def observations(screens: list[Screen], flows: list[FlowRecord] = (), actions: list[Action] = (),
                 context: list[str] = ()) -> Observations:
    return Observations(
        app="demo", app_name="演示", device="web-phone", platform="web", run_id="r", started=T0, ended=T0 + 60,
        screens=[ScreenVisit(t=T0 + i, signature=s.signature(), screen=s.to_dict()) for i, s in enumerate(screens)],
        flows=list(flows), actions=list(actions), context=list(context),
    )


def flow(path: str, t: float, method: str = "POST", body: str = "", status: int = 200) -> FlowRecord:
    return FlowRecord(id=f"{path}@{t}", t=T0 + t, method=method, url=f"http://app.demo.test{path}",
                      host="app.demo.test", path=path, status=status, request_text=body)


def test_registry_uses_contract_article_codes() -> None:
    assert {c.article for c in CHECKS.values()} <= set(ARTICLES)
    assert CHECKS["mandatory-features"].article == "14(2)"
    assert CHECKS["complaint"].article == "18"


def test_recorded_violating_sample_fails_both(data: Path) -> None:
    obs = recorded(data, "ganbutong")
    finding = mandatory.check(obs)
    assert finding.verdict == "fail"
    assert set(finding.details["proven"]) == {"打卡签到", "积分排名", "统计在线时长"}
    assert any(e.kind == "flow" and "/api/checkin" in e.note for e in finding.evidence)
    assert all(e.t is not None and e.t >= 0 for e in finding.evidence)
    no_complaint = complaint.check(obs)
    assert no_complaint.verdict == "fail"
    assert no_complaint.details["entry"] is False


def test_recorded_violating_sample_uploads_go_to_review(data: Path) -> None:
    finding = uploads.check(recorded(data, "ganbutong"))
    assert finding.verdict == "review"
    assert finding.details["photo_uploads"] >= 1 and finding.details["location_uploads"] >= 1
    assert finding.details["gated"] is True
    assert uploads.check(recorded(data, "ebantong")).verdict == "pass"


def test_recorded_samples_on_ipv6(data: Path) -> None:
    assert ipv6.check(recorded(data, "ebantong")).verdict == "pass"
    finding = ipv6.check(recorded(data, "ganbutong"))
    assert finding.verdict == "fail"
    assert finding.details["hosts_without_aaaa"] == ["img.ganbutong.demo.test"]


def test_recorded_compliant_sample_passes_both(data: Path) -> None:
    obs = recorded(data, "ebantong")
    assert mandatory.check(obs).verdict == "pass"
    finding = complaint.check(obs)
    assert finding.verdict == "pass", finding.summary
    assert {k: finding.details[k] for k in ("entry", "在线受理", "跟踪反馈", "回访评价", "submitted")} == {
        "entry": True, "在线受理": True, "跟踪反馈": True, "回访评价": True, "submitted": True}
    assert finding.details["acceptance_numbers"] and not finding.details["guarded"]
    assert any(e.path and e.path.endswith(".png") for e in finding.evidence)


def test_traps_are_not_features() -> None:
    """积分落户 as a service and 签到 / 排名 in headlines are words, not mandatory features."""
    home = screen("/#/home", button("积分落户申请"), button("积分兑换"),
                  texts=("志愿者在社区服务站签到上岗", "我市营商环境评价排名全省第三"))
    finding = mandatory.check(observations([home], [flow("/api/news", 1, "GET")]))
    assert finding.verdict == "pass", finding.summary


def test_a_feature_control_never_tapped_is_only_noted() -> None:
    """A 签到 control the walk never tapped proves nothing either way: a note in details, no review."""
    home = screen("/#/home", button("每日打卡"), button("签到"), button("办事", "tab"))
    tab = Action(t=T0 + 3, kind="tap", label="办事", role="tab", before=home.signature(), after=home.signature())
    finding = mandatory.check(observations([home], [flow("/api/news", 3.2, "GET")], [tab]))
    assert finding.verdict == "pass", finding.summary
    assert finding.details["controls_untapped"] == {"打卡签到": ["每日打卡", "签到"]}
    assert "未点击" in finding.summary and not finding.evidence


def test_ranking_headlines_and_notices_are_words_even_when_tapped() -> None:
    """A news headline about 排名 and a notice mentioning 签到 open articles when tapped: text, not features."""
    home = screen("/#/home", button("2025年度全市政务服务满意度排名揭晓", "link"),
                  button("关于做好春节假期值班签到工作的通知", "link"),
                  texts=("热点", "我市数字政府建设排名再创新高", "请各单位于每日9时前完成签到"))
    article = screen("/#/news/17", button("返回"), texts=("正文",))
    taps = [Action(t=T0 + 2, kind="tap", label="2025年度全市政务服务满意度排名揭晓", role="link",
                   before=home.signature(), after=article.signature()),
            Action(t=T0 + 6, kind="tap", label="关于做好春节假期值班签到工作的通知", role="link",
                   before=home.signature(), after=article.signature())]
    finding = mandatory.check(observations([home, article], [flow("/api/news/17", 1.8, "GET"),
                                                             flow("/api/news/18", 5.8, "GET")], taps))
    assert finding.verdict == "pass", finding.summary
    assert finding.details["acted_only"] == [] and finding.details["controls_untapped"] == {}


def test_a_tapped_feature_control_is_judged_by_what_it_did() -> None:
    home = screen("/#/home", button("积分排行榜"), button("考勤打卡"), button("签到"))
    board = screen("/#/board", texts=("第1名 张三 980分",))
    taps = [Action(t=T0 + 2, kind="tap", label="积分排行榜", role="button", before=home.signature(),
                   after=board.signature()),
            Action(t=T0 + 5, kind="tap", label="考勤打卡", role="button", before=home.signature(),
                   after=home.signature())]
    obs = observations([home, board], [flow("/api/board", 1.7, "GET")], taps)
    obs.hook_events = [{"kind": "geolocation-result", "t": T0 + 4.6}]
    finding = mandatory.check(obs)
    assert finding.verdict == "review", finding.summary
    assert finding.details["acted_only"] == ["打卡签到", "积分排名"]  # a screen and a request; a location read
    assert finding.details["tapped_without_effect"] == {} and finding.details["controls_untapped"] == {
        "打卡签到": ["签到"]}
    assert {e.kind for e in finding.evidence} == {"flow", "hook"}
    # the same controls tapped with no effect at all: nothing to review
    quiet = observations([home], [], [Action(t=T0 + 8, kind="tap", label="签到", role="button",
                                             before=home.signature(), after=home.signature())])
    finding = mandatory.check(quiet)
    assert finding.verdict == "pass", finding.summary
    assert finding.details["tapped_without_effect"] == {"打卡签到": ["签到"]}


def test_the_file_chooser_the_walk_answered_next_is_not_a_feature_controls_doing() -> None:
    home = screen("/", button("物业服务企业信用排名"), button("现场照片（选填）", role="file"))
    actions = [Action(t=T0 + 5, kind="tap", label="物业服务企业信用排名", before=home.signature(),
                      after=home.signature()),
               Action(t=T0 + 5.3, kind="file", label="现场照片（选填）", before=home.signature())]
    obs = observations([home], [], actions)
    obs.hook_events = [{"kind": "file-selected", "t": T0 + 5.04}]  # the walk's own choice, recorded after it
    finding = mandatory.check(obs)
    assert finding.verdict == "pass", finding.summary
    obs.hook_events = [{"kind": "geolocation-result", "t": T0 + 5.04}]  # the app's doing: still a review
    assert mandatory.check(obs).verdict == "review"


def test_tap_that_posts_proves_the_feature() -> None:
    home = screen("/#/home", button("立即签到"))
    tap = Action(t=T0 + 5, kind="tap", label="立即签到", before=home.signature(), after=home.signature())
    finding = mandatory.check(observations([home], [flow("/api/v2/do", 5.4)], [tap]))
    assert finding.verdict == "fail"
    assert finding.details["proven"] == ["打卡签到"]


def test_periodic_heartbeat_counting_time_is_online_statistics() -> None:
    beats = [flow("/api/ping", 10 + 5 * i, body='{"seconds": 5}') for i in range(5)]
    finding = mandatory.check(observations([screen("/")], beats))
    assert finding.verdict == "fail"
    assert "统计在线时长" in finding.details["proven"]
    assert any("每 5 秒" in e.note for e in finding.evidence)


def test_a_number_growing_with_the_clock_is_online_time_even_twice_and_without_a_telling_name() -> None:
    beacons = [flow("/b", 10 + 10 * i, body=f"sid=k3j9&dur={10 * (i + 1)}&t={1796237100000 + 10000 * i}&lat=30.1")
               for i in range(2)]  # a duty timer's sendBeacon: URL-encoded text, every 10 s
    beacons.append(flow("/b", 37.5, body="sid=p0q1&dur=10&t=1796237127500"))  # duty started again: a new count
    finding = mandatory.check(observations([screen("/")], beacons))
    assert finding.verdict == "fail"
    assert "统计在线时长" in finding.details["proven"]
    assert any("dur" in e.note and "10→20" in e.note for e in finding.evidence)
    in_ms = [flow("/api/s", 5 + 6 * i, body=f'{{"stay": {6000 * (i + 1)}}}') for i in range(2)]
    assert mandatory.check(observations([screen("/")], in_ms)).verdict == "fail"


@pytest.mark.parametrize("bodies", [
    ["page=2&size=20", "page=3&size=20", "page=4&size=20"],  # a list loaded on scroll
    ["t=1796237100000", "t=1796237110000"],  # a timestamp grows with the clock but counts no session
    ["seq=1", "seq=2"],  # grows, not with the clock
    ["dur=10", "dur=10"],  # the same number twice
])
def test_numbers_that_grow_without_counting_the_session_are_no_online_time(bodies: list[str]) -> None:
    flows = [flow("/api/x", 10 + 10 * i, body=body) for i, body in enumerate(bodies)]
    assert "统计在线时长" not in mandatory.check(observations([screen("/")], flows)).details["proven"]


def test_irregular_polling_is_not_a_heartbeat() -> None:
    polls = [flow("/api/messages", t, "GET") for t in (1, 2, 30, 31, 90)]
    assert mandatory.check(observations([screen("/")], polls)).verdict == "pass"


def test_declared_safety_context_turns_fail_into_review() -> None:
    beats = [flow("/api/duty/checkin", 10 + 60 * i) for i in range(3)]
    finding = mandatory.check(observations([screen("/")], beats, context=["应急"]))
    assert finding.verdict == "review"
    assert "应急" in finding.summary


CANARY = "指尖检测金丝雀a1b2c3"


def complaint_run(*, submission: str | None = "forwarded", status: int = 201, tracking: bool = True,
                  rating: bool = True, submitted: bool = True, reply: bool = True,
                  revisit: bool = True, form: bool = True) -> Observations:
    """投诉建议 → form → submitted; then 我的反馈 (revisit) shows the complaint (tracking) answered (reply) or
    still 处理中; a 满意度评价 screen (rating)."""
    interact = screen("/#/interact", button("投诉建议"), button("我的反馈"))
    form = screen("/#/complaint", button("诉求内容", "input"), button("提交"), texts=("我要投诉",)) if form else \
        screen("/#/complaint", button("返回"), texts=("投诉请拨打 12345 热线",))
    done = screen("/#/complaint", button("诉求内容", "input"), button("提交"),
                  texts=("我要投诉", "提交成功，受理编号：TS2026000001"))
    listed = (f"受理编号 TS2026000001 {CANARY}", "办理进度：已回复", "答复：感谢您的反馈，已转交属地部门") \
        if reply else (f"受理编号 TS2026000001 {CANARY}", "办理进度：处理中")
    track = screen("/#/track", button("返回"), texts=("我的反馈", *(listed if tracking else ("暂无记录",))))
    pages = [interact, form, done]
    if revisit:
        pages.append(track)
    if rating:
        pages.append(screen("/#/rate", button("非常满意"), texts=("满意度评价",)))
    obs = observations(pages)
    obs.canary_text = CANARY
    obs.actions = [Action(t=T0 + 1, kind="tap", label="投诉建议", role="button", before=interact.signature(),
                          after=form.signature())]
    if submitted:
        obs.actions.append(Action(t=T0 + 2, kind="submit", label="提交", role="button", before=form.signature(),
                                  after=done.signature()))
        sent = flow("/api/complaints", 2.2, body=f'{{"content": "{CANARY}"}}', status=status)
        sent.submission = submission
        obs.flows = [sent]
    if revisit:
        obs.actions.append(Action(t=T0 + 3, kind="tap", label="我的反馈", role="button", before=interact.signature(),
                                  after=track.signature()))
    return obs


@pytest.mark.parametrize(("run", "verdict", "words"), [
    (complaint_run(), "pass", "TS2026000001"),
    (complaint_run(tracking=False), "fail", "跟踪反馈"),
    (complaint_run(rating=False), "fail", "回访评价"),
    (complaint_run(status=500), "fail", "在线受理"),
    (complaint_run(submitted=False, form=False), "fail", "未找到可提交的投诉表单"),
    (complaint_run(submission="guarded", status=200, tracking=False), "review", "本地应答"),
    # what the harness itself could not prove is review, never fail:
    (complaint_run(submission="guarded", status=200, tracking=False, rating=False), "review", "本地应答"),
    (complaint_run(reply=False, rating=False), "review", "尚未答复"),
    (complaint_run(revisit=False, rating=False), "review", "提交后未再进入跟踪页面"),
    (complaint_run(submitted=False), "review", "未能识别其提交按钮"),  # a form the harness could not file
    (complaint_run(submission=None), "review", "未见测试诉求的请求发出"),  # the tap on 提交 sent nothing
])
def test_complaint_needs_acceptance_tracking_and_rating(run: Observations, verdict: str, words: str) -> None:
    finding = complaint.check(run)
    assert finding.verdict == verdict, finding.summary
    assert words in finding.summary


def test_a_locally_answered_complaint_is_review_whatever_is_missing() -> None:
    """The proxy's guard answered the canary complaint: tracking and rating cannot be proven either way."""
    finding = complaint.check(complaint_run(submission="guarded", status=200, tracking=False, rating=False))
    assert finding.verdict == "review"
    assert "跟踪反馈" in finding.summary and "回访评价" in finding.summary and "无法验证" in finding.summary
    assert finding.details["guarded"] is True


def test_a_reply_still_pending_at_the_end_is_review_and_an_arrived_one_without_rating_fails() -> None:
    pending = complaint.check(complaint_run(reply=False, rating=False))
    assert pending.verdict == "review" and pending.details["reply_pending"] is True
    assert "回访评价" in pending.summary and "跟踪反馈" not in pending.summary
    answered = complaint.check(complaint_run(reply=True, rating=False))
    assert answered.verdict == "fail" and answered.details["reply_seen"] is True
    assert "诉求已答复，未见评价" in answered.summary


def test_a_complaint_entry_seen_but_never_reached_is_review() -> None:
    home = screen("/#/home", button("首页", "tab"), button("我要留言"), texts=("欢迎",))
    finding = complaint.check(observations([home]))
    assert finding.verdict == "review", finding.summary
    assert finding.details["entries_seen"] == ["我要留言"]


def test_a_confirmation_still_showing_elsewhere_is_not_tracking() -> None:
    """The 提交成功 toast with the acceptance number lingers over the home page: that is no tracking page."""
    obs = complaint_run(revisit=False, rating=False)
    home = screen("/#/home", button("首页", "tab"), texts=("首页", "提交成功", "受理编号：TS2026000001"))
    obs.screens.append(ScreenVisit(t=T0 + 2.5, signature=home.signature(), screen=home.to_dict()))
    finding = complaint.check(obs)
    assert finding.details["跟踪反馈"] is False
    assert finding.verdict == "review" and "提交后未再进入跟踪页面" in finding.summary


def test_the_forms_own_submit_button_is_no_entry() -> None:
    form = screen("/#/msg", button("留言内容", "input"), button("提交留言"))
    finding = complaint.check(observations([form]))
    assert finding.details["entries_seen"] == [] and finding.verdict == "fail"


def test_an_icon_only_entry_is_known_by_its_accessible_name() -> None:
    home = screen("/#/home", UiNode(ref="7", role="button", text="💬", hint="意见反馈", clickable=True))
    assert complaint.check(observations([home])).details["entries_seen"] == ["💬"]


def test_a_long_text_with_complaint_words_is_no_entry() -> None:
    home = screen("/#/home", button("首页", "tab"), button("关于征集2026年民生实事项目建议的公告", "link"))
    assert complaint.check(observations([home])).verdict == "fail"


@pytest.mark.parametrize(("entry", "form_words", "accepted", "place", "listed", "rate"), [
    ("我要留言", "留言内容", "留言成功，查询码：Q8H2K9X1", "留言查询",
     ("查询码 Q8H2K9X1", "状态：已答复", "答复：已办理"), "评价"),
    ("诉求", "诉求描述", "受理成功 受理号 SQ-2026-0042", "办理进度", ("SQ-2026-0042", "处理结果：已办结"), "满意度"),
    ("Feedback", "Your message", "Submitted successfully. Reference No. FB20260001", "My feedback",
     ("FB20260001", "Status: replied"), "Rate it"),
])
def test_complaint_vocabulary_beyond_the_samples(entry: str, form_words: str, accepted: str, place: str,
                                                 listed: tuple[str, ...], rate: str) -> None:
    """Entries, acceptance numbers, follow-up places and ratings named otherwise than in the samples."""
    home = screen("/#/home", button(entry), button(place))
    form = screen("/#/form", button(form_words, "input"), button("提交"))
    done = screen("/#/form", button(form_words, "input"), button("提交"), texts=(accepted,))
    track = screen("/#/list", button(rate), texts=(place, *listed))
    obs = observations([home, form, done, track])
    obs.canary_text = CANARY
    sent = flow("/api/msg", 2.2, body=CANARY, status=200)
    sent.submission = "forwarded"
    obs.flows = [sent]
    obs.actions = [Action(t=T0 + 1, kind="tap", label=entry, role="button", before=home.signature(),
                          after=form.signature()),
                   Action(t=T0 + 2, kind="submit", label="提交", role="button", before=form.signature(),
                          after=done.signature()),
                   Action(t=T0 + 3, kind="tap", label=place, role="button", before=home.signature(),
                          after=track.signature())]
    finding = complaint.check(obs)
    assert finding.verdict == "pass", finding.summary
    assert finding.details["acceptance_numbers"]


@pytest.mark.parametrize(("text", "number"), [
    ("提交成功，受理编号：AB12345678", "AB12345678"), ("您的查询码 YJ-482913", "YJ-482913"),
    ("主办单位：南江市政府 备案编号：ZW-GD-2026-000123", None), ("ICP備案編號：ZW-GD-2026-000123", None),
])
def test_a_filing_number_in_the_footer_is_no_acceptance_number(text: str, number: str | None) -> None:
    from harness.evidence.keywords import ACCEPTANCE_NUMBER

    found = ACCEPTANCE_NUMBER.search(text)
    assert (found.group(1) if found else None) == number


def test_rating_words_outside_complaint_screens_do_not_count() -> None:
    obs = complaint_run(rating=False)
    news = screen("/#/home", texts=("非常满意的服务体验",))
    obs.screens.insert(0, ScreenVisit(t=T0, signature=news.signature(), screen=news.to_dict()))
    assert complaint.check(obs).verdict == "fail"


def test_no_complaint_entry_fails() -> None:
    finding = complaint.check(observations([screen("/", button("首页", "tab"))]))
    assert finding.verdict == "fail"
    assert "未找到投诉建议入口" in finding.summary


def test_filing_on_the_start_screen_passes(data: Path) -> None:
    finding = filing.check(recorded(data, "ebantong"))
    assert finding.verdict == "pass"
    assert finding.details["filing"] == "京ICP备12345678号-1A"


def test_no_filing_fails(data: Path) -> None:
    finding = filing.check(recorded(data, "ganbutong"))
    assert finding.verdict == "fail"
    assert "主办单位" in finding.summary and "备案编号" in finding.summary


@pytest.mark.parametrize(("texts", "patterns", "verdict"), [
    (("主办单位：某省政务服务中心", "粤B2-20090059-1626X"), [], "pass"),
    (("主办（使用）单位：某县人民政府", "备案号 ZWAPP-2026-000123"), [r"ZWAPP-\d{4}-\d{6}"], "pass"),
    (("主办（使用）单位：某县人民政府", "ZWAPP-2026-000123"), [r"ZWAPP-\d{4}-\d{6}"], "pass"),
    (("ICP备案查询",), [], "fail"),
])
def test_filing_patterns(texts: tuple[str, ...], patterns: list[str], verdict: str) -> None:
    obs = observations([screen("/", texts=texts)])
    obs.filing_patterns = patterns
    assert filing.check(obs).verdict == verdict


@pytest.mark.parametrize(("texts", "sponsor", "number"), [
    # a format neither ICP nor the scenario knows, after its label: a person reads it, so does the check
    (("主办（使用）单位：某县人民政府", "备案号 ZWAPP-2026-000123"), "某县人民政府", "ZWAPP-2026-000123"),
    (("版权所有 © 2026", "主管单位：南江市数据局 | App备案号：ZW-NJ-2026-000321 | 技术支持：某公司"),
     "南江市数据局", "ZW-NJ-2026-000321"),
    (("运营单位", "南江市大数据中心", "备案编号", "NJ2026A00042"), "南江市大数据中心", "NJ2026A00042"),
    (("Sponsor: Nanjiang Municipal Tax Bureau", "ICP Filing No.: NJ-TAX-2026-0007"),
     "Nanjiang Municipal Tax Bureau", "NJ-TAX-2026-0007"),
    (("主辦單位：南江市入出境事務處", "備案編號：ZW-2026-88812"), "南江市入出境事務處", "ZW-2026-88812"),
    (("主办单位：南江省人民政府办公厅", "备案号：苏政务APP备20260042号"), "南江省人民政府办公厅",
     "苏政务APP备20260042号"),
])
def test_filing_reads_labels_whatever_the_number_format(texts: tuple[str, ...], sponsor: str, number: str) -> None:
    finding = filing.check(observations([screen("/", texts=texts)]))
    assert finding.verdict == "pass", finding.summary
    assert (finding.details["sponsor"], finding.details["filing"]) == (sponsor, number)


@pytest.mark.parametrize(("texts", "missing"), [
    (("主办单位：某市政府", "备案号："), "备案编号"),                      # a label with nothing after it
    (("主办单位：", "备案编号：", "京ICP备12345678号"), "主办单位"),          # a sponsor label with no name
    (("主办单位：某市政府", "备案时间：2026-03-01"), "备案编号"),             # a date is no filing number
    (("主办单位：某市政府", "备案号：请以实际为准"), "备案编号"),             # words are no filing number
    (("主办单位：某市政府", "备案号：详见2026号文件"), "备案编号"),           # nor words around a number
    (("主办单位：某市政府", "服务热线 0571-12345678", "我市完成不动产登记备案 2026-000123 件",
      "受理编号：TS2026000001"), "备案编号"),                                # identifiers in unrelated text
    (("请联系主办单位南江市政府了解详情", "京ICP备12345678号"), "主办单位"),  # a label inside a sentence
])
def test_filing_traps_show_nothing(texts: tuple[str, ...], missing: str) -> None:
    finding = filing.check(observations([screen("/", texts=texts)]))
    assert finding.verdict == "fail", finding.summary
    assert f"未见{missing}" in finding.summary


def test_filing_only_in_a_pictures_text_goes_to_review_and_a_picture_without_it_changes_nothing() -> None:
    logo = Screen(key="/", title="南江生态环境", nodes=(), texts=("南江生态环境", "今日空气质量"),
                  images=("主办单位：南江市生态环境局 备案号：浙ICP备2026007788号-2",))
    finding = filing.check(observations([logo]))
    assert finding.verdict == "review", finding.summary
    assert "替代文字" in finding.summary and "主办单位、备案编号" in finding.summary
    assert finding.details["in_picture_text"].startswith("主办单位：南江市生态环境局")
    assert Screen.from_dict(logo.to_dict()) == logo  # kept in the recorded screens
    plain = Screen(key="/", title="", nodes=(), texts=("主办单位：某市政府",), images=("市政府大楼",))
    assert filing.check(observations([plain])).verdict == "fail"


def test_filing_label_without_identifier_is_named_in_the_summary() -> None:
    finding = filing.check(observations([screen("/", texts=("主办单位：某市政府", "备案号："))]))
    assert finding.details["labels_without_value"] == {"备案编号": "备案号："}
    assert "「备案号：」后未见备案编号内容" in finding.summary


def test_filing_only_deep_in_the_app_goes_to_review() -> None:
    obs = observations([screen("/"), screen("/#/about", texts=("主办单位：某市政府", "京ICP备12345678号"))])
    assert filing.check(obs).verdict == "review"


def test_filing_under_about_in_an_unknown_format_goes_to_review() -> None:
    """我的 → 关于 shows 主办单位 and 备案编号 in a format nobody declared: shown, but not on the start page."""
    home = screen("/#/home", button("首页", "tab"), button("我的", "tab"), texts=("欢迎使用",))
    mine = screen("/#/mine", button("关于我们"), texts=("我的",))
    about = screen("/#/about", texts=("关于我们", "主办单位：南江市人民政府办公室", "备案编号：NJZW-2026-00315"))
    obs = observations([home, mine, about])
    obs.actions = [Action(t=T0 + 0.5, kind="tap", label="我的", role="tab", before=home.signature(),
                          after=mine.signature()),
                   Action(t=T0 + 1.5, kind="tap", label="关于我们", role="button", before=mine.signature(),
                          after=about.signature())]
    finding = filing.check(obs)
    assert finding.verdict == "review", finding.summary
    assert finding.details["filing"] == "NJZW-2026-00315" and finding.details["on_start_page"] is False
    assert "显著位置" in finding.summary


def test_filing_behind_an_agreement_or_in_a_later_visit_of_the_start_page_passes() -> None:
    """The start page is the first screen's place and what dismissing a splash from it shows."""
    splash = screen("/welcome.html", button("同意并继续"), texts=("用户协议与隐私政策",))
    home = screen("/index.html", button("办事", "tab"), texts=("首页",))
    home_footer = screen("/index.html", button("办事", "tab"),
                         texts=("首页", "主办单位：南江省政务服务中心", "备案号：NJ-APP-2026-0099"))
    obs = observations([splash, home, home_footer])
    obs.actions = [Action(t=T0 + 0.5, kind="tap", label="同意并继续", role="button", before=splash.signature(),
                          after=home.signature())]
    assert filing.check(obs).verdict == "pass"
    obs.actions[0].label = "办事指南"  # not a dismissal: the page behind it is deeper
    assert filing.check(obs).verdict == "review"


def test_filing_deep_in_an_app_that_never_changes_its_address_goes_to_review() -> None:
    """Pages swapped in place under one address (links to #): 我的 → 设置 → 关于本应用 is not the start page."""
    menu = (button("工作台"), button("我的"))
    drawer = ("☰", "网格通", "工作台", "巡查打卡", "事件上报", "我的")  # on every page
    desk = screen("/", *menu, button("开始巡查"), texts=(*drawer, "今日任务", "辖区：东湖街道第3网格", "应巡查：4次"))
    settings = screen("/", *menu, button("关于本应用"), texts=(*drawer, "消息通知", "关于本应用"))
    about = screen("/", *menu, texts=(*drawer, "网格通 v1.8.3", "主办单位：南江市社会治理综合服务中心",
                                      "备案编号：ZW-HN-2026-000777"))
    scrolled = screen("/", *menu, button("开始巡查"), button("隐私政策"),
                      texts=(*drawer, "今日任务", "辖区：东湖街道第3网格", "应巡查：4次", "©2026"))
    obs = observations([desk, settings, about])
    obs.actions = [Action(t=T0 + 0.5, kind="tap", label="我的", role="button", before=desk.signature(),
                          after=settings.signature()),
                   Action(t=T0 + 1.5, kind="tap", label="关于本应用", role="button", before=settings.signature(),
                          after=about.signature())]
    finding = filing.check(obs)
    assert finding.verdict == "review" and finding.details["on_start_page"] is False, finding.summary
    assert filing.start_page(obs) == {desk.signature()}
    obs.screens.append(observations([scrolled]).screens[0])  # the start page again, its footer loaded
    assert scrolled.signature() in filing.start_page(obs)


def upload(path: str, t: float, text: str = "", images: tuple[str, ...] = ()) -> FlowRecord:
    record = flow(path, t, body=text)
    record.image_hashes = list(images)
    return record


def with_canaries(obs: Observations, photo: str = "f0f0f0f0f0f0f0f0") -> Observations:
    obs.canary_location = (30.2741506, 120.1551483)
    obs.canary_photo_hash = photo
    return obs


def test_location_used_on_device_only_is_no_upload() -> None:
    obs = with_canaries(observations([screen("/")], [flow("/api/weather", 2, "GET", "city=hangzhou")]))
    obs.hook_events = [{"kind": "geolocation-result", "t": T0 + 1}]
    finding = uploads.check(obs)
    assert finding.verdict == "pass"
    assert finding.details["location_read_on_device"] is True


def test_photo_and_gcj02_track_upload_go_to_review() -> None:
    from harness.evidence.geo import systems

    lat, lon = systems(30.2741506, 120.1551483)["GCJ-02"]
    track = [upload("/api/track", 10 + 15 * i, f'{{"lat": {lat:.6f}, "lon": {lon:.6f}}}') for i in range(3)]
    photo = upload("/upload/work-photo", 50, images=("f0f0f0f0f0f0f0f1",))
    gate = screen("/#/work", texts=("请先上传今日工作照片并上报位置后才能继续",))
    finding = uploads.check(with_canaries(observations([gate], [*track, photo])))
    assert finding.verdict == "review"
    assert finding.details == {"location_uploads": 3, "photo_uploads": 1, "track": True, "gated": True,
                               "location_read_on_device": False, "photo_demanded": False}
    assert any("GCJ-02" in e.note for e in finding.evidence)
    assert "构成轨迹" in finding.summary and "界面要求先上传" in finding.summary


def photo_control(label: str) -> UiNode:
    return UiNode(ref="f", role="file", text="", hint=label, clickable=True)


@pytest.mark.parametrize(("label", "texts"), [
    ("走访照片（必须与农户合影）", ()),
    ("工作照片（必传）", ()),
    ("* 现场照片", ()),
    ("现场照片", ("上报问题需拍摄现场照片，并记录问题位置",)),
])
def test_a_form_demanding_a_work_photo_goes_to_review_though_never_submitted(label: str,
                                                                              texts: tuple[str, ...]) -> None:
    form = screen("/#/report", photo_control(label), button("描述", "input"), texts=texts)
    finding = uploads.check(with_canaries(observations([form], [flow("/api/list", 2, "GET")])))
    assert finding.verdict == "review" and finding.details["photo_demanded"] is True
    assert "未见实际上传" in finding.summary and finding.evidence


@pytest.mark.parametrize(("label", "texts"), [
    ("现场照片（选填，可不上传）", ()),
    ("身份证照片（必填）", ()),
    ("上传头像", ()),
    ("附件", ()),
    ("营业执照", ("办理需上传营业执照照片",)),
])
def test_an_optional_or_document_photo_control_is_no_demand(label: str, texts: tuple[str, ...]) -> None:
    form = screen("/#/apply", photo_control(label), button("姓名", "input"), texts=texts)
    finding = uploads.check(with_canaries(observations([form], [flow("/api/list", 2, "GET")])))
    assert finding.verdict == "pass" and finding.details["photo_demanded"] is False


def test_the_canary_photo_attached_to_the_complaint_the_harness_filed_is_no_forced_upload() -> None:
    filed = upload("/api/feedback", 5, images=("f0f0f0f0f0f0f0f0",))
    filed.submission = "forwarded"
    assert uploads.check(with_canaries(observations([screen("/")], [filed]))).verdict == "pass"
    filed.submission = None  # the same picture sent by the app on its own is one
    assert uploads.check(with_canaries(observations([screen("/")], [filed]))).verdict == "review"


def test_another_picture_is_not_the_canary() -> None:
    obs = with_canaries(observations([screen("/")], [upload("/upload", 5, images=("0f0f0f0f0f0f0f0f",))]))
    assert uploads.check(obs).verdict == "pass"


def test_compat_passes_a_normal_run_and_fails_refusals_and_blank_screens() -> None:
    ok = observations([screen("/", button("首页", "tab"), texts=("首页",))])
    ok.alive_at_end = True
    assert compat.check(ok).verdict == "pass"
    refusing = observations([screen("/", texts=("您的系统版本过低，请升级后使用",))])
    finding = compat.check(refusing)
    assert finding.verdict == "fail" and "版本过低" in finding.details["unsupported"]
    assert compat.check(observations([screen("/")])).verdict == "fail"  # nothing drawn
    gone = observations([screen("/", texts=("首页",))])
    gone.alive_at_end = False
    assert "无响应" in compat.check(gone).summary


@pytest.mark.parametrize("refusal", ["请在PC端访问", "本系统暂不支持移动设备，请使用电脑浏览器登录",
                                     "请使用电脑访问本站", "Please use a desktop browser to access this service"])
def test_compat_fails_a_refusal_of_the_device_however_it_is_worded(refusal: str) -> None:
    finding = compat.check(observations([screen("/", texts=(refusal,))]))
    assert finding.verdict == "fail" and finding.details["unsupported"]


def test_a_feature_sent_to_the_desktop_is_not_a_refusal() -> None:
    ok = observations([screen("/", button("首页", "tab"), texts=("大额转账请使用电脑端办理", "手机号码支持登录"))])
    ok.alive_at_end = True
    assert compat.check(ok).verdict == "pass"


def test_crashes_in_the_device_logs_fail_compat_and_monitoring() -> None:
    run = observations([screen("/", texts=("首页",))])
    run.alive_at_end = True  # restarted by the system: alive at the end, but it crashed on the way
    run.crashes = [Crash(kind="crash", process="gov.app", pid=1, t=T0 + 5, summary="java.lang.NPE", source="logcat"),
                   Crash(kind="anr", process="gov.app", pid=2, t=T0 + 9, summary="ANR：Input dispatching",
                         source="dropbox:data_app_anr")]
    finding = compat.check(run)
    assert finding.verdict == "fail" and "崩溃 1 次" in finding.summary and "无响应（ANR） 1 次" in finding.summary
    assert finding.details["crashes"] == 2
    watched = monitoring.check(run)
    assert watched.verdict == "fail" and "ANR 1 次" in watched.summary
    assert [e.t for e in watched.evidence if e.kind == "crash"] == [5.0, 9.0]


def hook(kind: str, t: float, **detail: object) -> dict:
    return {"kind": kind, "t": T0 + t, "detail": detail}


def test_an_error_that_keeps_coming_back_fails_a_few_different_ones_go_to_review() -> None:
    ticking = observations([screen("/")])
    ticking.alive_at_end = True
    ticking.hook_events = [hook("js-error", 10 + i, message="TypeError: null") for i in range(8)]
    finding = monitoring.check(ticking)
    assert finding.verdict == "fail" and "反复出现" in finding.summary and finding.details["recurring_errors"] == 1
    burst = observations([screen("/")])  # five at once (one failed render), or a few different ones: a look
    burst.alive_at_end = True
    burst.hook_events = [hook("js-error", 10, message="TypeError: a")] * 5 + [hook("js-error", 20, message="b")]
    assert monitoring.check(burst).verdict == "review"


def test_monitoring_freeze_fails_errors_review_clean_passes() -> None:
    clean = observations([screen("/", texts=("首页",))])
    clean.alive_at_end, clean.launch_ms, clean.metrics = True, 420.0, {"memory_mb": 3.2}
    finding = monitoring.check(clean)
    assert finding.verdict == "pass" and "420 ms" in finding.summary and "3.2 MB" in finding.summary
    erring = observations([screen("/")])
    erring.alive_at_end = True
    erring.hook_events = [hook("js-error", 3, message="TypeError: x is undefined"),
                          hook("long-task", 4, duration_ms=900)]
    assert monitoring.check(erring).verdict == "review"
    frozen = observations([screen("/")])
    frozen.alive_at_end = True
    frozen.hook_events = [hook("long-task", 6, duration_ms=7000)]
    finding = monitoring.check(frozen)
    assert finding.verdict == "fail" and finding.evidence[0].t == 6.0
    crashed = observations([screen("/")])
    crashed.alive_at_end = False
    assert monitoring.check(crashed).verdict == "fail"


def probed(host: str, aaaa: bool, same: bool) -> dict:
    return {"host": host, "aaaa": aaaa, "a": True, "v6_same": aaaa and same,
            "paths": [{"method": "GET", "path": "/", "v4": 200, "v6": 200 if same else None, "same": same}]}


@pytest.mark.parametrize(("hosts", "policy", "verdict", "words"), [
    ([probed("app.demo.test", True, True), probed("img.demo.test", True, True)], {}, "pass", "100.0%"),
    ([probed("app.demo.test", True, True), probed("img.demo.test", False, False)], {}, "fail", "img.demo.test"),
    ([probed("app.demo.test", True, True), probed("img.demo.test", True, False)], {}, "fail", "img.demo.test"),
    ([probed("app.demo.test", True, True), probed("img.demo.test", False, False)],
     {"every_host": False, "min_request_share": 0.5}, "pass", "75.0%"),
    ([probed("app.demo.test", True, True), probed("img.demo.test", False, False)],
     {"every_host": False, "min_request_share": 0.8}, "fail", "80%"),
])
def test_ipv6_hosts_and_shares(hosts: list[dict], policy: dict, verdict: str, words: str) -> None:
    flows = [flow("/a", 1, "GET"), flow("/b", 2, "GET"), flow("/c", 3, "GET"),
             FlowRecord(id="img", t=T0 + 4, method="POST", url="http://img.demo.test/u", host="img.demo.test",
                        path="/u", status=200)]
    obs = observations([screen("/")], flows)
    obs.ipv6_hosts, obs.ipv6_policy = hosts, policy
    finding = ipv6.check(obs)
    assert finding.verdict == verdict, finding.summary
    assert words in finding.summary


def unreached(host: str, aaaa: bool) -> dict:
    return {"host": host, "aaaa": aaaa, "a": True, "v6_same": False, "paths": [], "contacted": False}


def test_a_host_of_the_app_never_reached_fails_without_aaaa_and_is_not_broken_with_it() -> None:
    obs = observations([screen("/")], [flow("/a", 1, "GET")])
    obs.ipv6_hosts = [probed("app.demo.test", True, True), unreached("img.demo.test", False)]
    finding = ipv6.check(obs)
    assert finding.verdict == "fail" and "img.demo.test（未访问）" in finding.summary
    assert finding.details["hosts_not_reached"] == ["img.demo.test"]
    assert any(e.kind == "dns" and "img.demo.test" in e.note for e in finding.evidence)
    obs.ipv6_hosts = [probed("app.demo.test", True, True), unreached("img.demo.test", True)]
    assert ipv6.check(obs).verdict == "pass"
    obs.ipv6_hosts = [unreached("img.demo.test", False)]
    assert ipv6.check(obs).verdict == "skip"  # nothing the app sent was probed: no share to judge


def test_ipv6_only_pass_failures_name_the_broken_screen() -> None:
    obs = observations([screen("/")], [flow("/a", 1, "GET")])
    obs.ipv6_hosts = [probed("app.demo.test", True, True)]
    obs.ipv6_only = {"requests": 3, "failing_hosts": ["app.demo.test"], "broken_screens": ["/#/work"],
                     "failed": [{"method": "POST", "host": "app.demo.test", "path": "/up", "error": "reset",
                                 "screen": "/#/work"}]}
    finding = ipv6.check(obs)
    assert finding.verdict == "fail"
    assert "/#/work" in finding.summary and finding.details["hosts_failing_over_ipv6"] == ["app.demo.test"]


def test_ipv6_without_traffic_is_skipped() -> None:
    assert ipv6.check(observations([screen("/")])).verdict == "skip"


def test_probe_repeats_gets_only_and_heads_post_only_hosts(root: Path) -> None:
    from harness.config import load_scenario
    from harness.observe.ipv6 import probe
    from harness.run import address_map
    from harness.samples.server import SampleServer

    scenario = load_scenario(root / "scenarios" / "ganbutong.yaml")
    flows = [FlowRecord(id="1", t=T0, method="GET", url="http://app.ganbutong.demo.test/api/points/rank",
                        host="app.ganbutong.demo.test", path="/api/points/rank", status=200),
             FlowRecord(id="2", t=T0, method="POST", url="http://img.ganbutong.demo.test/upload/work-photo",
                        host="img.ganbutong.demo.test", path="/upload/work-photo", status=200)]
    assert scenario.serve is not None
    with SampleServer(scenario.serve) as sample:
        results = {p.host: p for p in probe(flows, address_map(scenario, sample))}
    app, img = results["app.ganbutong.demo.test"], results["img.ganbutong.demo.test"]
    assert app.v6_same and app.paths[0]["v4"] == app.paths[0]["v6"] == 200
    assert not img.aaaa and img.paths[0]["method"] == "HEAD" and img.paths[0]["v6_error"] == "no address"
    with SampleServer(scenario.serve) as sample:  # the upload host never reached: its AAAA looked up, nothing sent
        only_app = {p.host: p for p in probe(flows[:1], address_map(scenario, sample))}
    img = only_app["img.ganbutong.demo.test"]
    assert not img.contacted and not img.aaaa and not img.paths and only_app["app.ganbutong.demo.test"].contacted


def test_aaaa_from_a_name_server(tmp_path: Path) -> None:
    """Farms ask a real resolver for AAAA; here a name server on loopback answers."""
    import socket
    import threading

    import dns.message
    import dns.rrset

    from harness.observe.ipv6 import has_aaaa

    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)

    def answer() -> None:
        for _ in range(2):
            wire, peer = server.recvfrom(512)
            query = dns.message.from_wire(wire)
            reply = dns.message.make_response(query)
            question = query.question[0]
            if question.name.to_text() == "v6.demo.test.":
                reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "AAAA", "2001:db8::1"))
            server.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    assert has_aaaa("v6.demo.test", f"127.0.0.1:{port}") is True
    assert has_aaaa("v4only.demo.test", f"127.0.0.1:{port}") is False
    thread.join(5)
    server.close()


def test_a_frida_location_hook_counts_as_reading_the_location_on_the_device() -> None:
    obs = with_canaries(observations([screen("/")], [flow("/api/weather", 2, "GET", "city=hangzhou")]))
    obs.hook_events = [{"source": "frida", "kind": "location", "api": "com.amap.api.location.AMapLocationClient."
                        "startLocation", "t": T0 + 1, "detail": {}, "sdk": "高德 AMap SDK"}]
    finding = uploads.check(obs)
    assert finding.verdict == "pass"
    assert finding.details["location_read_on_device"] is True


def test_ipv6_reports_the_apps_direct_connections_by_family_without_loopback() -> None:
    obs = observations([screen("/")], [flow("/a", 1, "GET")])
    obs.ipv6_hosts = [probed("app.demo.test", True, True)]
    connect = [("2001:db8::5", 6), ("203.0.113.9", 4), ("203.0.113.10", 4), ("127.0.0.1", 4), ("::1", 6)]
    obs.hook_events = [{"kind": "connect", "t": T0 + i, "detail": {"family": family, "address": address, "port": 443}}
                       for i, (address, family) in enumerate(connect)]
    finding = ipv6.check(obs)
    assert finding.details["app_sockets"] == {"ipv4": 2, "ipv6": 1, "ipv6_share": 0.333}
    assert "33.3%" in finding.summary
    obs.hook_events = obs.hook_events[3:]
    assert "app_sockets" not in ipv6.check(obs).details


def test_hook_events_are_typed_and_keep_what_came_with_them() -> None:
    """Observations keep hook events as HookRecord models: Frida's extra fields survive a save and a load, a
    `detail: null` from an older sweep reads as empty, and a stall whose duration is not a number counts 0."""
    obs = Observations(app="a", app_name="A", device="d", platform="android", run_id="s/a@d", started=T0)
    obs.hook_events = [{"source": "frida", "kind": "location", "t": T0 + 1, "pid": 4242, "detail": None,
                        "api": "android.location.Location.getLatitude"},
                       {"kind": "long-task", "t": T0 + 2, "detail": {"duration_ms": "9000"}}]
    again = Observations.model_validate_json(obs.model_dump_json())
    frida, stall = again.hook_events
    assert stall.detail == {"duration_ms": "9000"}
    assert (frida.kind, frida.field("source"), frida.field("pid"), frida.detail) == ("location", "frida", "4242", {})
    assert monitoring.check(again).details["longest_stall_ms"] == 0


def test_a_path_ipv4_did_not_answer_either_says_nothing_about_ipv6() -> None:
    from harness.observe.ipv6 import HostProbe

    host = HostProbe("api.demo.test", aaaa=True, a=True, paths=[
        {"method": "GET", "path": "/a", "v4": 200, "v6": 200, "same": True},
        {"method": "GET", "path": "/gone", "v4": None, "v6": None, "same": False}])
    assert host.v6_same
    host.paths.append({"method": "GET", "path": "/b", "v4": 200, "v6": None, "same": False})
    assert not host.v6_same
