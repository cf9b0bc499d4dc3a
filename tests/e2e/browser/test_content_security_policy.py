"""The site's pages run under its Content-Security-Policy, and the harness notices a page that
breaks it: every other browser test then proves its pages run under the policy. The API docs
(Swagger UI) and the admin work under it too."""

from tests.factories import JobFactory


def test_an_inline_script_and_an_inline_style_are_blocked_and_reported(browser):
    page = browser.new_page()
    page.goto("/accounts/login/")

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.body.append(script);
          document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: red">x</p>');
        }"""
    )
    page.wait_for_timeout(200)

    assert page.evaluate("window.inlineRan") is None
    violations = browser.csp_violations[page.context]

    assert any("script-src" in v for v in violations)
    assert any("style-src" in v for v in violations)
    violations.clear()  # expected here; any other test with one fails at teardown


def test_the_api_docs_list_the_endpoints_and_try_one_out(browser, log_in, owner):
    page = browser.new_page()
    log_in(page, owner)

    response = page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    credits = page.locator(".opblock", has=page.locator("[data-path='/api/v1/credits']")).first
    credits.locator(".opblock-summary").click()
    credits.get_by_role("button", name="Try it out").click()
    credits.get_by_role("button", name="Execute").click()
    status = credits.locator(".live-responses-table tbody .response-col_status").first

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator(".opblock").count() > 10
    status.wait_for()
    assert status.inner_text().strip() == "200"


def test_the_admin_works_under_the_policy(browser, log_in, staff, owner):
    JobFactory.create_batch(2, owner=owner)
    page = browser.new_page()
    log_in(page, staff, form=True)

    page.goto("/admin/jobs/job/")
    page.locator("#action-toggle").check()  # admin/js/actions.js ticks every row

    assert page.locator("input.action-select:checked").count() == 2
    assert page.locator(".action-counter").inner_text().startswith("2 of 2")

    # The user form's permission picker is drawn by admin/js/SelectFilter2.js.
    page.goto(f"/admin/auth/user/{owner.id}/change/")
    assert page.locator("#id_user_permissions_from").is_visible()
