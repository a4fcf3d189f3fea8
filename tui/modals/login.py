"""The login of a server store (docs/deployment.md): asked in the app itself when the
store is a PostgreSQL server and no password is configured (none in the URL, no
``PGPASSWORD``, no ``.pgpass`` entry), so that each person connects as their own login,
in a terminal or in a browser (one app, one connection, one login)."""

from __future__ import annotations

import os

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from jointcheck.core.store import StoreError, open_store
from jointcheck.core.store.access import login_name, server_address

from ..text import _, localise
from .form import OkCancelModal


class LoginModal(OkCancelModal[Engine]):
    """Login name (prefilled from the URL) and password; OK connects on a worker thread and
    dismisses with the store's Engine, or says why not (JC702…) and asks again; Cancel
    (escape) dismisses with None."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="login_cancel")]

    def __init__(self, url: str):
        super().__init__()
        localise(self)
        self.url = url
        # served to browsers (jointcheck serve), the server's own user means nobody: ask
        self.user = "" if os.environ.get("JOINTCHECK_SERVED") else login_name(url)
        self.where = server_address(url)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="login-dialog"):
            yield Label(_("login_title"), id="dialog-title")
            yield Label(_("login_help", where=self.where), classes="dialog-help")
            yield Label(_("login_user"))
            yield Input(self.user, id="login-user")
            yield Label(_("login_password"))
            yield Input("", id="login-password", password=True)
            yield Label("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("login_ok"), id="ok", variant="primary")
                yield Button(_("cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#login-password" if self.user else "#login-user", Input).focus()

    def accept(self) -> None:
        user = self.query_one("#login-user", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if not user or not password:
            self.show_error(_("login_missing"))
            return
        url = make_url(self.url)._replace(username=user, password=password)
        self.query_one("#ok", Button).disabled = True
        self.show_error(_("login_connecting"))
        self.run_worker(lambda: self._connect(url.render_as_string(hide_password=False)),
                        thread=True, exclusive=True, group="login")

    def _connect(self, url: str) -> None:
        try:
            engine = open_store(url)
        except StoreError as exc:
            self.app.call_from_thread(self._refused, exc.problem.message)
            return
        self.app.call_from_thread(self.dismiss, engine)

    def _refused(self, message: str) -> None:
        self.query_one("#ok", Button).disabled = False
        password = self.query_one("#login-password", Input)
        password.value = ""
        password.focus()
        self.show_error(message)
