"""pytest: butterfly's Python scores on numpy arrays (crps, rank_histogram, spread_skill,
outlier_rate) against closed forms, properscoring's documented examples and O(M^2) numpy
reference implementations. Run by ctest (test python_module) with PYTHONPATH=<build>/python."""
import numpy as np
import pytest

import butterfly


def crps_numpy(ens, truth, fair=False):
    """O(M^2) CRPS over the last axis: E|X - y| - E|X - X'|/2 (Gneiting & Raftery 2007, JASA 102,
    eq. 21); fair: the pair term divided by M(M-1) instead of M^2 (Ferro 2014, QJRMS 140, eq. 3)."""
    m = ens.shape[-1]
    a = np.abs(ens - truth[..., None]).mean(-1)
    d = np.abs(ens[..., :, None] - ens[..., None, :]).sum((-1, -2))
    return a - d / (2 * m * (m - 1 if fair else m))


def test_crps_properscoring_examples():
    # properscoring/tests/test_crps.py (TestCRPS / test_crps_toy_examples):
    # crps_ensemble(0, [0, 1]) = 0.25, crps_ensemble(2, [0, 1]) = 1.25,
    # crps_ensemble(0, [0, 0, 1]) = 1/9 (properscoring crps_ensemble = empirical CDF CRPS).
    assert butterfly.crps([0.0, 1.0], 0.0) == pytest.approx(0.25, abs=1e-15)
    assert butterfly.crps([0.0, 1.0], 2.0) == pytest.approx(1.25, abs=1e-15)
    assert butterfly.crps([0.0, 0.0, 1.0], 0.0) == pytest.approx(1.0 / 9.0, abs=1e-15)


@pytest.mark.parametrize("fair", [False, True])
def test_crps_matches_numpy_reference(fair):
    rng = np.random.default_rng(7)
    ens = rng.normal(size=(6, 5, 17))
    truth = rng.normal(size=(6, 5))
    got = butterfly.crps(ens, truth, fair=fair)
    assert got.shape == (6, 5)
    np.testing.assert_allclose(got, crps_numpy(ens, truth, fair), rtol=0, atol=1e-12)


def test_crps_member_axis_and_dtypes():
    rng = np.random.default_rng(3)
    ens = rng.normal(size=(4, 9, 3))  # members on axis 1
    truth = rng.normal(size=(4, 3))
    got = butterfly.crps(ens, truth, axis=1)
    ref = crps_numpy(np.moveaxis(ens, 1, -1), truth)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    # Integer input is converted to float64: same result as the float array.
    ints = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(butterfly.crps(ints, np.zeros(3, dtype=int)),
                                  butterfly.crps(ints.astype(float), np.zeros(3)))


def test_rank_histogram_sums_and_ranks():
    rng = np.random.default_rng(11)
    ens = rng.normal(size=(200, 9))
    truth = rng.normal(size=200)
    hist = butterfly.rank_histogram(ens, truth)
    assert hist.shape == (10,)
    assert hist.sum() == 200
    # Without ties, bin k counts the truths with exactly k members below (direct count).
    expected = np.bincount((ens < truth[:, None]).sum(-1), minlength=10)
    np.testing.assert_array_equal(hist, expected)


def test_rank_histogram_ties_split_evenly():
    # Truth 1 with members [0, 1, 1, 2]: 1 below, 2 tied -> 1/3 to each of bins 1, 2, 3
    # (ties spread evenly, as scores.rank_histogram / Hamill 2001 random rank assignment in
    # expectation). Second point: truth 5 above all -> bin 4.
    hist = butterfly.rank_histogram([[0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 1.0, 2.0]], [1.0, 5.0])
    np.testing.assert_allclose(hist, [0, 1 / 3, 1 / 3, 1 / 3, 1], rtol=0, atol=1e-15)


def test_spread_skill_and_outlier_rate_closed_forms():
    rng = np.random.default_rng(5)
    m = 8
    ens = rng.normal(size=(50, m))
    truth = rng.normal(size=50)
    # SSR = sqrt(mean_p (M+1)/M var_p) / rmse(ensemble mean) (Fortin et al. 2014, eq. 2 note).
    var = ens.var(axis=-1, ddof=1)
    rmse = np.sqrt(np.mean((ens.mean(-1) - truth) ** 2))
    ssr = np.sqrt(np.mean((m + 1) / m * var)) / rmse
    assert butterfly.spread_skill(ens, truth) == pytest.approx(ssr, rel=1e-12)
    outside = (truth < ens.min(-1)) | (truth > ens.max(-1))
    assert butterfly.outlier_rate(ens, truth) == pytest.approx(outside.mean(), abs=1e-15)


def test_reliable_ensemble_statistics():
    # Members and truth exchangeable: SSR -> 1 and outlier rate -> 2/(M+1) (Fortin et al. 2014;
    # outlier rate of a reliable ensemble, the two extreme rank histogram bins).
    rng = np.random.default_rng(9)
    m = 10
    draws = rng.normal(size=(20000, m + 1))
    ens, truth = draws[:, :m], draws[:, m]
    assert butterfly.spread_skill(ens, truth) == pytest.approx(1.0, abs=0.03)
    assert butterfly.outlier_rate(ens, truth) == pytest.approx(2 / (m + 1), abs=0.01)


@pytest.mark.parametrize("fn", [butterfly.crps, butterfly.rank_histogram, butterfly.spread_skill,
                                butterfly.outlier_rate])
def test_bad_shapes_and_dtypes(fn):
    ens = np.zeros((3, 4, 5))
    with pytest.raises(ValueError, match=r"truth: expected shape \(3, 4\)"):
        fn(ens, np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"truth: expected shape \(3, 5\)"):
        fn(ens, np.zeros((3, 4)), axis=1)
    with pytest.raises(ValueError, match="axis"):
        fn(ens, np.zeros((3, 4)), axis=3)
    with pytest.raises(ValueError, match="ensemble: expected at least 2 members"):
        fn(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(TypeError, match="ensemble: expected a real"):
        fn(ens.astype(complex), np.zeros((3, 4)))
    with pytest.raises(TypeError, match="truth: expected a real"):
        fn(ens, np.full((3, 4), "x"))


def test_non_finite_values_raise_value_error():
    with pytest.raises(ValueError):
        butterfly.crps([0.0, np.nan], 0.0)
