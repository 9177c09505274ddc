"""``aurora dashboard``: a Textual client of aurorad's control API, one widget per module.

:mod:`.model` reads the control API into plain data; :mod:`.app` holds the App and the
entry point :func:`aurora.cli.dashboard.app.run`.
"""
