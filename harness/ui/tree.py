"""One normalised UI node for DOM, UiAutomator XML and HarmonyOS layout JSON.

Backends turn their native trees into a Screen; the explorer and the checks only ever see this.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Role = Literal["button", "link", "tab", "input", "textarea", "select", "file", "checkbox", "text", "other"]


@dataclass(frozen=True)
class UiNode:
    ref: str
    """Backend handle to act on the node (DOM marker, UiAutomator resource id / xpath, layout key)."""
    role: Role
    text: str
    hint: str = ""
    """Placeholder, label or content description: what an empty control is for."""
    clickable: bool = False
    editable: bool = False
    in_tabbar: bool = False
    covered: bool = False
    """Under a blocking dialog or overlay: a finger on it would reach the dialog instead."""
    bounds: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def label(self) -> str:
        return self.text or self.hint

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UiNode:
        return cls(**{**data, "bounds": tuple(data.get("bounds", (0, 0, 0, 0)))})


@dataclass(frozen=True)
class Screen:
    key: str
    """Where the app is: a web route, an Android activity, a HarmonyOS ability/page."""
    title: str
    nodes: tuple[UiNode, ...]
    texts: tuple[str, ...] = field(default=())
    """All visible text lines, in reading order."""
    outside: str = ""
    """Where the device shows something that is not the app (a page on a host outside the scenario's, the
    browser's own new-tab page, another app): its address. Empty on the app's own screens; never recorded."""
    images: tuple[str, ...] = field(default=())
    """Texts of pictures (an <img>'s alt): read out by a screen reader, seen only if the picture itself draws
    them — not among `texts`."""
    watching: bool = False
    """The app follows the device's position now (a watch it has not cleared). Told by backends that can see it
    (the web device's hook script); False elsewhere. Not part of the signature; never recorded."""

    def signature(self) -> str:
        """Same screen = same place and same controls (texts that tick, like clocks, are left out)."""
        controls = "|".join(f"{n.role}:{n.label}" for n in self.nodes)
        return hashlib.sha1(f"{self.key}#{controls}".encode()).hexdigest()[:12]

    @property
    def blocked(self) -> bool:
        """A dialog or overlay covers the page: only its own controls can be reached."""
        return any(n.covered for n in self.nodes)

    def actionable(self) -> list[UiNode]:
        return [n for n in self.nodes if n.clickable or n.editable or n.role == "file"]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "title": self.title, "nodes": [n.to_dict() for n in self.nodes],
                                "texts": list(self.texts)}
        if self.outside:
            data["outside"] = self.outside
        if self.images:
            data["images"] = list(self.images)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Screen:
        return cls(data["key"], data.get("title", ""), tuple(UiNode.from_dict(n) for n in data["nodes"]),
                   tuple(data.get("texts", ())), data.get("outside", ""), tuple(data.get("images", ())))
