"""Release builds of providers, as ``gestaltd provider release`` asks for them.

``python -m gestalt._build ROOT TARGET OUTPUT PLUGIN_NAME RUNTIME_KIND GOOS GOARCH`` runs once
per platform; it bundles the provider, its surface and the runtime into a PyInstaller
one-file executable that serves when started with no arguments. PyInstaller comes with the
``gestalt-core[build]`` extra, never by default.
"""
