"""jgoa — 南江协同办公 staff OA: on a phone-sized screen it refuses with '请在PC端访问'."""
from harness.samples.server import Request, Response, SampleHost

HOSTS = {"www.jgoa.corpus.test": SampleHost(static=True)}

DOCS = [{"title": "关于做好2026年春节假期值班工作的通知", "from": "市政府办公室"},
        {"title": "关于印发《机关公文处理办法》的通知", "from": "市政府办公室"}]


def handle(request: Request) -> Response | None:
    if request.path.split("?")[0] == "/api/docs":
        return Response.json({"items": DOCS})
    return None
