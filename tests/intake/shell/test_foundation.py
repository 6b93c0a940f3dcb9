"""The application shell: health, languages, login, error pages."""
import pytest
from sqlalchemy import select

from intake import create_app
from intake.models import HealthProbe
from intake.shell.cli import main
from routing.models import Unit
from routing.services.org import create_unit
from routing.web.glue import db_session


def test_health_answers_when_the_database_and_the_spool_take_a_write(client, session):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "spool": "ok"}
    assert len(session.scalars(select(HealthProbe)).all()) == 1  # written, and rewritten by the next probe
    assert client.get("/healthz").status_code == 200


def test_health_is_503_when_the_database_takes_no_write(app, app_config):
    if app.extensions["db"].is_postgres:
        pytest.skip("a read-only SQLite file stands for a database that refuses writes")
    read_only = create_app({**app_config, "DATABASE_URL": f"sqlite:///file:{app.extensions['db'].url[10:]}"
                                                          "?mode=ro&uri=true"})
    response = read_only.test_client().get("/healthz")
    read_only.extensions["db"].dispose()
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable", "spool": "ok"}


def test_health_is_503_when_the_spool_takes_no_write(app, client, tmp_path):
    app.config["SPOOL_PATH"] = str(tmp_path / "a-file")
    (tmp_path / "a-file").write_text("not a folder")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "spool": "unavailable"}


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


@pytest.mark.parametrize("lang,text", [("en", "Please try again in a moment"), ("zh_Hans_CN", "请稍后重试")])
def test_an_unexpected_error_shows_the_500_page_in_both_languages(app, client, lang, text):
    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = client.get(f"/boom?lang={lang}")
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)


@pytest.fixture
def failing_form(app, make):
    """A form whose view writes a unit and fails before or after committing it."""
    @app.post("/form/<when>")
    def form(when):
        session = db_session()
        create_unit(session, "NEW-1", "A new outlet")
        if when == "after":
            session.commit()
        raise RuntimeError("a bug")


@pytest.mark.parametrize("lang,text", [("en", "What you sent was not recorded."), ("zh_Hans_CN", "您提交的内容未能登记")])
def test_a_submission_that_failed_before_it_was_recorded_says_so(app, client, session, failing_form, lang, text):
    response = client.post(f"/form/before?lang={lang}")
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)
    assert session.scalars(select(Unit)).all() == []


def test_a_submission_recorded_before_the_failure_says_it_was_kept(app, client, session, failing_form):
    response = client.post("/form/after")
    assert response.status_code == 500
    assert "What you sent was recorded" in response.get_data(as_text=True)
    assert [unit.code for unit in session.scalars(select(Unit))] == ["NEW-1"]


def test_an_api_client_reads_whether_its_write_was_recorded(app, client, failing_form):
    @app.post("/api/v1/boom")
    def api_boom():
        raise RuntimeError("a bug")

    body = client.post("/api/v1/boom").get_json()
    assert (body["status"], body["code"], body["recorded"]) == (500, "server_error", False)


def test_a_page_beyond_ones_role_is_403_in_the_language_chosen(client, make, login):
    login(make.staff("handler", unit=make.unit()))
    response = client.get("/admin/?lang=en")
    assert response.status_code == 403
    assert "You may not do this" in response.get_data(as_text=True)
