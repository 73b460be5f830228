"""zwfw — 南江掌上办 city-services H5 (bottom tabs + hash router). Fully compliant."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.zwfw.corpus.test": SampleHost(static=True),
    "api.zwfw.corpus.test": SampleHost(),
}

_SEQ = itertools.count(1)
CASES: dict[str, dict] = {}

SERVICES = [
    {"id": "s1", "name": "居民身份证补领预约", "dept": "市公安局", "days": 7},
    {"id": "s2", "name": "营业执照变更登记", "dept": "市市场监管局", "days": 3},
    {"id": "s3", "name": "城乡居民医保参保登记", "dept": "市医保局", "days": 1},
    {"id": "s4", "name": "住房公积金提取", "dept": "市住房公积金中心", "days": 2},
    {"id": "s5", "name": "新生儿出生一件事", "dept": "市卫健委", "days": 5},
    {"id": "s6", "name": "不动产登记资料查询", "dept": "市自然资源局", "days": 1},
]


def _view(c: dict) -> dict:
    done = time.time() - c["created"] >= 1.0
    return {
        "no": c["no"], "type": c["type"], "content": c["content"],
        "status": "已办结" if done else "已受理",
        "reply": "您好，您反映的问题已转交相关部门核实处理，感谢您的监督。" if done else "",
        "can_rate": done and c["rating"] is None, "rating": c["rating"],
        "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(c["created"])),
    }


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    path = request.path.split("?")[0]
    if host != "api.zwfw.corpus.test":
        return None
    if path == "/v1/services":
        return Response.json({"items": SERVICES})
    if path == "/v1/complaints" and request.method == "POST":
        data = request.json() or {}
        content = str(data.get("content", "")).strip()
        if len(content) < 2:
            return Response.json({"ok": False, "msg": "请填写诉求内容"}, status=400)
        no = "ZW%s%04d" % (time.strftime("%Y%m%d"), next(_SEQ))
        CASES[no] = {"no": no, "type": data.get("type", "投诉"), "content": content,
                     "phone": data.get("phone", ""), "created": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no, "msg": "提交成功，您的诉求已受理"})
    if path == "/v1/complaints" and request.method == "GET":
        return Response.json({"items": [_view(c) for c in reversed(list(CASES.values()))]})
    if path.startswith("/v1/complaints/"):
        parts = path.split("/")
        no = parts[3]
        c = CASES.get(no)
        if not c:
            return Response.json({"ok": False, "msg": "未找到该诉求"}, status=404)
        if len(parts) > 4 and parts[4] == "rating" and request.method == "POST":
            level = (request.json() or {}).get("level")
            if level not in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
                return Response.json({"ok": False, "msg": "请选择评价等级"}, status=400)
            c["rating"] = level
            return Response.json({"ok": True, "msg": "评价成功，感谢您的反馈"})
        return Response.json(_view(c))
    return Response.json({"ok": False, "msg": "not found"}, status=404)
