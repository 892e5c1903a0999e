import pytest
from streamlit.testing.v1 import AppTest

from core.lifecycle import jobs, registry
from tests.model_lab import good_model, load, make_lab, publish, reversed_model
from ui import routing


@pytest.fixture
def page(tmp_path, monkeypatch):
    lab = make_lab(tmp_path / "lab")
    for name, value in jobs.settings_env(lab).items():
        monkeypatch.setenv(name, value)
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, reversed_model(good_model()), "v2")
    at = AppTest.from_file("../pages/models.py", default_timeout=60)
    at.session_state[routing.ENTERED_THROUGH_APP] = True  # the page alone, as if inside app.py's frame
    return lab, at.run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_a_worse_candidate_is_refused_then_promoted_with_a_reason_and_rolled_back(page):
    lab, at = page
    assert not at.exception
    assert list(at.dataframe[0].value["version"]) == ["v2", "v1"]

    at.text_input(key="models_by").input("ana").run()
    button(at, "Compare v2 with v1").click().run()
    assert "Promotion refused" in at.error[0].value
    assert button(at, "Promote v2").disabled  # not without the override and a reason

    at.checkbox[0].check().run()
    at.text_input[1].input("trying the new style on purpose").run()
    button(at, "Promote v2").click().run()
    assert registry.active_version(lab).version == "v2"
    assert registry.events(lab)[0].action == "override"

    button(at, "Roll back to v1").click().run()
    assert not at.exception
    assert "v1 is active again" in at.success[0].value
    assert registry.active_version(lab).version == "v1"
