import email
from email import policy

import pytest


@pytest.fixture(autouse=True)
def outbox(app, tmp_path, monkeypatch):
    """No SMTP server: e-mails land in a fresh outbox folder per test."""
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(folder))
    return Outbox(folder)


class Outbox:
    def __init__(self, folder):
        self.folder = folder

    def messages(self):
        if not self.folder.exists():
            return []
        return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(self.folder.glob("*.eml"))]
