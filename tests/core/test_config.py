import pytest

from app import create_app
from config import env_overrides


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRIBUNE_POSTS_PER_PAGE", "7")
    monkeypatch.setenv("TRIBUNE_REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app("development")
    assert app.config["POSTS_PER_PAGE"] == 7
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'tribune.db'}"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_instance_file_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "tribune.cfg").write_text("TOPICS_PER_PAGE = 12\nPOSTS_PER_PAGE = 13\n")
    monkeypatch.setenv("TRIBUNE_POSTS_PER_PAGE", "14")
    app = create_app("development")
    assert (app.config["TOPICS_PER_PAGE"], app.config["POSTS_PER_PAGE"]) == (12, 14)


def test_development_secret_key_is_generated_once(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("TRIBUNE_SECRET_KEY", raising=False)
    first = create_app("development").config["SECRET_KEY"]
    assert len(first) == 64
    assert create_app("development").config["SECRET_KEY"] == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_production_requires_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("TRIBUNE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="TRIBUNE_SECRET_KEY"):
        create_app("production")


def test_env_values_are_parsed():
    assert env_overrides(
        {"TRIBUNE_A": "true", "TRIBUNE_B": "42", "OTHER": "x", "TRIBUNE_C": "s"}
    ) == {
        "A": True,
        "B": 42,
        "C": "s",
    }
