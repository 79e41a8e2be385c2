// butterfly._butterfly: the pybind11 extension behind the `butterfly` Python package. Scores of
// (points, members) float64 arrays, the system registry, and `butterfly run` to a NetCDF file.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstddef>
#include <string>
#include <vector>

#include "butterfly/analysis/lyapunov_spectrum.hpp"
#include "butterfly/app/run_command.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/stats/point_scores.hpp"
#include "butterfly/stats/score_accumulator.hpp"
#include "butterfly/systems/registry.hpp"

namespace py = pybind11;

namespace butterfly {
namespace {

// C-contiguous float64 arrays; the Python layer has already moved the member axis last,
// checked the shapes and converted the dtype, so forcecast never copies here.
using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// The (points, members) view of `ensemble` and the (points,) view of `truth`.
struct Points {
  const double* ensemble;
  const double* truth;
  std::size_t points;
  std::size_t members;
};

Points points_of(const Array& ensemble, const Array& truth) {
  if (ensemble.ndim() != 2 || truth.ndim() != 1 || ensemble.shape(0) != truth.shape(0)) {
    throw UsageError("ensemble: expected shape (points, members) and truth (points,)");
  }
  return {ensemble.data(), truth.data(), static_cast<std::size_t>(ensemble.shape(0)),
          static_cast<std::size_t>(ensemble.shape(1))};
}

// Calls f(point index, PointScores) for every point, scoring a copy of its members with
// score_point (which sorts in place). Runs without the GIL.
template <class F>
void for_each_point(const Points& p, F&& f) {
  py::gil_scoped_release release;
  std::vector<double> row(p.members);
  for (std::size_t i = 0; i < p.points; ++i) {
    const double* x = p.ensemble + i * p.members;
    row.assign(x, x + p.members);
    f(i, score_point(row, p.truth[i]));
  }
}

// Per-point CRPS, empirical (properscoring.crps_ensemble) or fair (Ferro 2014): see
// score_sorted_point for the formulas.
py::array_t<double> crps(const Array& ensemble, const Array& truth, bool fair) {
  const Points p = points_of(ensemble, truth);
  py::array_t<double> out(static_cast<py::ssize_t>(p.points));
  double* o = out.mutable_data();
  for_each_point(p,
                 [&](std::size_t i, const PointScores& s) { o[i] = fair ? s.crps_fair : s.crps; });
  return out;
}

// Every point added to one ScoreAccumulator (nominal M = members).
ScoreAccumulator accumulate(const Array& ensemble, const Array& truth) {
  const Points p = points_of(ensemble, truth);
  if (p.members < 2) throw UsageError("ensemble: needs at least 2 members");
  ScoreAccumulator acc(p.members);
  for_each_point(p, [&](std::size_t, const PointScores& s) { acc.add(s); });
  return acc;
}

py::dict system_dict(const SystemInfo& info) {
  py::list parameters;
  for (const ParameterSpec& spec : info.parameters) {
    py::dict d;
    d["name"] = std::string(spec.name);
    d["default"] = spec.default_value;
    d["meaning"] = std::string(spec.meaning);
    d["units"] = std::string(spec.units);
    d["integer"] = spec.integer;
    d["minimum"] = spec.minimum;
    d["maximum"] = spec.maximum;
    parameters.append(d);
  }
  py::dict d;
  d["name"] = std::string(info.name);
  d["summary"] = std::string(info.summary);
  d["time_units"] = std::string(info.time_units);
  d["parameters"] = parameters;
  d["default_scheme"] = std::string(info.default_scheme);
  d["default_dt"] = info.default_dt;
  return d;
}

// `butterfly run --config CONFIG --set OVERRIDE... -o OUTPUT --threads THREADS
// [--members MEMBERS]`, without the GIL; the summary goes to the process's
// stdout as with the command. `replay` with `members`: only those members.
void run(const std::string& config, const std::vector<std::string>& overrides,
         const std::string& output, std::size_t threads, bool json, bool replay,
         const std::string& members) {
  RunOptions options;
  options.config_path = config;
  options.overrides = overrides;
  options.output = output;
  options.threads = threads;
  options.json = json;
  options.replay = replay;
  options.members = members;
  py::gil_scoped_release release;
  run_command(options);
}

// The Lyapunov spectrum of a registered system (analysis/lyapunov_spectrum.hpp),
// as a dict of numpy arrays and numbers; the GIL is released while it runs.
py::dict lyapunov(const std::string& system_name, const ParameterOverrides& parameters,
                  const LyapunovOptions& options, std::size_t threads) {
  const AnySystem system = make_system(system_name, parameters);
  LyapunovSpectrum s;
  {
    py::gil_scoped_release release;
    ThreadPool pool(threads);
    s = lyapunov_spectrum(system, options, pool);
  }
  const auto array = [](const std::vector<double>& v) {
    return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
  };
  py::dict out;
  out["system"] = system_name;
  out["exponents"] = array(s.exponents);
  out["standard_error"] = array(s.standard_error);
  out["by_replica"] = array(s.by_replica)
                          .reshape(std::vector<py::ssize_t>{static_cast<py::ssize_t>(s.replicas),
                                                            static_cast<py::ssize_t>(s.k())});
  out["kaplan_yorke_dimension"] = s.kaplan_yorke_dimension;
  out["ks_entropy"] = s.ks_entropy;
  out["replicas"] = s.replicas;
  out["dt"] = s.dt;
  out["length"] = s.length;
  return out;
}

}  // namespace
}  // namespace butterfly

PYBIND11_MODULE(_butterfly, m) {
  using namespace butterfly;
  m.doc() = "butterfly's C++ core; use the butterfly package's functions instead.";
  // The CLI's exit status 2 (usage) becomes ValueError, status 1 (run time) RuntimeError; the
  // message is the CLI's one line without its "butterfly: " prefix.
  py::register_exception_translator([](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const UsageError& error) {
      PyErr_SetString(PyExc_ValueError, error.what());
    } catch (const butterfly::RuntimeError& error) {
      PyErr_SetString(PyExc_RuntimeError, error.what());
    }
  });
  m.def("crps", &crps, py::arg("ensemble"), py::arg("truth"), py::arg("fair"));
  m.def("rank_histogram", [](const Array& ensemble, const Array& truth) {
    const std::vector<double> bins = accumulate(ensemble, truth).rank_histogram();
    return py::array_t<double>(static_cast<py::ssize_t>(bins.size()), bins.data());
  });
  m.def("spread_skill", [](const Array& ensemble, const Array& truth) {
    return accumulate(ensemble, truth).ssr();
  });
  m.def("outlier_rate", [](const Array& ensemble, const Array& truth) {
    return accumulate(ensemble, truth).outlier_rate();
  });
  m.def("systems", [] {
    py::list out;
    for (const SystemInfo& info : registered_systems()) out.append(system_dict(info));
    return out;
  });
  m.def(
      "lyapunov",
      [](const std::string& system, const ParameterOverrides& parameters, std::size_t k, double dt,
         double transient, double length, std::size_t renormalise_every, std::size_t replicas,
         std::uint64_t seed, std::size_t threads) {
        LyapunovOptions options;
        options.exponents = k;
        options.dt = dt;
        options.transient = transient;
        options.length = length;
        options.renormalise_every = renormalise_every;
        options.replicas = replicas;
        options.seed = seed;
        return lyapunov(system, parameters, options, threads);
      },
      py::arg("system"), py::arg("parameters"), py::arg("k"), py::arg("dt"), py::arg("transient"),
      py::arg("length"), py::arg("renormalise_every"), py::arg("replicas"), py::arg("seed"),
      py::arg("threads"));
  m.def("run", &run, py::arg("config"), py::arg("overrides"), py::arg("output"), py::arg("threads"),
        py::arg("json"), py::arg("replay") = false, py::arg("members") = "");
}
