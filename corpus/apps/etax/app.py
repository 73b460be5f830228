"""etax — Nanjiang e-Tax H5 in English (splash agreement first). Fully compliant."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.etax.corpus.test": SampleHost(static=True),
    "api.etax.corpus.test": SampleHost(),
    "static4.etax.corpus.test": SampleHost(),  # name says "4" but it is dual-stack
}

LOGO = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#0b3d91"/>
<text x="32" y="41" font-size="24" text-anchor="middle" fill="#fff" font-family="sans-serif">TAX</text></svg>"""

_SEQ = itertools.count(1)
CASES: dict[str, dict] = {}
LEVELS = ("Very satisfied", "Satisfied", "Fairly satisfied", "Dissatisfied", "Very dissatisfied")


def _pub(c: dict) -> dict:
    done = time.time() - c["created"] > 2
    return {"case_no": c["case_no"], "topic": c["topic"], "message": c["message"],
            "status": "Resolved" if done else "Accepted",
            "reply": "Thank you. The e-invoice download issue has been fixed in release 5.1." if done else "",
            "rating": c["rating"], "can_rate": done and c["rating"] is None}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    path = request.path.split("?")[0]
    if host == "static4.etax.corpus.test":
        if path == "/logo.svg":
            return Response(status=200, body=LOGO, headers={"Content-Type": "image/svg+xml", "Cache-Control": "max-age=3600"})
        return Response(status=404, body=b"not found")
    if host != "api.etax.corpus.test":
        return None
    if path == "/iit":
        income = float((request.query.get("income") or ["0"])[0] or 0)
        taxable = max(0.0, income * 12 - 60000)
        brackets = [(36000, .03, 0), (144000, .10, 2520), (300000, .20, 16920), (420000, .25, 31920),
                    (660000, .30, 52920), (960000, .35, 85920), (float("inf"), .45, 181920)]
        for cap, rate, ded in brackets:
            if taxable <= cap:
                return Response.json({"annual_tax": round(taxable * rate - ded, 2), "rate": rate})
    if path == "/invoice":
        code = (request.query.get("code") or [""])[0]
        return Response.json({"valid": len(code) >= 8, "code": code})
    if path == "/feedback" and request.method == "POST":
        d = request.json() or {}
        msg = str(d.get("message", "")).strip()
        if not msg:
            return Response.json({"ok": False, "error": "Please enter your message."}, status=400)
        case_no = "FB-%s-%04d" % (time.strftime("%Y%m%d"), next(_SEQ))
        CASES[case_no] = {"case_no": case_no, "topic": d.get("topic", "Other"), "message": msg,
                          "email": d.get("email", ""), "created": time.time(), "rating": None}
        return Response.json({"ok": True, "case_no": case_no})
    if path == "/feedback" and request.method == "GET":
        return Response.json({"items": [_pub(c) for c in reversed(list(CASES.values()))]})
    if path == "/feedback/rate" and request.method == "POST":
        d = request.json() or {}
        c = CASES.get(d.get("case_no", ""))
        if not c or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "error": "Invalid rating"}, status=400)
        c["rating"] = d["level"]
        return Response.json({"ok": True})
    return Response.json({"error": "not found"}, status=404)
