"""The pytest plugin: `podium_env` is a TestEnv of the `podium_app` fixture's App."""

pytest_plugins = ["pytester"]


def test_the_podium_env_fixture_runs_a_workflow_on_a_fake_clock(pytester):
    pytester.makepyfile(
        """
        import pytest
        import podium

        app = podium.App("shop")

        @app.workflow
        def remind(name):
            podium.sleep(86400)
            return "hi " + name

        @pytest.fixture
        def podium_app():
            return app

        def test_remind(podium_env):
            handle = podium_env.start(remind, "ada")
            podium_env.advance(days=1)
            assert handle.result(timeout=1) == "hi ada"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_podium_env_without_podium_app_says_what_to_define(pytester):
    pytester.makepyfile(
        """
        def test_needs_app(podium_env):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*define one in conftest.py*"])
