"""Models: registered versions, retraining from editors' outcomes in the background, champion vs
challenger, promotion (refused when worse, unless overridden) and rollback.

The logic lives in core.lifecycle.registry, core.lifecycle.retrain and core.lifecycle.champion; this page only shows and asks.
"""

from datetime import datetime

import streamlit as st

from core.basics.words import plural
from core.data.datasets import missing_archives, missing_archives_words
from core.data.editor import editor_pairs, pairs_fingerprint
from core.lifecycle import activation, champion, registry, retrain
from core.lifecycle.jobs import RUNNING
from core.lifecycle.summary import (
    duration_words,
    retrain_pairs,
    retrain_seconds,
    version_names,
)
from core.model.manifest import ModelLoadError
from ui import models_views, resources, routing, serving, when

routing.through_app(__file__)
serving.sidebar(serving.model())

settings = resources.settings()
FLASH = "models_flash"  # a message that survives the rerun after an action


def done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def database_down(problem: str, readable: bool) -> None:
    """What is wrong with the database, what still works and what to do, instead of a traceback."""
    current = serving.model()
    scoring = (
        f"Drafts are still scored on the Compare page, by model {current.version} (`{current.directory}`)."
        if not current.error
        else f"The model could not be loaded either, so drafts cannot be scored: {current.error}."
    )
    todo = "Ask whoever runs Headline Lab to check the database (HEADLINE_LAB_DATABASE_URL)."
    if readable:
        st.warning(
            f"{problem} The versions are listed below, but retraining, promotion and rollback write "
            f"to the database and are unavailable until it is fixed. {scoring} {todo}"
        )
    else:
        st.error(
            f"{problem} The model registry is kept there, so the versions, retraining, promotion and "
            f"rollback are unavailable until it is fixed. {scoring} {todo}"
        )


st.title("Models")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

problem = resources.database_problem()  # None, or why the database cannot be written (or read)
try:
    rows = registry.versions(settings)
except resources.DATABASE_ERRORS as exc:  # unreachable: nothing of the registry can be shown
    database_down(resources.database_message(exc), readable=False)
    st.stop()
writable = problem is None
if not writable:  # read-only: listed, not changed
    database_down(problem, readable=True)
WRITES_OFF = None if writable else "Unavailable: the database cannot be written (see above)."
# Retraining and the comparison read the archives: without their files they would fail minutes in.
missing = missing_archives(settings)
NO_ARCHIVES = (
    "Unavailable: the archive files it learns from and is measured on are missing "
    + missing_archives_words(missing)
    if missing
    else None
)

name = resources.name_box(  # the same name as on Compare and Record outcome: given once per visit
    "Your name",
    key=resources.EDITOR_NAME,
    persist_state="session",
    help="Recorded with retrains, promotions and rollbacks.",
)
names = version_names(rows)
active = next((r for r in rows if r.status == "active"), None)


def named(version: str) -> str:
    return names.get(version, version)


if settings.model_dir:
    st.info(
        f"Serving the folder set by HEADLINE_LAB_MODEL_DIR ({settings.model_dir}): promotions and "
        "rollbacks here take effect once it is unset."
    )
else:
    st.markdown(
        f"Serving **{named(active.version)}**" if active else "No registered model: the bundled default."
    )
if rows:
    models_views.versions_table(rows, named)
with st.expander("For engineers: code, base model, seeds, raw ids, database"):
    if rows:
        models_views.engineers_table(rows, named)
    current = serving.model()
    st.caption(f"Serving model folder `{current.directory}`, raw version `{current.version}`.")
    st.caption(f"Database: `{resources.masked_database_url()}`")

# ----- retrain ---------------------------------------------------------------------------------
st.subheader("Retrain from editors' outcomes")


@st.fragment(run_every=1.0)
def job_progress(job_id: str) -> None:
    status = retrain.retrain_status(settings, job_id)
    if status["state"] not in RUNNING:
        st.rerun()  # the whole page: the new candidate joins the table
    total = max(int(status.get("total") or 0), 1)
    steps = f": step {status.get('step', 0):,} of {total:,}" if total > 1 else "…"  # not "step 0 of 1"
    st.progress(min(status.get("step", 0) / total, 1.0), text=f"{status['stage'].capitalize()}{steps}")
    if st.button("Cancel retraining"):
        retrain.cancel_retrain(settings, job_id)
        st.info("Cancelling after the current step; nothing will be saved.")


running = retrain.running_job(settings)
with resources.session() as session:  # the newsroom's recorded pairs: a retrain's, a comparison's
    outcomes = editor_pairs(session, settings)
progress_area = st.container()  # filled at the end of the page, below
if not running:
    last_id = retrain.latest_job(settings)
    if last_id:
        last = retrain.retrain_status(settings, last_id)
        started = (
            when.local(datetime.fromisoformat(last["started_at"])) if last.get("started_at") else "earlier"
        )
        if last["state"] == "failed":
            words = retrain.failure_words(last.get("message", ""))
            registered = "" if "registered" in words else " Nothing was registered."
            st.error(f"The last retrain ({started}) failed: {words}{registered}")
            with st.expander("For engineers: the failed retrain's log"):
                st.code(retrain.job_log(settings, last_id))
        elif last["state"] == "done" and last.get("version") in names:
            # Named as the table names it, and what became of it since (promoted, rolled back).
            now = {r.version: r.status for r in rows}.get(last["version"])
            since = {"candidate": "a candidate: compare it below", "active": "the active model"}.get(
                now, f"{now} now"
            )
            st.success(f"The last retrain ({started}) made {named(last['version'])}, {since}.")
        elif last["state"] == "cancelled":
            st.info(f"The last retrain ({started}) was cancelled; nothing was saved.")
        else:
            st.info(f"The last retrain ({started}): {last['state']} — {last.get('message', '')}")
    if missing:
        st.warning(NO_ARCHIVES)
    start = "the active model" if settings.retrain_warm_start and active else "the base encoder"
    manifest = (serving.model().scorer.manifest or {}) if serving.model().scorer else {}
    archive = settings.retrain_max_train_pairs  # the retrain's sample of the archive (0: all of it)
    pairs = retrain_pairs(manifest, len(outcomes), settings.retrain_epochs, archive)
    estimate = duration_words(retrain_seconds([manifest], pairs))
    sample = (
        f"up to {archive:,} archive pairs (a sample of its training split)"
        if archive
        else "the archives' training split"
    )
    st.caption(
        f"Fine-tunes {start} on {sample} plus {plural(outcomes['test_id'].nunique(), 'recorded test')} "
        f"({plural(len(outcomes), 'headline pair')}) in the background: {estimate} on this machine. The result is "
        "registered as a candidate; it serves only after it is compared and promoted.",
        help="Estimated from the training speed recorded when the active model was trained (pairs per second) "
        "and the number of headline pairs a retrain would use.",
    )
    if st.session_state.get("retrain_confirm"):
        st.warning(f"Retraining takes {estimate} and keeps this machine busy. Start it?")
        yes, no = st.columns(2)
        if yes.button("Yes, start retraining", type="primary"):
            st.session_state.pop("retrain_confirm")
            retrain.start_retrain(settings, by=name.strip() or None)
            st.rerun()
        if no.button("Not now"):
            st.session_state.pop("retrain_confirm")
            st.rerun()
    elif st.button(
        "Start retraining…",
        type="primary",
        disabled=not writable or bool(missing),
        help=WRITES_OFF or NO_ARCHIVES,
    ):
        # Not a grey button until the name is in: a name typed and the button clicked at once must
        # work in one click (the name reaches the page with the click).
        if name.strip():
            st.session_state["retrain_confirm"] = True
            st.rerun()
        st.warning("Fill in your name at the top of the page first: the log keeps who retrained.")

# ----- champion vs challenger ------------------------------------------------------------------
st.subheader("Compare and promote a candidate")
candidates = [r.version for r in rows if r.status == "candidate"]
if not candidates:
    st.caption("No candidate yet: retrain first.")
else:
    challenger = st.selectbox("Candidate", candidates, format_func=named)
    # A comparison holds until an outcome changes; the registry's database is in the key too:
    # version ids are unique within one registry, not across them.
    kept_as = (
        settings.sqlalchemy_url,
        challenger,
        active.version if active else None,
        pairs_fingerprint(outcomes),
    )
    comparison = models_views.kept_comparison(kept_as)
    if active is None:
        comparison = None
        if st.button(f"Make {named(challenger)} the active model", disabled=not writable, help=WRITES_OFF):
            try:
                champion.promote(settings, challenger, name.strip() or None)
                done(f"{named(challenger)} is now active.")
            except resources.DATABASE_ERRORS as exc:
                resources.show_database_error(exc)
    elif st.button(
        f"Compare {named(challenger)} with {named(active.version)}", disabled=bool(missing), help=NO_ARCHIVES
    ):
        # ~9,400 archive pairs and the newsroom's: 30 s a model on 2 AVX2 cores, more while editors type.
        with st.spinner("Scoring the held-out pairs with both models: a minute or two…", show_time=True):
            try:
                comparison = champion.compare(settings, challenger, active.version)
                models_views.keep_comparison(kept_as, comparison)
            except ModelLoadError as exc:
                st.error(f"{challenger} cannot be used: {exc}")
    if comparison and active and (comparison.challenger, comparison.champion) == (challenger, active.version):
        models_views.comparison_answer(comparison, named(challenger), named(active.version))
        models_views.comparison_figures(comparison, named(challenger), named(active.version))
        override, reason = False, ""
        if not comparison.allowed:
            override = st.checkbox("Override: promote it anyway")
            reason = st.text_input("Why (recorded with your name)", disabled=not override)
        needed = [  # an override is recorded with why and who
            what
            for what, given in (("why", reason), ("your name, at the top of the page", name))
            if override and not given.strip()
        ]
        if override and needed:  # said before the click, and again if clicked without them
            st.caption(f"To promote it anyway, fill in {' and '.join(needed)}.")
        # Grey only until the override is ticked, not while why or the name is missing: text typed
        # and the button clicked at once must work in one click (a grey button swallowed that click).
        ready = comparison.allowed or override
        if st.button(
            f"Promote {named(challenger)}", disabled=not (ready and writable), type="primary", help=WRITES_OFF
        ):
            try:
                if needed:  # said here, not by st.stop(): the rollback and the log below stay on the page
                    st.warning(f"Nothing was promoted: fill in {' and '.join(needed)} first.")
                else:
                    champion.promote(settings, challenger, name.strip() or None, override, reason, comparison)
                    done(f"{named(challenger)} is now active.")
            except resources.DATABASE_ERRORS as exc:
                resources.show_database_error(exc)
            except (ModelLoadError, RuntimeError, ValueError) as exc:
                st.error(str(exc))

# ----- rollback --------------------------------------------------------------------------------
st.subheader("Roll back")
retired = [r.version for r in rows if r.status == "retired"]
if not retired:
    st.caption("No earlier active version to roll back to.")
else:
    target = st.selectbox("Version to make active again", retired, format_func=named)
    why = st.text_input("Why (optional)", key="rollback_reason")
    # It changes the model every editor's Compare page uses at once: asked first, as deletion is.
    # One confirmation per version: after a rollback the next one (to another version) starts unticked.
    sure = st.checkbox(
        f"Yes, serve {named(target)} to every editor from now on", key=f"rollback_sure_{target}"
    )
    # Not grey for a missing name: a name typed and the button clicked at once must work in one
    # click (the name reaches the page with the click; a grey button would have swallowed it).
    if st.button(f"Roll back to {named(target)}", disabled=not (writable and sure), help=WRITES_OFF):
        try:
            if not name.strip():  # said here, not by st.stop(): the log below stays on the page
                st.warning("Fill in your name at the top of the page first: the log keeps who rolled back.")
            else:
                activation.rollback(settings, target, name.strip(), why.strip() or None)
                done(f"Rolled back: {named(target)} is active again.")
        except resources.DATABASE_ERRORS as exc:
            resources.show_database_error(exc)
        except (ModelLoadError, ValueError) as exc:
            st.error(str(exc))

with st.expander("Registry log"):
    try:
        log = registry.events(settings)
    except resources.DATABASE_ERRORS as exc:  # gone since the versions were read
        resources.show_database_error(exc)
        log = []
    models_views.registry_log(log, named)

# The progress fragment is called last, into its place above: its timed rerun reaching the server
# just as a page run ends makes Streamlit drop the rest of that run's output unsent
# (streamlit#9921), and after the last element there is nothing left to drop.
if running:
    with progress_area:
        job_progress(running)
