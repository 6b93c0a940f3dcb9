"""The application shell: health, languages, login, error pages."""
import pytest


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
