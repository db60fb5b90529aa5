"""The browser app (Solara), in four modules:

- :mod:`app.page`: the page and its components (``solara run app.page``; ``run.py app``);
- :mod:`app.logic`: controls, runs, layout and figures, no Solara (testable without a browser);
- :mod:`app.text`: every word the app shows, in Chinese and English;
- :mod:`app.server`: serving it offline on 127.0.0.1 (``run.py app``).

Importing the package imports none of them, so ``app.logic`` and ``app.text`` load without Solara.
"""
