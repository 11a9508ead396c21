"""A small piece of the sidebar that lives in the browser: it applies a typed as-of date and remembers anonymize.

Two things Streamlit's own widgets cannot do, done by a few lines of JavaScript (an ``st.components.v2``
component, which runs in the app's page, not in a frame; nothing is fetched from the network):

- **The as-of date.** Streamlit 1.67's date field commits a typed date only when it loses focus, and pressing
  Enter does nothing. Committing it by rerunning (the default) also loses a click on a page link made straight
  after typing: the rerun that applies the date and the rerun that opens the page race, and the old page wins.
  So the date field is drawn with ``on_change="ignore"`` (a typed date is held in the browser and travels with the
  next rerun, the page link's included) and this component asks for the rerun itself: after Enter, after the field
  loses focus to anything but a page link, or after a date is picked in the calendar.
- **Anonymize in the browser.** Turning anonymize on or off writes a cookie (:data:`ANONYMIZE_COOKIE`); a new
  session (a new tab on the bare address, a bookmark) reads it from ``st.context.cookies`` before its first run
  draws anything, so no name shows even for a moment. The address keeps ``?keep_anonymize=true`` as well.
"""

from __future__ import annotations

import streamlit as st

#: The cookie that remembers in this browser that names are hidden ("1"); removed when the owner turns it off.
ANONYMIZE_COOKIE = "clientgrade_anonymize"

# Set once this session has had names hidden: from then on it writes its switch to the browser on every run. A tab
# that never hid names writes nothing, so an old tab cannot undo what another tab chose.
_OWNS_KEY = "clientgrade_anonymize_owned"

_JS = """
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  if (data.write_cookie !== null) {
    document.cookie = data.write_cookie
      ? `${data.cookie}=1; path=/; max-age=31536000; SameSite=Strict`
      : `${data.cookie}=; path=/; max-age=0; SameSite=Strict`;
  }
  const field = () => document.querySelector('[data-testid="stSidebar"] [data-testid="stDateInput"]');
  const calendarOpen = () => document.querySelector('[role="dialog"][aria-label="Choose date"]') !== null;
  let navigating = false;
  let picked = false;  // a click in the calendar: focus goes back to the field, yet the owner is done
  let timer = null;
  // The date the field holds (typed or picked) against the date the page was drawn with: apply it when they differ
  // and the owner is done with the field (focus elsewhere, calendar closed).
  const check = () => {
    timer = null;
    const box = field();
    if (!box || navigating) return;
    if (calendarOpen()) { later(300); return; }
    if (box.contains(document.activeElement) && !picked) return;
    picked = false;
    const held = box.querySelector('input[type="date"]')?.value || "";
    if (/^\\d{4}-\\d{2}-\\d{2}$/.test(held) && held !== data.as_of) setTriggerValue("apply", held);
  };
  const later = (ms) => { if (timer) clearTimeout(timer); timer = setTimeout(check, ms); };
  const onKeyDown = (event) => {
    const box = field();
    if (event.key === "Enter" && box && box.contains(event.target)) {
      // Kept from the field and its calendar, which would take Enter as picking the calendar's focused day.
      event.preventDefault();
      event.stopPropagation();
      // Focus moved to a real element, as a click elsewhere would: the field then commits what was typed and closes
      // its calendar (a bare blur() leaves an open calendar's field uncommitted).
      parentElement.querySelector(".clientgrade-focus-sink")?.focus({ preventScroll: true });
      later(50);
    }
  };
  // A page link carries the held date itself: asking for a second rerun would race with it.
  const onPointerDown = (event) => {
    if (event.target.closest && event.target.closest('[data-testid="stSidebarNav"] a')) {
      // The new page mounts this bridge afresh; the reset only matters when the click was let go of elsewhere,
      // and the next click or focus change then applies the date. Long, so a slow page's run is not raced.
      navigating = true;
      setTimeout(() => { navigating = false; }, 15000);
    }
  };
  const onOther = (event) => {
    if (event.type === "click" && event.target.closest && event.target.closest('[role="dialog"][aria-label="Choose date"]')) {
      picked = true;
    }
    later(150);
  };
  // Says the listeners are in place, and for which date (browser tests wait for it before they type).
  const token = `${data.as_of} ${Math.random()}`;
  document.documentElement.dataset.clientgradeBridge = token;
  document.addEventListener("keydown", onKeyDown, true);
  document.addEventListener("pointerdown", onPointerDown, true);
  document.addEventListener("focusout", onOther, true);
  document.addEventListener("click", onOther, true);
  return () => {
    if (document.documentElement.dataset.clientgradeBridge === token) delete document.documentElement.dataset.clientgradeBridge;
    if (timer) clearTimeout(timer);
    document.removeEventListener("keydown", onKeyDown, true);
    document.removeEventListener("pointerdown", onPointerDown, true);
    document.removeEventListener("focusout", onOther, true);
    document.removeEventListener("click", onOther, true);
  };
}
"""

# Focusable, so Enter can move the focus out of the date field, yet taking no room in the sidebar.
_HTML = '<span class="clientgrade-focus-sink" tabindex="-1"></span>'
_CSS = ".clientgrade-focus-sink { position: absolute; width: 1px; height: 1px; overflow: hidden; opacity: 0; }"


@st.cache_resource
def _component():
    # Registered once per process: registering the same name again on every rerun logs a warning each time.
    return st.components.v2.component("clientgrade_sidebar_bridge", html=_HTML, js=_JS, css=_CSS)


def anonymize_remembered() -> bool:
    """Return whether this browser remembers that names are hidden (the cookie a session's first run can read)."""
    try:
        value = st.context.cookies.get(ANONYMIZE_COOKIE)
    except Exception:  # noqa: BLE001 - no browser (AppTest, a bare script run): nothing remembered
        return False
    return value == "1"


def mount(as_of_iso: str, anonymize: bool) -> None:
    """Mount the bridge (once per run, in the sidebar) with the date this run uses and the anonymize switch."""
    if anonymize:
        st.session_state[_OWNS_KEY] = True
    write = anonymize if st.session_state.get(_OWNS_KEY) else None
    _component()(
        key="clientgrade_sidebar_bridge",
        data={"as_of": as_of_iso, "anonymize": anonymize, "write_cookie": write, "cookie": ANONYMIZE_COOKIE},
        on_apply_change=lambda: None,
        height=0,
    )
