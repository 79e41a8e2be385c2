// Every registered system, by name. Registering a new system is one line: add
// its type to AnySystem below (and include its header).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "butterfly/systems/double_pendulum.hpp"
#include "butterfly/systems/harvested_population.hpp"
#include "butterfly/systems/henon_heiles.hpp"
#include "butterfly/systems/kuramoto_sivashinsky.hpp"
#include "butterfly/systems/lorenz63.hpp"
#include "butterfly/systems/lorenz96.hpp"
#include "butterfly/systems/lorenz96_two_scale.hpp"
#include "butterfly/systems/navier_stokes_2d.hpp"
#include "butterfly/systems/parameter_spec.hpp"
#include "butterfly/systems/qg_two_layer.hpp"
#include "butterfly/systems/reaction_diffusion_2d.hpp"
#include "butterfly/systems/rossler.hpp"
#include "butterfly/systems/saddle_node.hpp"
#include "butterfly/systems/shear_flow_9.hpp"
#include "butterfly/systems/shell_model.hpp"
#include "butterfly/systems/three_body.hpp"

namespace butterfly {

using AnySystem =
    std::variant<Lorenz63, Lorenz96, Lorenz96TwoScale, Rossler, HenonHeiles, DoublePendulum,
                 ThreeBody, ShearFlow9, ShellModel, KuramotoSivashinsky, NavierStokes2D,
                 ReactionDiffusion2D, QgTwoLayer, SaddleNode, HarvestedPopulation>;

// What `butterfly systems` prints about one system.
struct SystemInfo {
  std::string_view name;
  std::string_view summary;
  std::string_view time_units;
  std::span<const ParameterSpec> parameters;
  std::string_view default_scheme;  // when integrator.scheme is unset
  double default_dt = 0.01;         // when integrator.dt is unset
};

// The registry entry of a system by name; UsageError naming the known ones.
SystemInfo system_info(std::string_view name);

std::vector<SystemInfo> registered_systems();

// A parameter override as given in a config, e.g. {"forcing", 10.0}.
using ParameterOverrides = std::vector<std::pair<std::string, double>>;

// Builds the named system with its defaults and the overrides applied.
// Throws UsageError naming an unknown system, an unknown parameter (with the
// valid ones), a non-integer value for an integer parameter, or a value below
// the parameter's minimum.
AnySystem make_system(std::string_view name, const ParameterOverrides& overrides);

std::string_view system_name(const AnySystem& system);
std::size_t system_dimension(const AnySystem& system);

// The effective parameter values as (name, value), in table order.
std::vector<std::pair<std::string, double>> system_parameters(std::string_view name,
                                                              const ParameterOverrides& overrides);

}  // namespace butterfly
