"""A game day in real browsers: facilitator, projector and three participants."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser
CAUSE = "The etcd static pod manifest misspells the --listen-client-urls flag"


def join(browser, server: str, code: str, name: str):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/join/{code}")
    page.fill("#name", name)
    page.get_by_role("button", name="Join", exact=True).click()
    rejoin = page.locator("#rejoin-code").inner_text()
    page.get_by_role("link", name="Start investigating").click()
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]+$"))
    return context, page, rejoin


def test_a_facilitator_runs_a_game_day_for_three_people(server: str, browser) -> None:  # noqa: ANN001
    fac_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    fac = fac_ctx.new_page()
    fac.goto(server + "/events/new")
    fac.fill("#ev-name", "Platform team game day")
    fac.fill("#seed", "0")  # the canonical variant: CAUSE names its flag
    fac.get_by_role("button", name="Create the event").click()
    fac.wait_for_url(re.compile(r"/events/[A-Z0-9]{6}/control$"))
    code = fac.url.split("/")[-2]
    projector = fac_ctx.new_page()
    projector.goto(f"{server}/events/{code}/projector")

    ana_ctx, ana, _ = join(browser, server, code, "Ana")
    bo_ctx, bo, _ = join(browser, server, code, "Bo")
    cy_ctx, cy, cy_rejoin = join(browser, server, code, "Cy")
    cy_ctx.close()  # Cy's laptop dies; Cy rejoins from another browser
    cy2_ctx = browser.new_context()
    cy = cy2_ctx.new_page()
    cy.goto(f"{server}/join/{code}")
    cy.fill("#r-name", "Cy")
    cy.fill("#rejoin_code", cy_rejoin)
    cy.get_by_role("button", name="Rejoin").click()
    cy.wait_for_url(re.compile(r"/attempts/[0-9a-f]+$"))

    fac.fill("#text", "Ten minutes left, folks")
    fac.get_by_role("button", name="Send to everyone").click()
    for page in (ana, bo, cy):
        page.locator("#broadcasts", has_text="Ten minutes left").wait_for(timeout=10000)

    fac.get_by_role("button", name="Pause all clocks").click()
    for page in (ana, bo, cy):
        page.locator("#broadcasts", has_text="paused").wait_for(timeout=10000)
    fac.get_by_role("button", name="Resume").click()
    fac.locator("#event-status", has_text="running").wait_for(timeout=10000)

    ana.select_option("#component", "etcd")
    ana.fill("#cause", CAUSE)
    ana.get_by_role("button", name="Submit answer").click()
    ana.wait_for_url(re.compile(r"/debrief$"))
    projector.locator(".leaderboard li", has_text="Ana").first.wait_for(timeout=10000)
    assert re.search(r"Ana\s+\d+", projector.locator(".leaderboard").inner_text())
    projector.screenshot(path=str(SCREENSHOTS / "game-day-projector.png"))
    fac.locator("#event-status").wait_for()
    fac.reload()
    assert "Ana" in fac.locator("table.timeline").inner_text()
    fac.screenshot(path=str(SCREENSHOTS / "game-day-control-room.png"), full_page=True)

    report = fac_ctx.request.get(f"{server}/events/{code}/report.csv").text()
    for name in ("Ana", "Bo", "Cy"):
        assert name in report
    for ctx in (fac_ctx, ana_ctx, bo_ctx, cy2_ctx):
        ctx.close()
