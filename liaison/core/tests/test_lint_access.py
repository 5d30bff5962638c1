from pathlib import Path

from liaison.core import lint_access

LIAISON = Path(lint_access.__file__).resolve().parent.parent


def test_the_real_source_tree_passes():
    assert lint_access.check_tree(LIAISON) == []


def test_a_view_using_a_manager_directly_is_caught(tmp_path):
    app = tmp_path / "concerns"
    app.mkdir()
    (app / "views.py").write_text(
        "from liaison.concerns.models import Concern\n\n"
        "def concern_detail(request, pk):\n"
        "    return Concern.objects.get(pk=pk)\n"
    )
    findings = lint_access.check_tree(tmp_path)
    assert [(f.path.name, f.line) for f in findings] == [("views.py", 4)]
    assert "selector" in findings[0].message


def test_shortcuts_and_default_manager_are_caught_in_api_modules(tmp_path):
    (tmp_path / "api.py").write_text(
        "def a(request, pk):\n"
        "    return get_object_or_404(Concern, pk=pk)\n"
        "def b(request):\n"
        "    return Concern._default_manager.all()\n"
    )
    lines = sorted(f.line for f in lint_access.check_tree(tmp_path))
    assert lines == [2, 4]


def test_templates_may_not_query(tmp_path):
    (tmp_path / "page.jinja").write_text("{% for c in Concern.objects.all() %}{{ c }}{% endfor %}\n")
    assert [f.line for f in lint_access.check_tree(tmp_path)] == [1]


def test_selectors_services_and_tests_may_use_managers(tmp_path):
    (tmp_path / "selectors.py").write_text("def f():\n    return Concern.objects.all()\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "views.py").write_text("Concern.objects.all()\n")
    assert lint_access.check_tree(tmp_path) == []


def test_command_line_exit_status(tmp_path, capsys):
    assert lint_access.main([str(tmp_path)]) == 0
    (tmp_path / "views.py").write_text("X.objects.all()\n")
    assert lint_access.main([str(tmp_path)]) == 1
    assert "views.py:1" in capsys.readouterr().out
