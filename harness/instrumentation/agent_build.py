"""The Frida agent, compiled offline from agent/src (TypeScript) against npm frida-java-bridge.

frida's own compiler type-checks and bundles it; the result is cached by the hash of the sources,
the lock file and the frida version, so a sweep compiles it once.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import frida

from harness.errors import HostError

AGENT_DIR = Path(__file__).resolve().parent / "agent"
ENTRY = "src/index.ts"
_lock = threading.Lock()


class AgentBuildError(HostError):
    """The agent did not compile; `diagnostics` holds the compiler's messages (file:line: text)."""

    def __init__(self, message: str, diagnostics: list[str] | None = None) -> None:
        self.diagnostics = diagnostics or []
        super().__init__("\n".join([message, *self.diagnostics]))


def _fingerprint(agent_dir: Path) -> str:
    digest = hashlib.sha256(frida.__version__.encode())
    inputs = [*(agent_dir / "src").rglob("*.ts"), agent_dir / "package-lock.json", agent_dir / "tsconfig.json"]
    for path in sorted(inputs):
        digest.update(path.relative_to(agent_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def compiled_agent(agent_dir: Path = AGENT_DIR) -> str:
    """The agent's JavaScript, compiling it when its sources changed."""
    if not (agent_dir / "node_modules" / "frida-java-bridge" / "package.json").exists():
        raise AgentBuildError(f"{agent_dir}/node_modules has no frida-java-bridge: run ./setup.sh install "
                              "(npm install --ignore-scripts in that folder)")
    with _lock:
        cached = agent_dir / "_build" / f"agent-{_fingerprint(agent_dir)}.js"
        if cached.exists():
            return cached.read_text(encoding="utf-8")
        diagnostics: list[str] = []

        def collect(items: list[Any]) -> None:
            for d in items:
                where = d.get("file") or {}
                diagnostics.append(f"{where.get('path', '?')}:{int(where.get('line', 0)) + 1}: {d.get('text', '')}")

        compiler = frida.Compiler()
        compiler.on("diagnostics", collect)
        try:
            source = compiler.build(ENTRY, project_root=str(agent_dir), source_maps="omitted")
        except frida.InvalidArgumentError as e:
            raise AgentBuildError(f"the Frida agent in {agent_dir} does not compile ({e})", diagnostics) from e
        cached.parent.mkdir(exist_ok=True)
        for old in cached.parent.glob("agent-*.js"):
            old.unlink()
        temporary = cached.with_suffix(".tmp")
        temporary.write_text(source, encoding="utf-8")
        temporary.replace(cached)
        return source
