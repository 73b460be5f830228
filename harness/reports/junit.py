"""junit.xml: one testcase per app × device × check, for CI systems."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any


def build_junit(records: list[dict[str, Any]], name: str) -> ET.Element:
    counts = Counter(r["verdict"] for r in records)
    suite = ET.Element("testsuite", {
        "name": name, "tests": str(len(records)), "failures": str(counts["fail"]),
        "errors": str(counts["error"]), "skipped": str(counts["skip"]),
    })
    for record in records:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"{record['app']}.{record['device']}",
            "name": f"{record['check']}[{record['article']}]",
        })
        properties = ET.SubElement(case, "properties")
        for key in ("verdict", "article", "platform"):
            ET.SubElement(properties, "property", {"name": key, "value": str(record[key])})
        verdict = record["verdict"]
        if verdict == "fail":
            ET.SubElement(case, "failure", {"message": record["summary"]}).text = _evidence_text(record)
        elif verdict == "error":
            ET.SubElement(case, "error", {"message": record["summary"]})
        elif verdict == "skip":
            ET.SubElement(case, "skipped", {"message": record["summary"]})
        ET.SubElement(case, "system-out").text = f"[{verdict}] {record['summary']}"
    return suite


def _evidence_text(record: dict[str, Any]) -> str:
    lines = []
    for item in record["evidence"]:
        at = f"@{item['t']:.1f}s " if item.get("t") is not None else ""
        lines.append(f"{at}{item['kind']}: {item.get('note') or item.get('ref') or item.get('path', '')}")
    return "\n".join(lines)


def write_junit(records: list[dict[str, Any]], path: Path, name: str = "fingertip") -> None:
    tree = ET.ElementTree(build_junit(records, name))
    ET.indent(tree)
    temporary = path.with_suffix(".tmp")
    tree.write(temporary, encoding="utf-8", xml_declaration=True)
    temporary.replace(path)
