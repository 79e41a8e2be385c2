"""butterfly.lyapunov from Python: the Lorenz-63 spectrum and the trace identity."""
import math

import pytest

import butterfly


def test_lorenz63_spectrum_matches_sprott():
    # Sprott, Chaos and Time-Series Analysis (2003): (0.9056, 0, -14.5723); the sum is the
    # trace of the Jacobian, -(sigma + 1 + beta) = -13.6667 (closed form).
    result = butterfly.lyapunov("lorenz63", transient=50, length=500, replicas=4, threads=2)
    exponents = result["exponents"]
    assert exponents.shape == (3,)
    assert result["by_replica"].shape == (4, 3)
    assert exponents[0] == pytest.approx(0.9056, abs=0.03)
    assert abs(exponents[1]) < 0.02
    assert exponents[2] == pytest.approx(-14.5723, abs=0.05)
    assert exponents.sum() == pytest.approx(-(10 + 1 + 8 / 3), abs=1e-3)
    assert result["kaplan_yorke_dimension"] == pytest.approx(2.06, abs=0.01)


def test_parameters_and_errors():
    result = butterfly.lyapunov("lorenz96", k=2, n=8, forcing=8, transient=10, length=100,
                                replicas=1, threads=1)
    assert result["exponents"].shape == (2,)
    assert math.isnan(result["standard_error"][0])  # one replica: no spread to estimate
    with pytest.raises(ValueError, match="forcng"):
        butterfly.lyapunov("lorenz96", forcng=8)
    with pytest.raises(ValueError, match="unknown system"):
        butterfly.lyapunov("lorenz97")
