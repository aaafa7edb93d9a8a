"""The stylesheet, scripts and icon are served to everyone, signed in or not."""

import pytest


@pytest.mark.parametrize("path", ["/static/css/app.css", "/static/js/app.js", "/static/img/icon.svg"])
def test_static_files_are_public(client, path):
    response = client.get(path)
    assert response.status_code == 200
    response.close()
