"""pytest settings for ``python -m pytest --nbmake notebooks/``: run the three walkthroughs, not scratch copies.

Executed copies (``jupyter-execute ... --output='output/{notebook_name}'``) and pictures land in
``notebooks/output/``, which git ignores; nbmake would otherwise collect those copies as tests too.
"""

collect_ignore_glob = ["output/*"]
