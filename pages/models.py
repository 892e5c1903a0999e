"""Models: registered versions, retraining from editors' outcomes in the background, champion vs
challenger, promotion (refused when worse, unless overridden) and rollback.

The logic lives in core.lifecycle.registry, core.lifecycle.retrain and core.lifecycle.champion; this page only shows and asks.
"""

import pandas as pd
import streamlit as st

from core.data.editor import editor_pairs
from core.lifecycle import activation, champion, registry, retrain
from core.lifecycle.jobs import RUNNING
from core.lifecycle.summary import version_summary
from core.model.manifest import ModelLoadError
from ui import resources, routing

routing.through_app(__file__)

settings = resources.settings()
FLASH = "models_flash"  # a message that survives the rerun after an action


def done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


st.title("Models")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
name = st.text_input("Your name", key="models_by", help="Recorded with retrains, promotions and rollbacks.")

rows = registry.versions(settings)
active = next((r for r in rows if r.status == "active"), None)
if settings.model_dir:
    st.info(
        f"Serving the folder set by HEADLINE_LAB_MODEL_DIR ({settings.model_dir}): promotions and "
        "rollbacks here take effect once it is unset."
    )
else:
    st.markdown(f"Serving **{active.version}**" if active else "No registered model: the bundled default.")
if rows:
    st.dataframe(pd.DataFrame([version_summary(r) for r in rows]), hide_index=True)

# ----- retrain ---------------------------------------------------------------------------------
st.subheader("Retrain from editors' outcomes")


@st.fragment(run_every=1.0)
def job_progress(job_id: str) -> None:
    status = retrain.retrain_status(settings, job_id)
    if status["state"] not in RUNNING:
        st.rerun()  # the whole page: the new candidate joins the table
    total = max(int(status.get("total") or 0), 1)
    st.progress(
        min(status.get("step", 0) / total, 1.0),
        text=f"{status['stage']}: step {status.get('step', 0)} of {total}",
    )
    if st.button("Cancel retraining"):
        retrain.cancel_retrain(settings, job_id)
        st.info("Cancelling after the current step; nothing will be saved.")


running = retrain.running_job(settings)
if running:
    job_progress(running)
else:
    last_id = retrain.latest_job(settings)
    if last_id:
        last = retrain.retrain_status(settings, last_id)
        show = {"done": st.success, "cancelled": st.info}.get(last["state"], st.error)
        show(f"Last retrain ({last['started_at']}): {last['state']} — {last.get('message', '')}")
        if last["state"] == "failed":
            with st.expander("Log of the failed retrain"):
                st.code(retrain.job_log(settings, last_id))
    with resources.session() as session:
        outcomes = editor_pairs(session, settings)
    start = "the active model" if settings.retrain_warm_start and active else "the base encoder"
    st.caption(
        f"Trains on the archives' training split plus {outcomes['test_id'].nunique()} recorded test(s) "
        f"({len(outcomes)} headline pairs), starting from {start}, in the background. The result is "
        "registered as a candidate; it serves only after it is compared and promoted."
    )
    if st.button("Start retraining", type="primary"):
        retrain.start_retrain(settings, by=name.strip() or None)
        st.rerun()

# ----- champion vs challenger ------------------------------------------------------------------
st.subheader("Compare and promote a candidate")
candidates = [r.version for r in rows if r.status == "candidate"]
if not candidates:
    st.caption("No candidate yet: retrain first.")
else:
    challenger = st.selectbox("Candidate", candidates)
    comparison = st.session_state.get("comparison")
    if active is None:
        comparison = None
        if st.button(f"Make {challenger} the active model"):
            champion.promote(settings, challenger, name.strip() or None)
            done(f"{challenger} is now active.")
    elif st.button(f"Compare {challenger} with {active.version}"):
        with st.spinner("Scoring the held-out pairs with both models…"):
            try:
                comparison = st.session_state["comparison"] = champion.compare(
                    settings, challenger, active.version
                )
            except ModelLoadError as exc:
                st.error(f"{challenger} cannot be used: {exc}")
    if comparison and active and (comparison.challenger, comparison.champion) == (challenger, active.version):
        st.dataframe(comparison.metrics, column_config={"_index": "model"})
        st.dataframe(comparison.by_set)
        t = comparison.test
        st.markdown(
            f"McNemar (exact): only the active model right on **{t.champion_only}** pairs, only the candidate "
            f"on **{t.challenger_only}**; p = **{t.p_value:.3g}**"
        )
        for check in comparison.checks:
            st.markdown(f"{'✅' if check.passed else '❌'} {check.rule}: {check.detail}")
        for warning in comparison.warnings:
            st.warning(warning)
        override, reason = False, ""
        if not comparison.allowed:
            st.error("Promotion refused: the candidate is worse than the active model.")
            override = st.checkbox("Override: promote it anyway")
            reason = st.text_input("Why (recorded with your name)", disabled=not override)
        ready = comparison.allowed or (override and reason.strip() and name.strip())
        if st.button(f"Promote {challenger}", disabled=not ready, type="primary"):
            try:
                champion.promote(settings, challenger, name.strip() or None, override, reason, comparison)
                done(f"{challenger} is now active.")
            except (ModelLoadError, RuntimeError, ValueError) as exc:
                st.error(str(exc))

# ----- rollback --------------------------------------------------------------------------------
st.subheader("Roll back")
retired = [r.version for r in rows if r.status == "retired"]
if not retired:
    st.caption("No earlier active version to roll back to.")
else:
    target = st.selectbox("Earlier version", retired)
    why = st.text_input("Why (optional)", key="rollback_reason")
    if st.button(f"Roll back to {target}"):
        try:
            activation.rollback(settings, target, name.strip() or None, why.strip() or None)
            done(f"Rolled back: {target} is active again.")
        except (ModelLoadError, ValueError) as exc:
            st.error(str(exc))

with st.expander("Registry log"):
    log = registry.events(settings)
    st.dataframe(
        [{"at": e.at, "version": e.version, "action": e.action, "by": e.by, "note": e.note} for e in log],
        hide_index=True,
    )
