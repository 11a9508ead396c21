"""The meeting pack PDF: it opens, has every section and the charts as images, and anonymized names no client."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from grading.charts.overview import grade_mix_chart
from grading.cli import main
from grading.views.overview import grade_mix
from grading.scoring.portfolio import grade_portfolio
from grading.report import SECTIONS, build_pack, render_pdf
from grading.report.fonts import PackFont, find_font
from grading.review import sessions
from grading.review.playbook import plan_steps
from grading.db.store import Store

AS_OF = date.today()
#: A lift plan's owner whose name Windows-1252 cannot print: it shows whether the pack's font is a Unicode one.
OWNER = "Łukasz Tech"


@pytest.fixture(scope="module")
def reviewed_demo(demo_database_template, tmp_path_factory):
    """The demo book (with its model) and a review session: a firing, a lift plan, notes quoting a client's name.

    Made once for the module: the tests only read the book (and the packs made of it, below).
    """
    folder = tmp_path_factory.mktemp("reviewed-demo")
    shutil.copytree(demo_database_template, folder, dirs_exist_ok=True)
    demo_db = folder / "portfolio.duckdb"
    with Store(demo_db) as store:
        portfolio = grade_portfolio(store, AS_OF, models_dir=folder / "models", explain=False)
        worst = portfolio.sort_values("rule_score")["client_id"].tolist()[:4]
        named = portfolio.set_index("client_id").at[worst[1], "name"]
        session = sessions.create_session(store, f"Review of {named}", AS_OF, ["Anna Coach", named], worst)
        sessions.record_decision(store, session.session_id, worst[0], "fire", notice_months=2,
                                 handover_note=f"Hand the keys of {named} back")
        sessions.record_decision(
            store, session.session_id, worst[1], "lift",
            plan_steps=[*plan_steps(["electronic_payment"]), f"Call {named} weekly"],
            owner=OWNER, due_on=AS_OF + timedelta(days=30), note=f"{named} promised to pay",
        )
        names = store.query("SELECT client_id, name FROM clients")
        store.checkpoint()
    return demo_db, session.session_id, names


def pdf_text(payload: bytes) -> tuple[str, dict, int]:
    reader = PdfReader(io.BytesIO(payload))
    text = "\n".join(page.extract_text() for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    return text, dict(reader.metadata or {}), images


def squeezed(text: str) -> str:
    """Text without any white space: a name a table cell wrapped over lines is found whole again."""
    return re.sub(r"\s+", "", text)


def make_pack(db: Path, session_id: int, *, anonymize: bool) -> bytes:
    with Store(db) as store:
        pack = build_pack(store, AS_OF, book="Acme IT", models_dir=db.parent / "models", session_id=session_id,
                          anonymize=anonymize)
    return pack, render_pdf(pack)


@pytest.fixture(scope="module")
def packs(reviewed_demo):
    """The pack of the reviewed demo and its PDF, plain (``False``) and anonymized (``True``), made once."""
    db, session_id, _ = reviewed_demo
    return {anonymize: make_pack(db, session_id, anonymize=anonymize) for anonymize in (False, True)}


def test_the_pack_opens_with_every_section_in_order_and_the_charts_as_images(packs):
    pack, payload = packs[False]
    text, metadata, images = pdf_text(payload)
    positions = [text.find(section) for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert images == 2
    assert "€" in text
    # The D clients by name, the churn story gross profit first, the lift plan with its owner and date.
    d_names = pack.d_clients["name"].tolist()
    assert d_names and all(squeezed(name) in squeezed(text) for name in d_names)
    churn = text[text.find(SECTIONS[4]):text.find(SECTIONS[5])]
    assert churn.find("Gross profit") < churn.find("Revenue")
    lift = text[text.find(SECTIONS[6]):text.find(SECTIONS[7])]
    assert OWNER in lift and (AS_OF + timedelta(days=30)).isoformat() in lift
    assert metadata["/Title"] == f"ClientGrade meeting pack {AS_OF.isoformat()}"


def test_the_charts_come_from_the_pages_own_builders(reviewed_demo, packs):
    db, _, _ = reviewed_demo
    pack, _ = packs[False]
    with Store(db) as store:
        portfolio = grade_portfolio(store, AS_OF, models_dir=db.parent / "models", explain=False)
    page_chart = grade_mix_chart(grade_mix(portfolio, "effective"), grade_title="Effective grade")
    assert pack.charts["Grade mix"].properties(width=0).to_dict() == page_chart.properties(width=0).to_dict()


def test_an_anonymized_pack_names_no_client_anywhere(reviewed_demo, packs):
    _, _, names = reviewed_demo
    pack, payload = packs[True]
    text, metadata, images = pdf_text(payload)
    everything = squeezed(text + " ".join(str(value) for value in metadata.values()))
    leaked = [name for name in names["name"] if squeezed(name) in everything]
    assert leaked == []
    leaked_ids = [client_id for client_id in names["client_id"] if re.search(rf"\b{client_id}\b", text)]
    assert leaked_ids == []
    assert "Client 0" in text and images == 2
    # What the charts were drawn from carries aliases only (tooltips and legends included).
    spec = str(pack.charts["Portfolio matrix"].to_dict())
    assert not [name for name in names["name"] if name in spec]
    assert all(section in text for section in SECTIONS)


def test_without_a_unicode_font_the_pack_still_prints_the_euro_sign(packs):
    pack, _ = packs[True]
    text, _, _ = pdf_text(render_pdf(pack, font=PackFont("helvetica")))
    assert "€" in text and SECTIONS[0] in text
    assert "?ukasz Tech" in text  # a character outside the code page is replaced, never a crash


def test_the_pack_is_written_in_dejavu_sans_which_the_scripts_install(monkeypatch):
    monkeypatch.delenv("CLIENTGRADE_PDF_FONT", raising=False)
    font = find_font()
    assert font.is_unicode and font.regular.name == "DejaVuSans.ttf", (
        "DejaVu Sans is missing: scripts/setup.sh (run by scripts/run and scripts/test) installs fonts-dejavu-core"
    )


def test_the_font_comes_from_the_environment_first(monkeypatch, tmp_path):
    fake = tmp_path / "nofont.ttf"
    monkeypatch.setenv("CLIENTGRADE_PDF_FONT", str(fake))
    assert find_font(candidates=()).family == "helvetica"  # named but missing: the fallback, not a crash


def test_the_cli_writes_the_pack_and_refuses_an_unknown_session(reviewed_demo, tmp_path, capsys):
    # In this process (main() is what `python -m grading` runs): a new interpreter would cost seconds of imports.
    db, session_id, names = reviewed_demo
    out = tmp_path / "pack.pdf"
    common = ["--db", str(db), "--models", str(db.parent / "models"), "report"]
    assert main([*common, "--out", str(out), "--anonymize", "--as-of", AS_OF.isoformat()]) == 0
    assert "Meeting pack as of" in capsys.readouterr().err
    text, _, _ = pdf_text(out.read_bytes())
    assert SECTIONS[-1] in text and not [name for name in names["name"] if squeezed(name) in squeezed(text)]
    assert main([*common, "--out", str(tmp_path / "x.pdf"), "--session", "999"]) == 1
    refused = capsys.readouterr().err
    assert "Traceback" not in refused and len(refused.strip().splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()
