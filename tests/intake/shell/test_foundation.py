"""The application shell: health, languages, login, error pages."""
import pytest

from intake.shell.cli import main


def test_health_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_language_follows_accept_language_and_a_choice_is_remembered(client):
    assert "lang=\"zh-Hans\"" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "lang=\"en\"" in client.get("/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    client.get("/?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "lang=\"en\"" in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


@pytest.mark.parametrize("lang,text", [("en", "Page not found"), ("zh_Hans_CN", "页面不存在")])
def test_404_page_in_both_languages(client, lang, text):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_api_errors_are_json_problems(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.get_json()["detail"]


def test_staff_log_in_with_their_password_and_not_with_a_wrong_one(client, make, login):
    handler = make.staff("handler", unit=make.unit())
    bad = client.post("/login?lang=en", data={"username": handler.username, "password": "wrong password"})
    assert bad.status_code == 200 and b"Wrong username or password" in bad.data
    login(handler)
    assert client.get("/cases").status_code == 200


def test_pages_for_staff_need_a_login(client):
    response = client.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_feedback_users_create_and_tokens_create_give_a_login_and_a_working_api_token(app, client, make):
    make.unit(code="OUT1")
    runner = app.test_cli_runner()
    created = runner.invoke(main, args=["users", "create", "--username", "li", "--role", "supervisor",
                                  "--unit", "OUT1", "--password", "a long password"])
    assert created.exit_code == 0, created.output
    token = runner.invoke(main, args=["tokens", "create", "--user", "li"])
    assert token.exit_code == 0, token.output
    printed = token.output.strip()
    assert "\n" not in printed  # the token alone, for scripts
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {printed}"}).status_code == 200
    assert client.post("/login", data={"username": "li", "password": "a long password"}).status_code == 302


def test_feedback_users_create_refuses_an_unknown_unit_with_a_message(app):
    result = app.test_cli_runner().invoke(main, args=["users", "create", "--username", "x", "--role", "handler",
                                                "--unit", "NOPE", "--password", "a long password"])
    assert result.exit_code != 0 and "no unit with code NOPE" in result.output


@pytest.mark.parametrize("lang,text", [("en", "Nothing you entered was lost"), ("zh_Hans_CN", "您填写的内容没有丢失")])
def test_an_unexpected_error_shows_the_500_page_in_both_languages(app, client, lang, text):
    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = client.get(f"/boom?lang={lang}")
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)


def test_a_page_beyond_ones_role_is_403_in_the_language_chosen(client, make, login):
    login(make.staff("handler", unit=make.unit()))
    response = client.get("/admin/?lang=en")
    assert response.status_code == 403
    assert "You may not do this" in response.get_data(as_text=True)
