"""The bundled Triton's environment: OpenMP threads wait passively unless the caller says
otherwise (the lre stub runs beside the ism -> sirm -> tirm chain on the same cores)."""

from dfrec.triton.launcher import server_environment


def test_openmp_threads_wait_passively_by_default(monkeypatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert server_environment()["OMP_WAIT_POLICY"] == "PASSIVE"


def test_an_explicit_wait_policy_is_kept(monkeypatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert server_environment()["OMP_WAIT_POLICY"] == "ACTIVE"
