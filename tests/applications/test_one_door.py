"""No module but the one door (applications/services/proposals/transitions.py) changes a proposal's
status; the layering of the apps is a contract import-linter checks."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "allocations", "applications", "reviews")
DOOR = Path("applications/services/proposals/transitions.py")
# Write thousands of proposals in bulk for the benchmark figures (never a state change of a
# proposal someone holds), then rebuild the kept figures (cutoff_counts_rebuild) and what each
# proposal waits on (proposals_waiting_refresh).
EXEMPT = {
    Path("applications/benchmarks.py"),
    Path("reviews/benchmarks/decisions.py"),
    Path("reviews/benchmarks/ranking.py"),
    Path("reviews/benchmarks/workspace.py"),
}


def _mentions_proposal(node: ast.AST) -> bool:
    text = ast.unparse(node)
    return "proposal" in text.lower() or "ProposalStatus" in text


def status_writes(source: str) -> list[tuple[int, str]]:
    """Lines of `source` that set a proposal's status: `proposal.status = ...`, `setattr(...,
    "status", ...)`, `update(status=...)`/`create(status=...)`/`Proposal(status=...)` on proposals,
    and bulk updates naming the status field."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "status"
                    and (_mentions_proposal(target.value) or _mentions_proposal(node.value))
                ):
                    found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            keywords = {k.arg for k in node.keywords}
            if name == "setattr" and len(node.args) >= 2:
                field = node.args[1]
                if isinstance(field, ast.Constant) and field.value == "status":
                    found.append((node.lineno, ast.unparse(node)))
            elif name in ("update", "create", "get_or_create", "update_or_create", "Proposal"):
                if "status" in keywords and _mentions_proposal(func):
                    found.append((node.lineno, ast.unparse(node)))
            elif (
                name == "bulk_update" and "status" in ast.unparse(node) and _mentions_proposal(node)
            ):
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_the_scanner_finds_each_way_of_setting_a_status():
    source = """
proposal.status = ProposalStatus.AWARDED
p.status = ProposalStatus.REJECTED
Proposal.objects.filter(pk=1).update(status="eligible")
self.proposal.status = "awarded"
setattr(proposal, "status", "awarded")
Proposal.objects.create(status="submitted")
Proposal.objects.bulk_update(proposals, ["status"])
invitation.status = Invitation.Status.REVOKED
Invitation.objects.filter(pk=1).update(status="revoked")
"""
    assert sorted(line for line, _ in status_writes(source)) == [2, 3, 4, 5, 6, 7, 8]


def test_no_module_but_the_door_sets_a_proposal_status():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative in EXEMPT or relative == DOOR:
                continue
            for line, code in status_writes(path.read_text()):
                offenders.append(f"{relative}:{line}: {code}")
    assert offenders == [], "Change a proposal's status through proposal_transition:\n" + "\n".join(
        offenders
    )
    assert status_writes((ROOT / DOOR).read_text()), "the door itself should be found"


def test_the_layers_contract_holds():
    """reviews -> applications -> allocations -> portal (pyproject.toml [tool.importlinter])."""
    executable = Path(sys.executable).with_name("lint-imports")
    command = str(executable) if executable.exists() else shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports is missing: install the dev extra (import-linter)")
    result = subprocess.run(  # noqa: S603 - our own tool, no user input
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout
