"""`fingertip`: sweep / doctor / recheck / report — thin, over pytest and the report writers."""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.checks.base import ARTICLE_LABEL, ARTICLES
from harness.config.farm import load_farm
from harness.config.scenario import load_scenarios
from harness.errors import ConfigError, FingertipError

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3
VERDICT_STYLE = {"pass": "green", "fail": "red", "review": "yellow", "error": "magenta", "skip": "dim"}
console = Console(width=max(Console().width, 132))  # the verdict matrix needs the room, even in CI logs


class ProgressReporter:
    """A pytest plugin object: one progress bar tick per app × device × check."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.task = self.progress.add_task("sweep", total=len(items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if self.task is None:
            self.task = self.progress.add_task("sweep", total=len(ids))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.task is None:
            return
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.progress.update(self.task, advance=1, description=report.nodeid.split("/")[-1][:60])


def cmd_sweep(args: argparse.Namespace) -> int:
    if args.store is not None and not args.cluster:
        console.print("[red]--store is for --cluster sweeps (a local sweep writes its run folders under --out)[/red]")
        return EXIT_USAGE
    try:
        farm = None if args.cluster else load_farm(args.farm)  # a cluster's farm: its workers' devices
        scenarios = load_scenarios([Path(s) for s in args.scenarios], args.allow_serve_anywhere)
    except ConfigError as e:
        console.print(f"[red]配置错误[/red] {e}")
        return EXIT_USAGE
    if not scenarios:
        console.print(f"[red]no scenarios in {', '.join(args.scenarios)}[/red]")
        return EXIT_USAGE
    if args.resume:
        sweep_dir = resumed_sweep(Path(args.out), args.resume)
        if sweep_dir is None:
            console.print(f"[red]--resume {args.resume}: no sweep folder with runs/ there[/red]")
            return EXIT_USAGE
    else:
        sweep_dir = Path(args.out).resolve() / (time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2))
    if farm is None:
        from harness.cluster.cli import sweep_on_cluster

        code = sweep_on_cluster(args, scenarios, sweep_dir, console)
        return code if code is not None else sweep_finished(args, sweep_dir, None)
    console.print(f"指尖 Fingertip: {len(scenarios)} apps × {len(farm.devices)} devices → {sweep_dir}"
                  + ("（续跑）" if args.resume else ""))
    pytest_args = [*(str(s.path) for s in scenarios), "--ft-farm", str(Path(args.farm).resolve()),
                   "--ft-out", str(Path(args.out).resolve()), "--ft-sweep-dir", str(sweep_dir),
                   "-p", "no:cacheprovider", "-qq", "--no-header", "--no-summary", "--tb=no",
                   "--rootdir", str(Path.cwd())]
    if args.workers:
        pytest_args += ["-n", str(args.workers), "--dist", "loadgroup"]
    if args.no_redact:
        pytest_args.append("--ft-no-redact")
    if args.resume:
        pytest_args.append("--ft-resume")
    if args.allow_serve_anywhere:
        pytest_args.append("--ft-allow-serve-anywhere")
    pytest_args += ["--ft-retries", str(args.retries)]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        code = pytest.main(pytest_args, plugins=[ProgressReporter(progress)])
    return sweep_finished(args, sweep_dir, int(code))


def sweep_finished(args: argparse.Namespace, sweep_dir: Path, pytest_code: int | None) -> int:
    results = sweep_dir / "results.json"
    if not results.exists():
        console.print("[red]the sweep wrote no results" + (f" (pytest exit {pytest_code})" if pytest_code is not None
                                                           else "") + "[/red]")
        return EXIT_INFRA
    records = json.loads(results.read_text(encoding="utf-8"))
    print_summary(records)
    console.print(f"报告: {sweep_dir / 'index.html'}  ·  results.json  ·  junit.xml")
    if args.gate:
        return gate(records, args.gate)
    return EXIT_INFRA if any(r["verdict"] == "error" for r in records) else EXIT_OK


def resumed_sweep(out: Path, given: str) -> Path | None:
    """The sweep folder --resume names: a path, a folder name under --out, or `latest`."""
    for candidate in (Path(given), out / given):
        if (candidate / "runs").is_dir():
            return candidate.resolve()
    return None


def gate(records: list[dict[str, Any]], policy_path: str) -> int:
    from harness.reports.decisions import decided_by, final_verdict
    from harness.reports.gate import blockers, load_policy

    try:
        policy = load_policy(Path(policy_path))
    except ConfigError as e:
        console.print(f"[red]配置错误[/red] {e}")
        return EXIT_USAGE
    blocking = blockers(records, policy)
    for r in blocking:
        who = decided_by(r)
        console.print(f"[red]阻断验收[/red] {r['app']}@{r['device']} {ARTICLE_LABEL[r['article']]} "
                      f"[{final_verdict(r)}] {r['summary']}" + (f"（{who}）" if who else ""))
    console.print("验收门禁：" + ("[red]不通过[/red]" if blocking else "[green]通过[/green]")
                  + f"（{len(blocking)} 项阻断，策略 {policy_path}）")
    return EXIT_ERRORS if blocking else EXIT_OK


def cmd_gate(args: argparse.Namespace) -> int:
    results = Path(args.sweep) / "results.json"
    if not results.is_file():
        console.print(f"[red]{results}: no results.json (run a sweep first)[/red]")
        return EXIT_USAGE
    return gate(json.loads(results.read_text(encoding="utf-8")), args.policy)


def print_summary(records: list[dict[str, Any]]) -> None:
    articles = [a for a in ARTICLES if any(r["article"] == a for r in records)]
    table = Table(title="检测结果")
    table.add_column("应用")
    table.add_column("设备")
    for article in articles:
        table.add_column(ARTICLE_LABEL[article])
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for r in records:
        final = r.get("final_verdict") or r["verdict"]
        cells.setdefault((r["app"], r["device"]), {})[r["article"]] = final + ("✎" if r.get("decision") else "")
    for (app, device), verdicts in cells.items():
        row = [f"[{VERDICT_STYLE[verdicts[a].rstrip('✎')]}]{verdicts[a]}[/]" if a in verdicts else ""
               for a in articles]
        table.add_row(app, device, *row)
    console.print(table)


def cmd_doctor(args: argparse.Namespace) -> int:
    from harness.doctor import backend_ready, diagnose

    findings = diagnose()
    table = Table(title="fingertip doctor")
    for column in ("backend", "what", "state", "install"):
        table.add_column(column)
    for f in findings:
        state = f"[green]ok[/green] {f.detail}" if f.ok else f"[red]missing[/red] {f.detail}"
        table.add_row(f.backend, f.what, state, "" if f.ok else f.install)
    console.print(table)
    from harness.devices.registry import BACKENDS

    for backend in ("web", "android", "harmony", "frida"):
        ready = backend_ready(findings, backend)
        driven = backend == "frida" or any(b.doctor == backend for b in BACKENDS.values())
        note = "" if driven else " (no backend in this version yet)"
        note += " (no runtime hooks: Frida does not support HarmonyOS NEXT)" if backend == "harmony" else ""
        console.print(f"{backend}: {'[green]can drive[/green]' if ready else '[red]cannot drive[/red]'}{note}")
    return EXIT_OK if backend_ready(findings, "web") else EXIT_ERRORS


def cmd_recheck(args: argparse.Namespace) -> int:
    from harness.checks.registry import checks_for
    from harness.observe.model import Observations
    from harness.reports.results import judge, write_cell
    from harness.reports.sweep import write_reports

    sweep_dir = Path(args.sweep).resolve()
    cells = sorted((sweep_dir / "runs").glob("*/observations.json"))
    if not cells:
        console.print(f"[red]{sweep_dir}: no recorded runs (runs/*/observations.json)[/red]")
        return EXIT_USAGE
    for path in cells:
        observations = Observations.load(path.parent)
        cell_dir = path.parent.relative_to(sweep_dir).as_posix()
        checks = checks_for(observations.platform)
        write_cell(path.parent, judge(observations, checks, cell_dir))
    print_summary(write_reports(sweep_dir, rebuild_pages=True))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from harness.reports.sweep import write_reports

    sweep_dir = Path(args.sweep).resolve()
    if not (sweep_dir / "runs").is_dir():
        console.print(f"[red]{sweep_dir}: not a sweep folder (no runs/)[/red]")
        return EXIT_USAGE
    print_summary(write_reports(sweep_dir, rebuild_pages=True))
    return EXIT_OK


def cmd_devices(args: argparse.Namespace) -> int:
    from harness.devices.health import health

    try:
        farm = load_farm(args.farm)
    except ConfigError as e:
        console.print(f"[red]配置错误[/red] {e}")
        return EXIT_USAGE
    found = [health(spec) for spec in farm.devices]
    if args.json:
        print(json.dumps([h.to_dict() for h in found], ensure_ascii=False, indent=1))
    else:
        table = Table(title=f"设备 {args.farm}")
        for column in ("id", "kind", "state", "facts", "problems"):
            table.add_column(column)
        for h in found:
            style = "green" if h.ok else ("yellow" if h.state == "degraded" else "red")
            facts = " ".join(f"{k}={v}" for k, v in h.facts.items() if v)
            table.add_row(h.id, h.kind, f"[{style}]{h.state}[/]", facts, "\n".join(h.problems))
        console.print(table)
    return EXIT_OK if all(h.ok for h in found) else EXIT_ERRORS


def cmd_probe(args: argparse.Namespace) -> int:
    from harness.devices.probe import probe

    try:
        farm = load_farm(args.farm)
        spec = farm.device(args.device)
    except ConfigError as e:
        console.print(f"[red]配置错误[/red] {e}")
        return EXIT_USAGE
    except KeyError:
        console.print(f"[red]no device {args.device!r} in {args.farm}[/red] (fingertip devices lists them)")
        return EXIT_USAGE
    try:
        results = probe(spec, Path(args.record), Path(args.app) if args.app else None)
    except FingertipError as e:
        console.print(f"[red]{e}[/red]")
        return EXIT_INFRA
    table = Table(title=f"{spec.id} → {args.record}")
    for column in ("file / step", "parsed as", "problem"):
        table.add_column(column)
    for r in results:
        # What a device or an app printed is shown as text, never read as markup.
        problem = f"[red]{escape(r.problem)}[/red]" if r.problem else ""
        table.add_row(escape(r.file or r.command), escape(r.parsed), problem)
    console.print(table)
    return EXIT_OK if not any(r.problem for r in results) else EXIT_ERRORS


def cmd_inspect(args: argparse.Namespace) -> int:
    from harness.static.facts import DeviceFacts, PackageError, precheck
    from harness.static.inspect import read_package

    try:
        facts = read_package(Path(args.package))
    except PackageError as e:
        console.print(f"[red]{e}[/red]")
        return EXIT_USAGE
    target = DeviceFacts(args.api, tuple(args.abi)) if args.api else None
    issues = precheck(facts, target)
    if args.json:
        print(json.dumps({"package": facts.to_dict(), "device": target.__dict__ if target else None,
                          "issues": [i.to_dict() for i in issues]}, ensure_ascii=False, indent=1))
    else:
        table = Table(title=str(args.package), show_header=False)
        for key, value in facts.to_dict().items():
            if value not in (None, "", (), [], {}):
                table.add_row(key, "\n".join(value) if isinstance(value, list | tuple) else str(value))
        console.print(table)
        for issue in issues:
            colour = "red" if issue.severity == "blocking" else "yellow"
            console.print(f"[{colour}]{issue.severity}[/] {issue.code}: {issue.message}")
    return EXIT_ERRORS if any(i.severity == "blocking" for i in issues) else EXIT_OK


def cmd_trend(args: argparse.Namespace) -> int:
    from harness.reports.trend import compare

    sweep_dir = Path(args.sweep).resolve()
    if not (sweep_dir / "results.json").is_file():
        console.print(f"[red]{sweep_dir}: no results.json (run a sweep first)[/red]")
        return EXIT_USAGE
    previous = Path(args.against).resolve() if args.against else None
    trend = compare(sweep_dir, previous)
    if args.json:
        print(json.dumps(trend, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not trend["previous"]:
        console.print("没有更早的扫描可比较。")
        return EXIT_OK
    console.print(f"{trend['sweep']} 对比 {trend['previous']}")
    for title, key, style in (("新增不通过", "new_failures", "red"), ("已修复", "fixed", "green"),
                              ("其他变化", "changed", "yellow"), ("不稳定", "flaky", "magenta")):
        for t in trend[key]:
            console.print(f"[{style}]{title}[/] {t['app']}@{t['device']} {t['check']}: {t['before']} → {t['now']}"
                          + (f"  ({' → '.join(t['history'])})" if "history" in t else ""))
    return EXIT_OK


def sweep_folder(reports: str, given: str) -> Path:
    """SWEEP as --resume finds it (a path, a folder name under the reports folder, or `latest`), or a
    ConfigError naming what was looked for."""
    found = resumed_sweep(Path(reports), given)
    if found is None:
        raise ConfigError(given, None, f"no sweep folder with runs/ there (nor under {reports}/)")
    return found


def cmd_decide(args: argparse.Namespace) -> int:
    from harness.reports.decisions import DECISIONS, append_decision, new_decision
    from harness.reports.results import gather
    from harness.reports.sweep import write_reports

    if len(args.cell) not in (3, 4):
        console.print(f"[red]decide: expected [SWEEP] APP DEVICE ARTICLE, got {len(args.cell)} argument(s)[/red]")
        return EXIT_USAGE
    given, (app, device, article) = (args.cell[0] if len(args.cell) == 4 else "latest"), args.cell[-3:]
    try:
        sweep_dir = sweep_folder(args.reports, given)
        decision = new_decision(sweep_dir, gather(sweep_dir), app, device, article, args.verdict, args.by,
                                args.note, args.override)
    except ConfigError as e:
        console.print(f"[red]decide[/red] {e}")
        return EXIT_USAGE
    # The sweep keeps its own decisions; the reports folder's store is what later sweeps and exports read.
    append_decision(sweep_dir / DECISIONS, decision)
    append_decision(sweep_dir.parent / DECISIONS, decision)
    write_reports(sweep_dir, latest=False)  # results.json, junit.xml, trend, the index and the cell's page
    overruled = f"，推翻机器结论 {decision.based_on.machine_verdict}" if decision.override else ""
    console.print(f"已记录：{app}@{device} {ARTICLE_LABEL[article]} → {decision.verdict}（{decision.by}，"
                  f"{decision.at}{overruled}）")
    return EXIT_OK


def cmd_decisions(args: argparse.Namespace) -> int:
    from harness.reports.decisions import export_decisions, import_decisions
    from harness.reports.results import write_atomic

    reports = Path(args.reports)
    if args.action == "export":
        known = export_decisions(reports)
        for problem in known.problems:
            print(f"warning: {problem}", file=sys.stderr)
        text = "".join(d.model_dump_json() + "\n" for d in known.decisions)
        if args.out:
            write_atomic(Path(args.out), text)
            console.print(f"导出 {len(known.decisions)} 条审核结论 → {args.out}")
        else:
            sys.stdout.write(text)
        return EXIT_OK
    try:
        added, already = import_decisions(reports, Path(args.file))
    except ConfigError as e:
        console.print(f"[red]decisions import[/red] {e}")
        return EXIT_USAGE
    console.print(f"导入 {added} 条审核结论（已有 {already} 条）→ {reports / 'decisions.jsonl'}")
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from harness.reports.review_server import ReviewServer

    try:
        sweep_dir = sweep_folder(args.reports, args.sweep)
    except ConfigError as e:
        console.print(f"[red]review[/red] {e}")
        return EXIT_USAGE
    with ReviewServer(sweep_dir, args.port) as server:
        console.print(f"审核页面（仅本机，令牌仅本次有效）：{server.url}\nCtrl-C 结束。", soft_wrap=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from harness.reports.export import PdfError, export_app

    try:
        written = export_app(sweep_folder(args.reports, args.sweep), args.app,
                             Path(args.out) if args.out else None, args.pdf)
    except ConfigError as e:
        console.print(f"[red]export[/red] {e}")
        return EXIT_USAGE
    except PdfError as e:
        console.print(f"[red]export --pdf[/red] {e}")
        return EXIT_INFRA
    console.print("技术检测报告：" + " · ".join(str(p) for p in written), soft_wrap=True)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="fingertip", description="指尖 Fingertip: 政务移动应用技术检测")
    verbs = root.add_subparsers(dest="verb", required=True)
    sweep = verbs.add_parser("sweep", help="run every scenario on every device of the farm")
    sweep.add_argument("--farm", default="device_farm.yaml")
    sweep.add_argument("--scenarios", nargs="+", default=["scenarios"], metavar="DIR|FILE")
    sweep.add_argument("--out", default="reports")
    sweep.add_argument("-n", dest="workers", type=int, default=0, help="pytest-xdist workers (0: in process)")
    sweep.add_argument("--gate", metavar="POLICY", help="exit 1 when a blocking check fails (acceptance_policy.yaml)")
    sweep.add_argument("--resume", nargs="?", const="latest", metavar="SWEEP",
                       help="continue an interrupted sweep (default: the latest): finished cells are kept")
    sweep.add_argument("--retries", type=int, default=1, help="times a cell is tried again after a device fault")
    sweep.add_argument("--no-redact", action="store_true",
                       help="keep personal data and tokens unmasked in observations and reports (local debugging)")
    sweep.add_argument("--allow-serve-anywhere", action="store_true",
                       help="let a scenario's `serve:` run an app.py outside the project's samples/ and corpus/")
    sweep.set_defaults(func=cmd_sweep)
    from harness.cluster.cli import add_sweep_options, add_verbs

    add_sweep_options(sweep)
    add_verbs(verbs)
    devices = verbs.add_parser("devices", help="list the farm and health-check each entry (no app is run)")
    devices.add_argument("--farm", default="device_farm.yaml")
    devices.add_argument("--json", action="store_true")
    devices.set_defaults(func=cmd_devices)
    probe = verbs.add_parser("probe", help="record a real device's outputs as fixtures and show how they parse "
                                           "(nothing is installed or started)")
    probe.add_argument("device", help="a farm entry's id (an android phone or a harmony target)")
    probe.add_argument("--farm", default="device_farm.yaml")
    probe.add_argument("--record", required=True, metavar="DIR", help="folder for the outputs and PROVENANCE.md")
    probe.add_argument("--app", metavar="PACKAGE", help="an .apk / .hap / .app to install and run once, briefly: "
                                                        "every backend operation on this device")
    probe.set_defaults(func=cmd_probe)
    inspect = verbs.add_parser("inspect", help="static precheck of an APK / HAP / APP: what it declares and needs")
    inspect.add_argument("package", help="an .apk (or .hap / .app) file")
    inspect.add_argument("--json", action="store_true")
    inspect.add_argument("--api", type=int, help="check against a device with this API level …")
    inspect.add_argument("--abi", action="append", default=[], help="… and these ABIs (repeatable)")
    inspect.set_defaults(func=cmd_inspect)
    doctor = verbs.add_parser("doctor", help="which backends this machine can drive, and what is missing")
    doctor.set_defaults(func=cmd_doctor)
    recheck = verbs.add_parser("recheck", help="run the checks again on a sweep's recorded observations")
    recheck.add_argument("sweep", nargs="?", default="reports/latest")
    recheck.set_defaults(func=cmd_recheck)
    gate_verb = verbs.add_parser("gate", help="验收 gating: exit 1 when a blocking check of a sweep fails")
    gate_verb.add_argument("sweep", nargs="?", default="reports/latest")
    gate_verb.add_argument("--policy", default="acceptance_policy.yaml")
    gate_verb.set_defaults(func=cmd_gate)
    trend = verbs.add_parser("trend", help="a sweep against the previous ones: new failures, fixed, flaky cells")
    trend.add_argument("sweep", nargs="?", default="reports/latest")
    trend.add_argument("--against", metavar="SWEEP", help="compare with this sweep (default: the one before)")
    trend.add_argument("--json", action="store_true")
    trend.set_defaults(func=cmd_trend)
    report = verbs.add_parser("report", help="rebuild a sweep's results.json, junit.xml and index.html")
    report.add_argument("sweep", nargs="?", default="reports/latest")
    report.set_defaults(func=cmd_report)
    decide = verbs.add_parser(
        "decide", help="record a reviewer's decision on a cell's article (append-only)",
        usage="fingertip decide [SWEEP] APP DEVICE ARTICLE --verdict pass|fail --by NAME [--note TEXT] "
              "[--override] [--reports DIR]")
    decide.add_argument("cell", nargs="+", metavar="ARG",
                        help="[SWEEP] APP DEVICE ARTICLE; SWEEP: a sweep folder or its name under --reports "
                             "(default: latest)")
    decide.add_argument("--verdict", required=True, choices=("pass", "fail"))
    decide.add_argument("--by", required=True, help="the reviewer's name")
    decide.add_argument("--note", default="", help="why (shown in the report)")
    decide.add_argument("--override", action="store_true",
                        help="allow deciding a cell whose machine verdict is not review (shown as an override)")
    decide.add_argument("--reports", default="reports", help="the reports folder SWEEP is looked up in")
    decide.set_defaults(func=cmd_decide)
    review = verbs.add_parser("review", help="serve a sweep's report on 127.0.0.1 to decide review cells in it")
    review.add_argument("sweep", nargs="?", default="latest", help="a sweep folder or its name under --reports")
    review.add_argument("--reports", default="reports")
    review.add_argument("--port", type=int, default=0, help="default: a free port")
    review.set_defaults(func=cmd_review)
    export_verb = verbs.add_parser("export", help="an app's formal 技术检测报告 from a sweep (HTML; --pdf: also PDF)")
    export_verb.add_argument("sweep", nargs="?", default="latest", help="a sweep folder or its name under --reports")
    export_verb.add_argument("--app", required=True, help="the app's scenario id")
    export_verb.add_argument("--pdf", action="store_true", help="also print it to PDF with the installed Chromium")
    export_verb.add_argument("--out", metavar="FILE", help="the HTML file (default: SWEEP/export/APP.html)")
    export_verb.add_argument("--reports", default="reports")
    export_verb.set_defaults(func=cmd_export)
    decisions = verbs.add_parser("decisions", help="export / import a reports folder's reviewer decisions")
    moves = decisions.add_subparsers(dest="action", required=True)
    export = moves.add_parser("export", help="every decision of the reports folder, as JSON lines")
    export.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    export.add_argument("--reports", default="reports")
    export.set_defaults(func=cmd_decisions)
    import_ = moves.add_parser("import", help="add a file's decisions to the reports folder's store")
    import_.add_argument("file", metavar="FILE")
    import_.add_argument("--reports", default="reports")
    import_.set_defaults(func=cmd_decisions)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
