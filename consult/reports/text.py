"""The plain writers: JSON (open data), CSV (one row per item, for Excel) and Markdown (for a web page or a message)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from consult.reports.inert import csv_value, markdown_text


def decision_text(item: dict[str, Any], labels: dict[str, str]) -> str:
    """The reasoned response of an item, in the report's words."""
    decision = item.get("decision")
    if decision == "retained":
        return labels["retained"] % {"numbers": ", ".join(str(n) for n in item["recommendations"])}
    if decision == "merged":
        return labels["merged"] % {"id": item["merged_into"]}
    if decision == "not_retained":
        return labels["not_retained"] % {"reason": item.get("reason") or ""}
    return labels["undecided"]


def all_items(outcome: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(axis, item) for every item shown, problems each followed by their solutions."""
    for axis in outcome["axes"]:
        for problem in axis["problems"]:
            yield axis, problem
            for solution in problem["solutions"]:
                yield axis, solution
        for solution in axis["solutions_without_problem"]:
            yield axis, solution


def write_json(outcome: dict[str, Any]) -> bytes:
    return json.dumps(outcome, ensure_ascii=False, indent=2).encode()


CSV_COLUMNS = ("axis", "group", "id", "kind", "parent_id", "text", "votes", "decision", "decision_text", "created_at")


def write_csv(outcome: dict[str, Any]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens Arabic correctly."""
    labels = outcome["labels"]
    columns = [*CSV_COLUMNS, *(["author"] if not outcome["public"] else [])]
    columns += ["public_url"] if outcome.get("public_url") else []
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for axis, item in all_items(outcome):
        row = {
            **item,
            "axis": axis["name"],
            "decision_text": decision_text(item, labels),
            "public_url": outcome.get("public_url"),
        }
        writer.writerow([csv_value(row.get(c)) for c in columns])
    return ("\ufeff" + out.getvalue()).encode()


def _cell(value: Any) -> str:
    return markdown_text(value).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def attendance_rows(outcome: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The category × gender table, with its header, in the report's words."""
    labels = outcome["labels"]
    header = [labels["category"], labels["female"], labels["male"], labels["not_given"], labels["total"]]
    rows = [
        [labels.get(f"category.{key}", labels["not_given"]), row["female"], row["male"], row["not_given"], row["total"]]
        for key, row in outcome["attendance"]["by_category_gender"].items()
    ]
    return header, rows


def recommendation_rows(outcome: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    labels = outcome["labels"]
    keys = (
        "number",
        "axis",
        "title",
        "principle",
        "priority",
        "responsible",
        "partners",
        "horizon",
        "budget",
        "indicator",
    )
    header = [labels[k] for k in keys]
    return header, [[r.get(k) for k in keys] for r in outcome["recommendations"]]


def write_markdown(outcome: dict[str, Any]) -> bytes:
    labels, workshop = outcome["labels"], outcome["workshop"]
    commune = workshop["commune"]
    rtl = outcome["direction"] == "rtl"
    commune_name = commune["name_ar"] if rtl else commune["name_fr"]
    lines = [f"# {labels['report']}: {markdown_text(workshop['title'])}", ""]
    for key, value in (
        ("commune", commune_name),
        ("date", workshop["when"]["date"]),
        ("start", workshop["when"]["start"]),
        ("end", workshop["when"]["end"]),
        ("venue", workshop["venue"]),
        ("facilitator", workshop["facilitator"]),
        ("axes", ("، " if rtl else ", ").join(workshop["axes"])),
        ("principles", " · ".join(workshop["principles"])),
    ):
        if value:
            lines.append(f"- **{labels[key]}**: {markdown_text(value)}")
    if outcome.get("public_url"):
        lines.append(f"- **{labels['public_page']}**: <{outcome['public_url']}>")
    if outcome["public"]:
        lines += ["", f"_{labels['public_version']}_"]
    lines += [
        "",
        f"## {labels['attendance']}",
        "",
        f"{labels['participants']}: {outcome['attendance']['participants']}",
        "",
    ]
    lines += _table(*attendance_rows(outcome))
    if outcome["attendance"]["scribe_items"]:
        lines += [f"{labels['scribe_items']}: {outcome['attendance']['scribe_items']}", ""]
    for axis in outcome["axes"]:
        lines += [f"## {labels['axis']}: {markdown_text(axis['name'])}", ""]
        for problem in axis["problems"]:
            lines.append(
                f"- **{labels['problem']} #{problem['id']}** ({labels['votes']}: {problem['votes']}) "
                + markdown_text(problem["text"])
            )
            lines.append(f"  - _{markdown_text(decision_text(problem, labels))}_")
            for solution in problem["solutions"]:
                lines.append(
                    f"  - {labels['solution']} #{solution['id']} ({labels['votes']}: {solution['votes']}) "
                    + markdown_text(solution["text"])
                )
                lines.append(f"    - _{markdown_text(decision_text(solution, labels))}_")
        for solution in axis["solutions_without_problem"]:
            lines.append(
                f"- {labels['solution']} #{solution['id']} ({labels['votes']}: {solution['votes']}) "
                + markdown_text(solution["text"])
            )
        if axis["hidden_items"]:
            lines.append(f"- _{labels['hidden_items'] % {'count': axis['hidden_items']}}_")
        lines.append("")
    lines += [f"## {labels['recommendations']}", ""]
    for rec in outcome["recommendations"]:
        lines.append(f"{rec['number']}. **{markdown_text(rec['title'])}** ({markdown_text(rec['axis'])})")
        if rec.get("body"):
            lines.append(f"   {markdown_text(rec['body'])}")
        details = [
            f"{labels[k]}: {markdown_text(rec[k])}"
            for k in ("principle", "priority", "responsible", "partners", "horizon", "deadline", "budget", "indicator")
            if rec.get(k)
        ]
        if details:
            lines.append("   " + " · ".join(details))
    lines.append("")
    return "\n".join(lines).encode()
