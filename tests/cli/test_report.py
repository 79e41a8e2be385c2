#!/usr/bin/python3
"""`butterfly report` (DESIGN "User-facing contract"; issue 7, "HTML report" and "Bad input").

Checks, on the outputs of small `butterfly run`s:
  * the report is ONE self-contained file: no http(s):// reference except the SVG
    namespace, no external resource (src=, href= other than data:, CSS url() other
    than an in-page #id, @import), no executable script; it has every section, the
    title with the system and parameters, and the config in a <details> block;
  * each plot's embedded data (<script type="application/json" data-plot=...>)
    equals the NetCDF values it claims to show (the closed form of "plotting" is the
    identity): rmse, spread, ssr, crps, crps_fair, outlier_rate and 2/(M+1)
    (Hamill 2001, rank histograms; the outlier rate of a consistent M-member
    ensemble), rank_histogram at the chosen leads with the flat level N/(M+1),
    the saved members, truth and ensemble mean of the chosen variable and start,
    the Hovmoller grids and, when present, the Lyapunov exponents;
  * bad input (not NetCDF; NetCDF without `rmse`; a foreign NetCDF file; --var out
    of range; a missing file) exits 2 with one line "butterfly: FILE: ..." naming
    what is wrong, and writes nothing;
  * a real browser (Debian's chromium, headless) loads the page with no console
    error and renders a screenshot that is not blank (pixel variance).

Run by ctest with BUTTERFLY (the executable) set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_report.py
"""
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
import warnings
import zlib

import numpy as np
import xarray as xr

# Debian's netCDF4/cftime warn about numpy's ABI on import; harmless (see test_bad_input.py).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4  # noqa: F401

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")
CHROMIUM = "/usr/bin/chromium"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

MEMBERS = 30
SAVED = 6
# A small, fast Lorenz-96 run with saved members.
RUN = ["--set", f"ensemble.members={MEMBERS}", "--set", "ensemble.starts=3",
       "--set", "run.length=3", "--set", "run.spinup=5", "--set", "output.every=0.1",
       "--set", f"output.members_saved={SAVED}", "--threads", "1"]

PLOT_DATA = re.compile(
    r'<script type="application/json" class="plot-data" data-plot="([^"]+)">(.*?)</script>',
    re.DOTALL)


def butterfly(args, cwd):
    return subprocess.run([BUTTERFLY] + args, cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def plot_data(html):
    """{plot id: its JSON object} of every figure in the page."""
    return {m.group(1): json.loads(m.group(2)) for m in PLOT_DATA.finditer(html)}


def series(plot, key):
    for s in plot["series"]:
        if s["key"] == key:
            return np.array(s["x"], dtype=float), np.array(s["y"], dtype=float)
    raise AssertionError(f"plot {plot['id']} has no series '{key}'")


def decode_png(data):
    """Pixels (height, width, channels) of an 8-bit, non-interlaced PNG (PNG spec, ISO/IEC
    15948, sections 9.2-9.4: the five scanline filters). Pixels on an anti-diagonal depend
    only on earlier anti-diagonals, so the filters are undone one diagonal at a time."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    assert depth == 8 and channels and interlace == 0, f"unsupported PNG {header}"
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, -1)
    filters = raw[:, 0].astype(np.int16)
    assert filters.max() <= 4, "bad PNG filter type"
    f = raw[:, 1:].reshape(height, width, channels).astype(np.int16)
    out = np.zeros((height + 1, width + 1, channels), dtype=np.int16)  # zero row/column first
    for d in range(width + height - 1):
        y0, y1 = max(0, d - width + 1), min(height, d + 1)
        ys = np.arange(y0, y1)
        xs = d - ys
        a, b, c = out[ys + 1, xs], out[ys, xs + 1], out[ys, xs]  # left, above, above left
        t = filters[y0:y1, None]
        # Paeth: the one of a, b, c nearest to p = a + b - c (ties: a, then b).
        pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        predicted = np.where(t == 4, paeth, np.where(t == 3, (a + b) >> 1, np.where(
            t == 2, b, np.where(t == 1, a, 0))))
        out[ys + 1, xs + 1] = (f[ys, xs] + predicted) & 255
    return out[1:, 1:].astype(np.uint8)


class ReportCase(unittest.TestCase):
    """One small run (and a copy without saved members) shared by every test."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = cls._tmp.name
        cls.run_file = os.path.join(cls.dir, "run.nc")
        r = butterfly(["run"] + RUN + ["-o", cls.run_file], cls.dir)
        assert r.returncode == 0, r.stderr
        cls.ds = xr.open_dataset(cls.run_file).load()
        cls.ds.close()

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def setUp(self):
        self.out = tempfile.mkdtemp(dir=self.dir)

    def tearDown(self):
        shutil.rmtree(self.out)

    def report(self, args, input_file=None):
        """Runs `butterfly report`; returns (the page, the path)."""
        path = os.path.join(self.out, "report.html")
        r = butterfly(["report", input_file or self.run_file, "-o", path] + args, self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        with open(path, encoding="utf-8") as f:
            return f.read(), path


class SelfContainedTest(ReportCase):
    def test_one_file_without_external_references(self):
        html, path = self.report([])
        # One file, and no temporary left beside it.
        self.assertEqual(os.listdir(self.out), ["report.html"])
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertEqual(set(re.findall(r"https?://[^\s\"'<>)]*", html)), {SVG_NAMESPACE})
        self.assertNotRegex(html, r"\bsrc\s*=")
        self.assertEqual(re.findall(r'\bhref="([^"]*)"', html), ["data:,"])
        self.assertNotIn("@import", html)
        self.assertEqual(set(re.findall(r"url\(([^)]*)\)", html)),
                         {f"#{p}-clip" for p in plot_data(html)
                          if not p.startswith("hovmoller")})
        # Every <script> is a JSON data block, which browsers do not execute.
        scripts = re.findall(r"<script\b[^>]*>", html)
        self.assertTrue(scripts)
        for tag in scripts:
            self.assertIn('type="application/json"', tag)

    def test_sections_title_and_config(self):
        html, _ = self.report([])
        for section in ["spaghetti", "rmse-spread", "crps", "rank-histograms", "outlier-rate",
                        "hovmoller"]:
            self.assertIn(f'<section id="{section}">', html)
        self.assertNotIn('<section id="lyapunov">', html)  # no `exponents` in a run's output
        self.assertRegex(html, r"<h1>butterfly report: lorenz96 \(n = 40, forcing = 8\)</h1>")
        config = re.search(r'<details id="config"><summary>[^<]*</summary>\s*<pre>(.*?)</pre>',
                           html, re.DOTALL)
        self.assertIsNotNone(config)
        self.assertIn(f"members = {MEMBERS}", config.group(1))
        self.assertIn("name = &quot;lorenz96&quot;", config.group(1))
        plots = plot_data(html)
        self.assertEqual(plots["rmse-spread"]["y_label"], "rmse, spread [state units]")
        self.assertIn("lead time [model time units", plots["crps"]["x_label"])
        self.assertEqual(plots["spaghetti"]["y_label"], "x[0] [state units]")
        # A legend entry per labelled series.
        for label in ["rmse of the mean", "spread", "fair CRPS", "truth"]:
            self.assertIn(f">{label}</text>", html)

    def test_notes_for_missing_members_and_rank_histograms(self):
        bare = os.path.join(self.dir, "bare.nc")
        self.ds.drop_vars(["members", "rank_histogram"]).to_netcdf(bare)
        html, _ = self.report([], bare)
        self.assertRegex(html, r'<section id="spaghetti">\s*<h2>[^<]*</h2>\s*<p class="note">')
        self.assertRegex(html,
                         r'<section id="rank-histograms">\s*<h2>[^<]*</h2>\s*<p class="note">')
        self.assertNotIn("spaghetti", plot_data(html))


class PlotDataTest(ReportCase):
    """Each figure's embedded data equals the NetCDF values (to 1e-9)."""

    def assert_values(self, actual, expected):
        np.testing.assert_allclose(actual, np.asarray(expected, dtype=float), rtol=0, atol=1e-9)

    def check_page(self, html, var, start, lead_indices):
        ds, plots = self.ds, plot_data(html)
        t = ds["time"].values
        for plot, key in [("rmse-spread", "rmse"), ("rmse-spread", "spread"), ("ssr", "ssr"),
                          ("crps", "crps"), ("crps", "crps_fair"),
                          ("outlier-rate", "outlier_rate")]:
            x, y = series(plots[plot], key)
            self.assert_values(x, t)
            self.assert_values(y, ds[key].values)
        _, level = series(plots["outlier-rate"], "expected_outlier_rate")
        self.assert_values(level, [2 / (MEMBERS + 1)] * 2)
        _, saturation = series(plots["rmse-spread"], "saturation_rmse")
        self.assert_values(saturation, [ds.attrs["saturation_rmse"]] * 2)

        histograms = sorted(p for p in plots if p.startswith("rank-histogram-"))
        self.assertEqual(histograms, sorted(f"rank-histogram-{i}" for i in lead_indices))
        for i in lead_indices:
            counts = ds["rank_histogram"].values[i]
            x, y = series(plots[f"rank-histogram-{i}"], "rank_histogram")
            self.assert_values(x, np.arange(MEMBERS + 1))
            self.assert_values(y, counts)
            _, flat = series(plots[f"rank-histogram-{i}"], "flat")
            self.assert_values(flat, [counts.sum() / (MEMBERS + 1)] * 2)

        spaghetti = plots["spaghetti"]
        self.assertEqual(len(spaghetti["series"]), SAVED + 2)
        for m in range(SAVED):
            x, y = series(spaghetti, f"member_{m}")
            self.assert_values(x, t)
            self.assert_values(y, ds["members"].values[:, start, m, var])
        _, truth = series(spaghetti, "truth")
        self.assert_values(truth, ds["truth"].values[:, start, var])
        _, mean = series(spaghetti, "ens_mean")
        self.assert_values(mean, ds["ens_mean"].values[:, start, var])

        for name in ["truth", "ens_mean"]:
            grid = plots[f"hovmoller-{name}"]
            self.assert_values(grid["x"], t)
            self.assert_values(grid["y"], np.arange(ds.sizes["var"]))
            self.assert_values(grid["z"], ds[name].values[:, start, :].ravel())

    def test_default_variable_start_and_leads(self):
        html, _ = self.report([])
        n = self.ds.sizes["time"]
        # Four leads spread evenly from the first to the last output.
        self.check_page(html, 0, 0, sorted({round(k * (n - 1) / 3) for k in range(4)}))

    def test_chosen_variable_start_and_leads(self):
        html, _ = self.report(["--var", "7", "--start", "2", "--lead", "1.02", "--lead", "2.5"])
        t = self.ds["time"].values
        leads = [int(np.argmin(np.abs(t - lead))) for lead in (1.02, 2.5)]
        self.assertEqual([t[i] for i in leads], [t[10], t[25]])
        self.check_page(html, 7, 2, leads)

    def test_lyapunov_spectrum_when_present(self):
        # A leading dimension (e.g. convergence over time): the report shows the last row.
        with_exponents = os.path.join(self.dir, "exponents.nc")
        spectrum = np.array([[1.0, 0.5, 0.0, -2.0], [1.2, 0.4, 0.01, -4.5]])
        ds = self.ds.assign(exponents=(("step", "exponent"), spectrum,
                                       {"units": "1/time unit", "long_name": "exponents"}))
        ds.to_netcdf(with_exponents)
        html, _ = self.report([], with_exponents)
        plot = plot_data(html)["lyapunov"]
        x, y = series(plot, "exponents")
        self.assert_values(x, [1, 2, 3, 4])
        self.assert_values(y, spectrum[-1])
        self.assertEqual(plot["y_label"], "exponent [1/time unit]")


class BadInputTest(ReportCase):
    def assert_rejected(self, input_file, fragments, extra=()):
        path = os.path.join(self.out, "report.html")
        r = butterfly(["report", input_file, "-o", path] + list(extra), self.dir)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, "")
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("butterfly: "), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        self.assertEqual(os.listdir(self.out), [])  # no report, no temporary

    def test_garbage_file(self):
        garbage = os.path.join(self.dir, "garbage.nc")
        with open(garbage, "wb") as f:
            f.write(b"this is not NetCDF\n" * 50)
        self.assert_rejected(garbage, [f"butterfly: {garbage}: ", "not a NetCDF file"])

    def test_missing_rmse(self):
        no_rmse = os.path.join(self.dir, "no_rmse.nc")
        self.ds.drop_vars("rmse").to_netcdf(no_rmse)
        self.assert_rejected(no_rmse, [f"butterfly: {no_rmse}: ", "no variable 'rmse'",
                                       "not a butterfly run output"])

    def test_foreign_netcdf_file(self):
        foreign = os.path.join(self.dir, "foreign.nc")
        xr.Dataset({"temperature": (("lat",), np.arange(3.0))}).to_netcdf(foreign)
        self.assert_rejected(foreign, [f"butterfly: {foreign}: ", "not a butterfly run output",
                                       "no variable 'time'"])

    def test_wrong_shape(self):
        flat = os.path.join(self.dir, "flat_rmse.nc")
        self.ds.assign(rmse=self.ds["rmse_by_start"]).to_netcdf(flat)
        self.assert_rejected(flat, [f"butterfly: {flat}: ", "variable 'rmse'",
                                    "expected (time)"])

    def test_variable_and_start_out_of_range(self):
        self.assert_rejected(self.run_file, ["--var 40", "0 to 39"], ["--var", "40"])
        self.assert_rejected(self.run_file, ["--start 3", "0 to 2"], ["--start", "3"])
        self.assert_rejected(self.run_file, ["--lead 9", "outside"], ["--lead", "9"])

    def test_missing_file(self):
        missing = os.path.join(self.dir, "missing.nc")
        self.assert_rejected(missing, [f"butterfly: {missing}: ", "no such file"])


class BrowserTest(ReportCase):
    @unittest.skipUnless(os.path.exists(CHROMIUM),
                         f"{CHROMIUM} not installed (scripts/install-deps.sh installs it)")
    def test_chromium_renders_without_console_errors(self):
        _, path = self.report([])
        png = os.path.join(self.out, "screenshot.png")
        profile = tempfile.mkdtemp(dir=self.dir)
        r = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             f"--screenshot={png}", "--window-size=1200,3000", "file://" + path],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        console = [line for line in r.stderr.splitlines() if "CONSOLE" in line]
        self.assertEqual(console, [])
        with open(png, "rb") as f:
            pixels = decode_png(f.read())
        self.assertEqual(pixels.shape[:2], (3000, 1200))
        # A blank page has variance 0; the plots' lines, bars and colour grids raise it.
        self.assertGreater(pixels[:, :, :3].astype(float).var(), 100.0)
        not_white = np.any(pixels[:, :, :3] < 200, axis=2).mean()
        self.assertGreater(not_white, 0.02)


if __name__ == "__main__":
    unittest.main()
