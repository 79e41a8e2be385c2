"""Every config in examples/ runs (shortened with --set) and writes a complete file."""
import glob
import os
import subprocess
import tempfile
import unittest

import xarray as xr

BUTTERFLY = os.environ["BUTTERFLY"]
SOURCE = os.environ["BUTTERFLY_SOURCE"]


class ExamplesRun(unittest.TestCase):
    def test_every_example_runs(self):
        examples = sorted(glob.glob(os.path.join(SOURCE, "examples", "*.toml")))
        self.assertGreaterEqual(len(examples), 2)
        for path in examples:
            with self.subTest(example=os.path.basename(path)), tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "out.nc")
                result = subprocess.run(
                    [BUTTERFLY, "run", path, "--set", "ensemble.starts=2", "--set",
                     "ensemble.members=20", "-o", out],
                    capture_output=True, text=True)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn("rmse", result.stdout)
                with xr.open_dataset(out) as ds:
                    self.assertEqual(ds.sizes["start"], 2)
                    self.assertEqual(int(ds.attrs["ensemble_members"]), 20)
                    self.assertTrue(bool((ds["rmse"] > 0).all()))


if __name__ == "__main__":
    unittest.main()
