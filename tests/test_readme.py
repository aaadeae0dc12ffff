"""The README's Python session runs as written (doctest), so its figures stay true."""

import doctest
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_session():
    text = README.read_text()
    start = text.index("```python\n>>> ")
    block = text[start + len("```python\n"):text.index("```\n", start + 10)]
    test = doctest.DocTestParser().get_doctest(block, {}, "README", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
