"""junit.xml: one testcase per app × device × check, for CI systems."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from harness.reports.decisions import decided_by, final_verdict


def build_junit(records: list[dict[str, Any]], name: str) -> ET.Element:
    """Outcomes follow the final verdict (a reviewer's decision, else the machine's); the machine verdict
    stays in the `verdict` property and a decided case says who decided."""
    counts = Counter(final_verdict(r) for r in records)
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
        verdict, decision, who = final_verdict(record), record.get("decision"), decided_by(record)
        ET.SubElement(properties, "property", {"name": "final_verdict", "value": verdict})
        if decision:
            for key, value in (("decided_by", decision["by"]), ("decided_at", decision["at"]),
                               ("decision_override", str(decision["override"]).lower()),
                               ("decision_note", decision["note"]),
                               ("carried_from", decision.get("carried_from") or "")):
                ET.SubElement(properties, "property", {"name": key, "value": value})
        message = f"{record['summary']}（{who}）" if who else record["summary"]
        if verdict == "fail":
            ET.SubElement(case, "failure", {"message": message}).text = _evidence_text(record)
        elif verdict == "error":
            ET.SubElement(case, "error", {"message": message})
        elif verdict == "skip":
            ET.SubElement(case, "skipped", {"message": message})
        out = f"[{verdict}] {record['summary']}"
        if decision:
            out += f"\n{who}：机器结论 {record['verdict']} → {decision['verdict']}；{decision['note']}"
        ET.SubElement(case, "system-out").text = out
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
