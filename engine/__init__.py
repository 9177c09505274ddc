"""aurora.engine: storage, instances and the control plane of aurora-local.

Nothing here prints or exits; callers (the CLI, the dashboard, the wire front ends) render
the named errors of :mod:`aurora.engine.errors` themselves.
"""

__version__ = "0.1.0.dev0"
