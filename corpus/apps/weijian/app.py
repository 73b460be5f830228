"""weijian — 南江健康 H5 (bottom tabs, 加载更多). 预约挂号 refuses to run outside WeChat."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {"www.weijian.corpus.test": SampleHost(static=True)}

_SEQ = itertools.count(1)
VOICES: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
TITLES = ["流感高发季，这些防护要点请收好", "国家免疫规划疫苗接种时间表", "家庭医生签约服务怎么签", "儿童近视防控指南",
          "老年人健康体检免费项目一览", "高血压患者日常管理", "夏季食品安全提示", "心肺复苏急救知识", "无偿献血点位汇总",
          "慢病长处方政策解读", "孕产妇健康管理服务", "控烟条例答问"]


def handle(request: Request) -> Response | None:
    path = request.path.split("?")[0]
    if not path.startswith("/api/"):
        return None
    if path == "/api/news":
        page = int((request.query.get("page") or ["1"])[0])
        items = [{"id": i, "title": TITLES[i % len(TITLES)] + ("" if i < len(TITLES) else "（%d）" % i)}
                 for i in range((page - 1) * 6, min(page * 6, 30))]
        return Response.json({"items": items, "more": page * 6 < 30})
    if path == "/api/voice" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "说点什么吧"}, status=400)
        no = "WJ%s%04d" % (time.strftime("%Y%m%d"), next(_SEQ))
        VOICES[no] = {"no": no, "type": d.get("type", "投诉"), "text": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/api/voice" and request.method == "GET":
        out = []
        for x in reversed(list(VOICES.values())):
            done = time.time() - x["t"] > 2
            out.append({"no": x["no"], "type": x["type"], "text": x["text"], "status": "已办结" if done else "办理中",
                        "reply": "已责成涉事医院整改并约谈相关科室负责人。" if done else "", "rating": x["rating"],
                        "can_rate": done and x["rating"] is None})
        return Response.json({"items": out})
    if path == "/api/voice/rate" and request.method == "POST":
        d = request.json() or {}
        x = VOICES.get(d.get("no", ""))
        if not x or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        x["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "评价成功"})
    return Response.json({}, status=404)
